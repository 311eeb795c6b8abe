using System;

namespace Tracing.Sdk.Sampling;

/// <summary>What a sampler knows about a span that is about to start. Lives on the stack only.</summary>
public readonly ref struct SamplingParameters
{
    /// <summary>Creates sampling parameters.</summary>
    /// <param name="parentContext">The parent's context; invalid for a root span.</param>
    /// <param name="traceId">The trace id the span will have.</param>
    /// <param name="name">The span name.</param>
    /// <param name="kind">The span kind.</param>
    /// <param name="attributes">Attributes given at start.</param>
    /// <param name="links">Links given at start.</param>
    public SamplingParameters(in SpanContext parentContext, TraceId traceId, string name, SpanKind kind, ReadOnlySpan<KeyValue> attributes = default, ReadOnlySpan<Link> links = default)
    {
        ParentContext = parentContext;
        TraceId = traceId;
        Name = name;
        Kind = kind;
        Attributes = attributes;
        Links = links;
    }

    /// <summary>The parent's context; invalid for a root span.</summary>
    public SpanContext ParentContext { get; }

    /// <summary>The trace id the span will have.</summary>
    public TraceId TraceId { get; }

    /// <summary>The span name.</summary>
    public string Name { get; }

    /// <summary>The span kind.</summary>
    public SpanKind Kind { get; }

    /// <summary>Attributes given at start.</summary>
    public ReadOnlySpan<KeyValue> Attributes { get; }

    /// <summary>Links given at start.</summary>
    public ReadOnlySpan<Link> Links { get; }

    /// <summary>
    /// The HTTP method of a server or client span (<c>http.request.method</c>, upper case, <c>_OTHER</c> for an
    /// unknown one), or null. The ASP.NET Core instrumentation gives it at start, with the scheme, host and path.
    /// </summary>
    public string? HttpMethod => GetString("http.request.method");

    /// <summary>The request path (<c>url.path</c>), or null.</summary>
    public string? UrlPath => GetString("url.path");

    /// <summary>The request scheme (<c>url.scheme</c>), or null.</summary>
    public string? UrlScheme => GetString("url.scheme");

    /// <summary>The host the request was sent to (<c>server.address</c>), or null.</summary>
    public string? ServerAddress => GetString("server.address");

    /// <summary>
    /// The route template (<c>http.route</c>, for example <c>/orders/{id}</c>), or null while routing has not chosen
    /// the endpoint: a sampler that needs it returns <see cref="SamplingResult.Deferred"/> and is asked again once it
    /// is known.
    /// </summary>
    public string? HttpRoute => GetString("http.route");

    /// <summary>The string value of the start attribute <paramref name="key"/>, or null. Scans the attributes; no allocation.</summary>
    /// <param name="key">The attribute key.</param>
    public string? GetString(string key)
    {
        var attributes = Attributes;
        for (int i = 0; i < attributes.Length; i++)
        {
            if (string.Equals(attributes[i].Key, key, StringComparison.Ordinal))
            {
                return attributes[i].Value.AsString();
            }
        }

        return null;
    }

    /// <summary>Looks up the start attribute <paramref name="key"/>.</summary>
    /// <param name="key">The attribute key.</param>
    /// <param name="value">The value.</param>
    public bool TryGetAttribute(string key, out AttributeValue value)
    {
        var attributes = Attributes;
        for (int i = 0; i < attributes.Length; i++)
        {
            if (string.Equals(attributes[i].Key, key, StringComparison.Ordinal))
            {
                value = attributes[i].Value;
                return true;
            }
        }

        value = default;
        return false;
    }
}

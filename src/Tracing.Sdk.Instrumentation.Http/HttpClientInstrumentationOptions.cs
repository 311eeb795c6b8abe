using System;
using System.Collections.Generic;
using System.Net.Http;
using Tracing.Sdk.Propagation;

namespace Tracing.Sdk.Instrumentation.Http;

/// <summary>Options of the HttpClient instrumentation.</summary>
public sealed class HttpClientInstrumentationOptions
{
    /// <summary>
    /// The query parameters whose values <c>url.full</c> shows as <c>REDACTED</c> (compared ignoring case). Defaults:
    /// <c>sig</c>, <c>token</c>, <c>password</c>, <c>key</c>, <c>api_key</c>, <c>apikey</c>, <c>access_token</c>, <c>secret</c>.
    /// </summary>
    public ISet<string> RedactedQueryParameters { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "sig", "token", "password", "key", "api_key", "apikey", "access_token", "secret",
    };

    /// <summary>
    /// Request headers recorded as <c>http.request.header.&lt;name&gt;</c>. Empty by default: header values can hold
    /// secrets, so each one is opted in by name.
    /// </summary>
    public ISet<string> CapturedRequestHeaders { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Response headers recorded as <c>http.response.header.&lt;name&gt;</c>. Empty by default.</summary>
    public ISet<string> CapturedResponseHeaders { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Returns false for a request that should get no span (its context is still propagated). Null records every request.</summary>
    public Func<HttpRequestMessage, bool>? Filter { get; set; }

    /// <summary>Called with the span and the request when the span starts.</summary>
    public Action<Span, HttpRequestMessage>? EnrichWithRequest { get; set; }

    /// <summary>Called with the span and the response before the span ends.</summary>
    public Action<Span, HttpResponseMessage>? EnrichWithResponse { get; set; }

    /// <summary>Called with the span and the exception when a request fails.</summary>
    public Action<Span, Exception>? EnrichWithException { get; set; }

    /// <summary>Whether a failed request's exception is recorded as an <c>exception</c> event. Default: true.</summary>
    public bool RecordException { get; set; } = true;

    /// <summary>
    /// The propagator that writes the outgoing headers. Null (the default) uses the formats named by
    /// <c>OTEL_PROPAGATORS</c> in the provider's settings (W3C trace context and baggage when unset).
    /// </summary>
    public TextMapPropagator? Propagator { get; set; }
}

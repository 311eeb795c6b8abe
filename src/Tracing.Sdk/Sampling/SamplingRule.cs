using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Tracing.Sdk.Sampling;

/// <summary>
/// One rule of a <see cref="RuleBasedSampler"/>: conditions on the span (all must hold; an unset condition always
/// holds) and what to do with a span that meets them — sample a ratio of traces, at most a rate of spans a second,
/// every span, or none. Patterns use <c>*</c> for any run of characters and ignore case.
/// </summary>
public sealed class SamplingRule
{
    private string[]? _methods;
    private string? _method;
    private KeyValuePair<string, string>[] _attributes = [];

    /// <summary>HTTP methods, separated by <c>|</c> (<c>GET|HEAD</c>); null for any.</summary>
    public string? Method
    {
        get => _method;
        init
        {
            _method = value;
            _methods = string.IsNullOrWhiteSpace(value) ? null : value.Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }
    }

    /// <summary>A pattern for the request path (<c>url.path</c>), for example <c>/health*</c>; null for any.</summary>
    public string? Path { get; init; }

    /// <summary>
    /// A pattern for the route template (<c>http.route</c>), for example <c>/orders/{id}</c>; null for any. A server
    /// span's route is known only once routing has chosen the endpoint: until then the decision is deferred.
    /// </summary>
    public string? Route { get; init; }

    /// <summary>A pattern for the span name; null for any.</summary>
    public string? SpanName { get; init; }

    /// <summary>The span kind; null for any.</summary>
    public SpanKind? Kind { get; init; }

    /// <summary>Start attributes the span must have, compared as text (a number or boolean by its invariant text).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Attributes
    {
        get => _attributes;
        init => _attributes = [.. value ?? []];
    }

    /// <summary>The share of matching traces to sample (0 to 1), decided consistently from the trace's randomness.</summary>
    public double? Ratio { get; init; }

    /// <summary>At most this many matching spans a second are sampled; combined with <see cref="Ratio"/>, both must agree.</summary>
    public double? SpansPerSecond { get; init; }

    /// <summary>A rule that drops what it matches (ratio 0), for health and probe endpoints.</summary>
    /// <param name="path">The path pattern.</param>
    public static SamplingRule DropPath(string path) => new() { Path = path, Ratio = 0 };

    internal bool NeedsRoute => Route is not null;

    /// <summary>The sampler that applies this rule's action.</summary>
    internal Sampler CreateSampler()
    {
        if (Ratio is { } ratio && SpansPerSecond is { } rate)
        {
            return new BothSampler(new TraceIdRatioBasedSampler(ratio), new RateLimitingSampler(rate));
        }

        if (Ratio is { } r)
        {
            return r >= 1 ? Sampler.AlwaysOn : r <= 0 ? Sampler.AlwaysOff : new TraceIdRatioBasedSampler(r);
        }

        return SpansPerSecond is { } s ? new RateLimitingSampler(s) : Sampler.AlwaysOn;
    }

    internal void Validate()
    {
        if (Ratio is { } r && (double.IsNaN(r) || r < 0 || r > 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Ratio), r, "A rule's ratio must be between 0 and 1.");
        }

        if (SpansPerSecond is { } s && (double.IsNaN(s) || s < 0 || double.IsInfinity(s)))
        {
            throw new ArgumentOutOfRangeException(nameof(SpansPerSecond), s, "A rule's rate must be zero or more.");
        }

        foreach (var kv in Attributes)
        {
            ArgumentException.ThrowIfNullOrEmpty(kv.Key);
            ArgumentNullException.ThrowIfNull(kv.Value);
        }
    }

    /// <summary>Whether the span meets the conditions; <paramref name="routeUnknown"/> when only the route, not yet known, could tell.</summary>
    internal bool Matches(in SamplingParameters parameters, out bool routeUnknown)
    {
        routeUnknown = false;
        if (Kind is { } kind && parameters.Kind != kind)
        {
            return false;
        }

        if (_methods is { } methods && !MatchesAny(methods, parameters.HttpMethod))
        {
            return false;
        }

        if (Path is { } path && (parameters.UrlPath is not { } actualPath || !ActivitySourceFilter.Glob(path, actualPath)))
        {
            return false;
        }

        if (SpanName is { } name && !ActivitySourceFilter.Glob(name, parameters.Name ?? string.Empty))
        {
            return false;
        }

        var attributes = _attributes; // an array: a for loop over it allocates no enumerator
        for (int i = 0; i < attributes.Length; i++)
        {
            if (!parameters.TryGetAttribute(attributes[i].Key, out var value) || !SameText(value, attributes[i].Value))
            {
                return false;
            }
        }

        if (Route is { } route)
        {
            if (parameters.HttpRoute is not { } actualRoute)
            {
                // Only a server span learns its route later; for other spans a route rule simply does not match.
                routeUnknown = parameters.Kind == SpanKind.Server;
                return false;
            }

            return actualRoute.Length > 0 && ActivitySourceFilter.Glob(route, actualRoute);
        }

        return true;
    }

    private static bool MatchesAny(string[] methods, string? method)
    {
        if (method is null)
        {
            return false;
        }

        foreach (var m in methods)
        {
            if (string.Equals(m, method, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static bool SameText(in AttributeValue value, string expected)
    {
        switch (value.Type)
        {
            case AttributeType.String:
                return string.Equals(value.AsString(), expected, StringComparison.Ordinal);
            case AttributeType.Long:
                return long.TryParse(expected, NumberStyles.Integer, CultureInfo.InvariantCulture, out long l) && l == value.AsLong();
            case AttributeType.Bool:
                return bool.TryParse(expected, out bool b) && b == value.AsBool();
            case AttributeType.Double:
                return double.TryParse(expected, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && d == value.AsDouble();
            default:
                return false;
        }
    }

    /// <summary>The rule in the text grammar of <see cref="RuleBasedSampler.Parse(string)"/>.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        void Add(string name, string? value)
        {
            if (value is not null)
            {
                sb.Append(sb.Length > 0 ? "," : string.Empty).Append(name).Append('=').Append(value);
            }
        }

        Add("method", Method);
        Add("path", Path);
        Add("route", Route);
        Add("name", SpanName);
        Add("kind", Kind?.ToString().ToLowerInvariant());
        foreach (var kv in Attributes)
        {
            Add("attr." + kv.Key, kv.Value);
        }

        sb.Append("=>");
        if (Ratio is { } r && SpansPerSecond is { } s)
        {
            sb.Append("ratio:").Append(r.ToString("R", CultureInfo.InvariantCulture)).Append("+rate:").Append(s.ToString("R", CultureInfo.InvariantCulture));
        }
        else if (Ratio is { } ratio)
        {
            sb.Append(ratio switch { 0 => "drop", 1 => "always", _ => "ratio:" + ratio.ToString("R", CultureInfo.InvariantCulture) });
        }
        else if (SpansPerSecond is { } rate)
        {
            sb.Append("rate:").Append(rate.ToString("R", CultureInfo.InvariantCulture));
        }
        else
        {
            sb.Append("always");
        }

        return sb.ToString();
    }

    /// <summary>Samples when both samplers do; the rate limiter is asked only when the ratio says yes, so it counts sampled spans.</summary>
    private sealed class BothSampler(Sampler ratio, Sampler rate) : Sampler
    {
        public override SamplingResult ShouldSample(in SamplingParameters parameters)
        {
            var first = ratio.ShouldSample(parameters);
            return first.Decision == SamplingDecision.RecordAndSample && rate.ShouldSample(parameters).Decision == SamplingDecision.RecordAndSample
                ? first
                : default;
        }

        public override string Description => ratio.Description + "+" + rate.Description;
    }
}

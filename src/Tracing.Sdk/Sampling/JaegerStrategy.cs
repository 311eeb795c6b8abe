using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Tracing.Sdk.Sampling;

/// <summary>
/// One strategy served by a Jaeger sampling endpoint, as a sampler: probabilistic (a consistent trace-id ratio),
/// rate-limiting, or per-operation (operation = span name), where each operation samples its probability or, failing
/// that, at least its lower bound of traces a second. Immutable once built, except for the lazily added operations.
/// </summary>
internal sealed class JaegerStrategy : Sampler
{
    private readonly Sampler? _single;
    private readonly Dictionary<string, Sampler>? _operations;
    private readonly ConcurrentDictionary<string, Sampler>? _lazyOperations;
    private readonly double _defaultProbability;
    private readonly double _lowerBound;
    private readonly int _maxOperations;
    private readonly Sampler? _overflow;

    private JaegerStrategy(Sampler single, string text)
    {
        _single = single;
        Text = text;
    }

    private JaegerStrategy(Dictionary<string, Sampler> operations, double defaultProbability, double lowerBound, int maxOperations, string text)
    {
        _operations = operations;
        _lazyOperations = new(StringComparer.Ordinal);
        _defaultProbability = defaultProbability;
        _lowerBound = lowerBound;
        _maxOperations = maxOperations;
        _overflow = new GuaranteedThroughput(defaultProbability, lowerBound);
        Text = text;
    }

    /// <summary>A canonical description of the strategy (what the log lines show, and how changes are detected).</summary>
    public string Text { get; }

    public static JaegerStrategy Probabilistic(double rate) =>
        new(new TraceIdRatioBasedSampler(rate), "probabilistic{" + rate.ToString("R", CultureInfo.InvariantCulture) + "}");

    public override SamplingResult ShouldSample(in SamplingParameters parameters)
    {
        if (_single is { } single)
        {
            return single.ShouldSample(parameters);
        }

        if (parameters.Kind == SpanKind.Server && parameters.HttpRoute is null && parameters.HttpMethod is not null)
        {
            // An HTTP server span's operation name is "{method} {route}", known once routing has chosen the endpoint.
            return SamplingResult.Deferred;
        }

        string name = parameters.Name ?? string.Empty;
        if (_operations!.TryGetValue(name, out var sampler) || _lazyOperations!.TryGetValue(name, out sampler))
        {
            return sampler.ShouldSample(parameters);
        }

        return OperationSampler(name).ShouldSample(parameters);
    }

    // Out of line: runs once per new operation name; after the cap every new name shares one sampler.
    private Sampler OperationSampler(string name)
    {
        if (_operations!.Count + _lazyOperations!.Count >= _maxOperations)
        {
            return _overflow!;
        }

        return _lazyOperations.GetOrAdd(name, static (_, self) => new GuaranteedThroughput(self._defaultProbability, self._lowerBound), this);
    }

    public override string Description => Text;

    /// <summary>Parses a strategy response; false (and a reason) for anything that is not one.</summary>
    public static bool TryParse(ReadOnlySpan<byte> json, int maxOperations, out JaegerStrategy? strategy, out string? error)
    {
        strategy = null;
        error = null;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 16, CommentHandling = JsonCommentHandling.Skip });
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = "the answer is not a JSON object";
                return false;
            }

            if (Property(root, "operationSampling") is { ValueKind: JsonValueKind.Object } ops)
            {
                return TryParseOperations(ops, maxOperations, out strategy, out error);
            }

            int type = 0;
            if (Property(root, "strategyType") is { } typeElement)
            {
                if (typeElement.ValueKind == JsonValueKind.Number && typeElement.TryGetInt32(out int n) && n is 0 or 1)
                {
                    type = n;
                }
                else if (typeElement.ValueKind == JsonValueKind.String && typeElement.GetString() is { } s
                    && (s.Equals("PROBABILISTIC", StringComparison.OrdinalIgnoreCase) || s.Equals("RATE_LIMITING", StringComparison.OrdinalIgnoreCase)))
                {
                    type = s.Equals("PROBABILISTIC", StringComparison.OrdinalIgnoreCase) ? 0 : 1;
                }
                else
                {
                    error = "unknown strategyType " + typeElement.GetRawText();
                    return false;
                }
            }

            if (type == 1)
            {
                if (Property(root, "rateLimitingSampling") is not { ValueKind: JsonValueKind.Object } rl
                    || !TryNumber(rl, "maxTracesPerSecond", out double max) || max < 0 || !double.IsFinite(max))
                {
                    error = "a RATE_LIMITING strategy without a valid rateLimitingSampling.maxTracesPerSecond";
                    return false;
                }

                strategy = new JaegerStrategy(new RateLimitingSampler(max), "rateLimiting{" + max.ToString("R", CultureInfo.InvariantCulture) + "}");
                return true;
            }

            if (Property(root, "probabilisticSampling") is not { ValueKind: JsonValueKind.Object } p
                || !TryNumber(p, "samplingRate", out double rate) || !(rate is >= 0 and <= 1))
            {
                error = "a PROBABILISTIC strategy without a valid probabilisticSampling.samplingRate";
                return false;
            }

            strategy = Probabilistic(rate);
            return true;
        }
        catch (JsonException ex)
        {
            error = "the answer is not valid JSON: " + ex.Message;
            return false;
        }
    }

    private static bool TryParseOperations(JsonElement ops, int maxOperations, out JaegerStrategy? strategy, out string? error)
    {
        strategy = null;
        error = null;
        if (!TryNumber(ops, "defaultSamplingProbability", out double defaultProbability) || !(defaultProbability is >= 0 and <= 1))
        {
            error = "operationSampling without a valid defaultSamplingProbability";
            return false;
        }

        if (!TryNumber(ops, "defaultLowerBoundTracesPerSecond", out double lowerBound))
        {
            lowerBound = 0;
        }

        if (!(lowerBound >= 0) || !double.IsFinite(lowerBound))
        {
            error = "operationSampling with an invalid defaultLowerBoundTracesPerSecond";
            return false;
        }

        var operations = new Dictionary<string, Sampler>(StringComparer.Ordinal);
        var text = new StringBuilder("perOperation{default:")
            .Append(defaultProbability.ToString("R", CultureInfo.InvariantCulture))
            .Append(",lowerBound:").Append(lowerBound.ToString("R", CultureInfo.InvariantCulture));
        if (Property(ops, "perOperationStrategies") is { ValueKind: JsonValueKind.Array } list)
        {
            foreach (var item in list.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object
                    || Property(item, "operation") is not { ValueKind: JsonValueKind.String } opName
                    || Property(item, "probabilisticSampling") is not { ValueKind: JsonValueKind.Object } p
                    || !TryNumber(p, "samplingRate", out double rate) || !(rate is >= 0 and <= 1))
                {
                    error = "a perOperationStrategies entry without operation and probabilisticSampling.samplingRate";
                    return false;
                }

                string name = opName.GetString()!;
                if (operations.Count < maxOperations && !operations.ContainsKey(name))
                {
                    operations[name] = new GuaranteedThroughput(rate, lowerBound);
                    text.Append(',').Append(name).Append(':').Append(rate.ToString("R", CultureInfo.InvariantCulture));
                }
            }
        }

        strategy = new JaegerStrategy(operations, defaultProbability, lowerBound, maxOperations, text.Append('}').ToString());
        return true;
    }

    // Jaeger serves camelCase (the agent's Thrift JSON and the proto JSON); snake_case is accepted too.
    private static JsonElement? Property(JsonElement obj, string camelName)
    {
        foreach (var p in obj.EnumerateObject())
        {
            if (p.NameEquals(camelName) || Normalized(p.Name).Equals(camelName, StringComparison.OrdinalIgnoreCase))
            {
                return p.Value;
            }
        }

        return null;
    }

    private static string Normalized(string name) => name.Replace("_", string.Empty, StringComparison.Ordinal);

    private static bool TryNumber(JsonElement obj, string name, out double value)
    {
        value = 0;
        return Property(obj, name) is { ValueKind: JsonValueKind.Number } n && n.TryGetDouble(out value) && double.IsFinite(value);
    }

    /// <summary>
    /// Samples the probability, and at least <c>lowerBound</c> traces a second (Jaeger's guaranteed-throughput
    /// sampler): a span the probability samples also takes a token, so the lower bound counts every sampled span.
    /// </summary>
    private sealed class GuaranteedThroughput : Sampler
    {
        private readonly TraceIdRatioBasedSampler _ratio;
        private readonly RateLimitingSampler _lowerBound;

        public GuaranteedThroughput(double probability, double lowerBound)
        {
            _ratio = new TraceIdRatioBasedSampler(probability);
            _lowerBound = new RateLimitingSampler(lowerBound);
        }

        public override SamplingResult ShouldSample(in SamplingParameters parameters)
        {
            var byRatio = _ratio.ShouldSample(parameters);
            bool byRate = _lowerBound.ShouldSample(parameters).Decision == SamplingDecision.RecordAndSample;
            return byRatio.Decision == SamplingDecision.RecordAndSample ? byRatio : byRate ? new(SamplingDecision.RecordAndSample) : default;
        }

        public override string Description => "GuaranteedThroughput{" + _ratio.Description + "," + _lowerBound.Description + "}";
    }
}

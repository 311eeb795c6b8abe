using System;
using System.Collections.Generic;
using System.Globalization;
using Tracing.Sdk.Diagnostics;
using Tracing.Sdk.Sampling;

namespace Tracing.Sdk.Configuration;

/// <summary>Reads the OpenTelemetry SDK's environment variables. Invalid values fall back per the specification and are reported to the self-log.</summary>
internal static class OtelEnvironment
{
    public static int? ReadNonNegativeInt(Func<string, string?> get, string name)
    {
        string? raw = get(name);
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }

        if (int.TryParse(raw.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v >= 0)
        {
            return v;
        }

        SdkEventSource.Log.InvalidConfiguration(name, raw, "the default");
        return null;
    }

    public static bool ReadBool(Func<string, string?> get, string name)
    {
        string? raw = get(name);
        if (string.IsNullOrWhiteSpace(raw))
        {
            return false;
        }

        if (raw.Trim().Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (!raw.Trim().Equals("false", StringComparison.OrdinalIgnoreCase))
        {
            SdkEventSource.Log.InvalidConfiguration(name, raw, "false");
        }

        return false;
    }

    /// <summary>The sampler named by <c>OTEL_TRACES_SAMPLER</c> and <c>OTEL_TRACES_SAMPLER_ARG</c>, or null when unset.</summary>
    public static Sampler? ReadSampler(Func<string, string?> get, string? serviceName = null)
    {
        string? name = get("OTEL_TRACES_SAMPLER")?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            return null;
        }

        string? arg = get("OTEL_TRACES_SAMPLER_ARG")?.Trim();
        double Ratio()
        {
            if (string.IsNullOrEmpty(arg))
            {
                return 1.0;
            }

            if (double.TryParse(arg, NumberStyles.Float, CultureInfo.InvariantCulture, out double r) && r >= 0 && r <= 1)
            {
                return r;
            }

            SdkEventSource.Log.InvalidConfiguration("OTEL_TRACES_SAMPLER_ARG", arg, "1.0");
            return 1.0;
        }

        double Rate()
        {
            if (!string.IsNullOrEmpty(arg) && double.TryParse(arg, NumberStyles.Float, CultureInfo.InvariantCulture, out double r) && r >= 0)
            {
                return r;
            }

            if (!string.IsNullOrEmpty(arg))
            {
                SdkEventSource.Log.InvalidConfiguration("OTEL_TRACES_SAMPLER_ARG", arg, "1 span per second");
            }

            return 1.0;
        }

        Sampler? Rules()
        {
            if (RuleBasedSampler.TryParse(arg ?? string.Empty, out var sampler, out string? error))
            {
                return sampler;
            }

            SdkEventSource.Log.InvalidConfiguration("OTEL_TRACES_SAMPLER_ARG", (arg ?? string.Empty) + " (" + error + ")", "parentbased_always_on");
            return null;
        }

        switch (name.ToLowerInvariant())
        {
            case "always_on": return Sampler.AlwaysOn;
            case "always_off": return Sampler.AlwaysOff;
            case "traceidratio": return Sampler.TraceIdRatio(Ratio());
            case "parentbased_always_on": return Sampler.ParentBased(Sampler.AlwaysOn);
            case "parentbased_always_off": return Sampler.ParentBased(Sampler.AlwaysOff);
            case "parentbased_traceidratio": return Sampler.ParentBased(Sampler.TraceIdRatio(Ratio()));
            case "ratelimiting": return Sampler.RateLimiting(Rate());
            case "parentbased_ratelimiting": return Sampler.ParentBased(Sampler.RateLimiting(Rate()));
            case "parentbased_consistent_traceidratio": return Sampler.ConsistentParentBased(Ratio());
            case "rules": return Rules() ?? Sampler.ParentBased(Sampler.AlwaysOn);
            case "parentbased_rules": return Rules() is { } rules ? Sampler.ParentBased(rules) : Sampler.ParentBased(Sampler.AlwaysOn);
            case "jaeger_remote": return new JaegerRemoteSampler(JaegerOptions(arg, serviceName));
            case "parentbased_jaeger_remote": return Sampler.ParentBased(new JaegerRemoteSampler(JaegerOptions(arg, serviceName)));
            default:
                SdkEventSource.Log.InvalidConfiguration("OTEL_TRACES_SAMPLER", name, "parentbased_always_on");
                return Sampler.ParentBased(Sampler.AlwaysOn);
        }
    }

    /// <summary>
    /// The Jaeger remote sampler's <c>OTEL_TRACES_SAMPLER_ARG</c>: <c>endpoint=…,pollingIntervalMs=…,initialSamplingRate=…</c>,
    /// each optional; an invalid item is reported and its default used.
    /// </summary>
    public static JaegerRemoteSamplerOptions JaegerOptions(string? arg, string? serviceName)
    {
        var options = new JaegerRemoteSamplerOptions { ServiceName = serviceName };
        if (string.IsNullOrWhiteSpace(arg))
        {
            return options;
        }

        foreach (string part in arg.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = part.IndexOf('=', StringComparison.Ordinal);
            string key = eq < 0 ? part : part[..eq].Trim();
            string value = eq < 0 ? string.Empty : part[(eq + 1)..].Trim();
            switch (key)
            {
                case "endpoint" when Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps):
                    options.Endpoint = uri;
                    break;
                case "pollingIntervalMs" when long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long ms) && ms > 0 && ms <= int.MaxValue:
                    options.PollingInterval = TimeSpan.FromMilliseconds(ms);
                    break;
                case "initialSamplingRate" when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double r) && r is >= 0 and <= 1:
                    options.InitialSamplingRate = r;
                    break;
                default:
                    SdkEventSource.Log.InvalidConfiguration("OTEL_TRACES_SAMPLER_ARG", part, "the default for " + key);
                    break;
            }
        }

        return options;
    }

    /// <summary>
    /// Parses <c>OTEL_RESOURCE_ATTRIBUTES</c>: <c>key1=value1,key2=value2</c> with percent-encoded values. A malformed
    /// list is discarded whole, as the specification asks.
    /// </summary>
    public static List<KeyValue> ReadResourceAttributes(Func<string, string?> get)
    {
        var result = new List<KeyValue>();
        string? raw = get("OTEL_RESOURCE_ATTRIBUTES");
        if (string.IsNullOrWhiteSpace(raw))
        {
            return result;
        }

        foreach (string part in raw.Split(','))
        {
            string item = part.Trim();
            if (item.Length == 0)
            {
                continue;
            }

            int eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                SdkEventSource.Log.InvalidConfiguration("OTEL_RESOURCE_ATTRIBUTES", raw, "no resource attributes");
                return [];
            }

            string key = item[..eq].Trim();
            string value;
            try
            {
                value = Uri.UnescapeDataString(item[(eq + 1)..].Trim());
            }
            catch (UriFormatException)
            {
                SdkEventSource.Log.InvalidConfiguration("OTEL_RESOURCE_ATTRIBUTES", raw, "no resource attributes");
                return [];
            }

            result.Add(new KeyValue(key, value));
        }

        return result;
    }
}

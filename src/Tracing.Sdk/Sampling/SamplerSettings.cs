using System;
using System.Globalization;
using Tracing.Sdk.Diagnostics;

namespace Tracing.Sdk.Sampling;

/// <summary>
/// Reads the sampler that <c>OTEL_TRACES_SAMPLER</c> and <c>OTEL_TRACES_SAMPLER_ARG</c> name. It lives with the samplers
/// it builds, so the configuration layer and <see cref="Sampler.FromSettings"/> call down into it.
/// </summary>
internal static class SamplerSettings
{
    /// <summary>The sampler named by <c>OTEL_TRACES_SAMPLER</c> and <c>OTEL_TRACES_SAMPLER_ARG</c>, or null when unset.</summary>
    public static Sampler? Read(Func<string, string?> get, string? serviceName = null)
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
}

using System;
using System.Collections.Generic;
using Tracing.Sdk.Diagnostics;

namespace Tracing.Sdk.Propagation;

/// <summary>Ready-made propagators, and the <c>OTEL_PROPAGATORS</c> setting.</summary>
public static class Propagators
{
    /// <summary>The setting that names the propagators.</summary>
    public const string EnvironmentVariable = "OTEL_PROPAGATORS";

    /// <summary>The OpenTelemetry default: W3C Trace Context, then W3C Baggage.</summary>
    public static TextMapPropagator Default { get; } = new CompositePropagator(TraceContextPropagator.Instance, BaggagePropagator.Instance);

    /// <summary>A propagator that reads and writes nothing (<c>OTEL_PROPAGATORS=none</c>).</summary>
    public static TextMapPropagator None { get; } = new CompositePropagator();

    /// <summary>
    /// The propagators named by <c>OTEL_PROPAGATORS</c>, a comma-separated list of <c>tracecontext</c>, <c>baggage</c>,
    /// <c>b3</c> (single header), <c>b3multi</c>, <c>jaeger</c> and <c>none</c>, in that order. Unset or empty means
    /// <see cref="Default"/>; unknown names are skipped with a warning on the self-log; repeated names count once;
    /// <c>none</c> anywhere means no propagation.
    /// </summary>
    /// <param name="getSetting">Reads a setting by name (for example <see cref="Environment.GetEnvironmentVariable(string)"/>).</param>
    public static TextMapPropagator FromEnvironment(Func<string, string?> getSetting)
    {
        ArgumentNullException.ThrowIfNull(getSetting);
        string? value = getSetting(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(value))
        {
            return Default;
        }

        var names = new List<string>();
        foreach (var part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            string name = part.ToLowerInvariant();
            if (name == "none")
            {
                return None;
            }

            if (ForName(name) is null)
            {
                SdkEventSource.Log.UnknownPropagator(part);
            }
            else if (!names.Contains(name))
            {
                names.Add(name);
            }
        }

        if (names.Count == 1)
        {
            return ForName(names[0])!;
        }

        var propagators = new TextMapPropagator[names.Count];
        for (int i = 0; i < names.Count; i++)
        {
            propagators[i] = ForName(names[i])!;
        }

        return new CompositePropagator(propagators);
    }

    /// <summary>
    /// Writes the ambient context — <see cref="Tracer.CurrentSpan"/> and <see cref="Baggage.Current"/> — into
    /// <paramref name="carrier"/> with <see cref="Default"/>.
    /// </summary>
    /// <typeparam name="TCarrier">The carrier type.</typeparam>
    /// <param name="carrier">The carrier.</param>
    /// <param name="setter">Sets one header on the carrier.</param>
    public static void Inject<TCarrier>(TCarrier carrier, Action<TCarrier, string, string> setter) =>
        Default.InjectCurrent(carrier, setter);

    private static TextMapPropagator? ForName(string name) => name switch
    {
        "tracecontext" => TraceContextPropagator.Instance,
        "baggage" => BaggagePropagator.Instance,
        "b3" => B3Propagator.Single,
        "b3multi" => B3Propagator.Multi,
        "jaeger" => JaegerPropagator.Instance,
        _ => null,
    };
}

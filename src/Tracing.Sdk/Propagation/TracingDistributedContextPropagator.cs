using System;
using System.Collections.Generic;
using System.Diagnostics;

namespace Tracing.Sdk.Propagation;

/// <summary>
/// Offers a <see cref="TextMapPropagator"/> to the runtime as its <see cref="DistributedContextPropagator"/>, so that
/// ASP.NET Core hosting (which extracts the incoming parent with it) and HttpClient's diagnostics handler (which injects
/// with it) speak the configured formats — B3 or Jaeger as natively as W3C — and an outgoing request carries exactly one
/// set of headers. Install it with <c>DistributedContextPropagator.Current = new TracingDistributedContextPropagator(p)</c>
/// or by registering it in the host's services.
/// <para>
/// The runtime's contract carries the parent as a W3C <c>traceparent</c> string and a trace-state string, so extraction
/// converts whatever format was found into those (the trace state keeps this SDK's internal debug marker, which is how a
/// B3 or Jaeger debug decision survives on the Activity). The runtime's getter cannot list header names, so Jaeger's
/// <c>uberctx-*</c> baggage is not seen on this path; the SDK's own instrumentation reads it.
/// </para>
/// </summary>
public sealed class TracingDistributedContextPropagator : DistributedContextPropagator
{
    private static readonly Func<RuntimeCarrier, string, string?> s_get = static (c, name) => c.Get(name);
    private static readonly Action<RuntimeSetter, string, string> s_set = static (c, name, value) => c.Setter(c.Carrier, name, value);

    private readonly TextMapPropagator _propagator;

    /// <summary>Creates the bridge over <paramref name="propagator"/>.</summary>
    /// <param name="propagator">The formats to speak, for example <see cref="Propagators.FromEnvironment"/>.</param>
    public TracingDistributedContextPropagator(TextMapPropagator propagator)
    {
        ArgumentNullException.ThrowIfNull(propagator);
        _propagator = propagator;
    }

    /// <summary>The propagator this bridge runs.</summary>
    public TextMapPropagator Propagator => _propagator;

    /// <inheritdoc/>
    public override IReadOnlyCollection<string> Fields => _propagator.Fields;

    /// <summary>
    /// Writes the context of <paramref name="activity"/> — or, when it is the current Activity (or null), the innermost
    /// current span, which is one of ours when our span was started inside the Activity — and the ambient baggage
    /// together with the Activity's baggage. Each format is written once.
    /// </summary>
    /// <param name="activity">The Activity the runtime is sending for.</param>
    /// <param name="carrier">The carrier (for HttpClient, the <c>HttpRequestMessage</c>).</param>
    /// <param name="setter">Sets one header.</param>
    public override void Inject(Activity? activity, object? carrier, PropagatorSetterCallback? setter)
    {
        if (setter is null)
        {
            return;
        }

        SpanContext context;
        if (activity is null || ReferenceEquals(activity, Activity.Current))
        {
            context = Tracer.CurrentSpan.Context;
            if (!context.IsValid && activity is not null)
            {
                context = ActivityInterop.ContextOf(activity);
            }
        }
        else
        {
            context = ActivityInterop.ContextOf(activity);
        }

        var baggage = Baggage.Current;
        if (activity is not null)
        {
            foreach (var item in activity.Baggage)
            {
                if (item.Value is not null && item.Key.Length > 0 && baggage.GetValue(item.Key) is null)
                {
                    baggage = baggage.SetItem(item.Key, item.Value);
                }
            }
        }

        _propagator.Inject(new PropagationContext(context, baggage.Count > 0 ? baggage : null), new RuntimeSetter(carrier, setter), s_set);
    }

    /// <summary>
    /// Extracts the incoming parent in any configured format and returns it as a W3C <c>traceparent</c> and trace
    /// state, or nulls when there is none.
    /// </summary>
    /// <param name="carrier">The carrier (for ASP.NET Core, the request headers).</param>
    /// <param name="getter">Reads one header.</param>
    /// <param name="traceId">The parent as a version-00 <c>traceparent</c>, or null.</param>
    /// <param name="traceState">The trace state, or null.</param>
    public override void ExtractTraceIdAndState(object? carrier, PropagatorGetterCallback? getter, out string? traceId, out string? traceState)
    {
        traceId = null;
        traceState = null;
        if (getter is null)
        {
            return;
        }

        var context = _propagator.Extract(default, new RuntimeCarrier(carrier, getter), s_get).SpanContext;
        if (context.IsValid)
        {
            traceId = TraceContextPropagator.FormatTraceParent(context);
            traceState = context.TraceState?.ToString();
        }
    }

    /// <summary>Extracts the incoming baggage (names and values; W3C properties have no place on an Activity).</summary>
    /// <param name="carrier">The carrier.</param>
    /// <param name="getter">Reads one header.</param>
    public override IEnumerable<KeyValuePair<string, string?>>? ExtractBaggage(object? carrier, PropagatorGetterCallback? getter)
    {
        if (getter is null || _propagator.Extract(default, new RuntimeCarrier(carrier, getter), s_get).Baggage is not { Count: > 0 } baggage)
        {
            return null;
        }

        var items = new KeyValuePair<string, string?>[baggage.Count];
        for (int i = 0; i < items.Length; i++)
        {
            items[i] = new(baggage.Members[i].Name, baggage.Members[i].Value);
        }

        return items;
    }

    /// <summary>The runtime's carrier and getter as one value, so the generic propagators need no closure.</summary>
    private readonly struct RuntimeCarrier(object? carrier, PropagatorGetterCallback getter)
    {
        public string? Get(string name)
        {
            getter(carrier, name, out string? value, out IEnumerable<string>? values);
            if (value is not null || values is null)
            {
                return value;
            }

            // Repeated headers are one comma-joined value, as the TextMapPropagator contract says.
            return string.Join(',', values);
        }
    }

    private readonly struct RuntimeSetter(object? carrier, PropagatorSetterCallback setter)
    {
        public object? Carrier => carrier;

        public PropagatorSetterCallback Setter => setter;
    }
}

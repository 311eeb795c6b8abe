using System;
using System.Collections.Generic;

namespace Tracing.Sdk.Propagation;

/// <summary>
/// Reads and writes trace context and baggage as text headers of any carrier (HTTP headers, message properties, a
/// dictionary). The getter and setter are static delegates with the carrier passed in, so a call needs no closure and
/// no boxing. Extract never throws: malformed input yields "no context" (or keeps what the earlier propagators found).
/// </summary>
public abstract class TextMapPropagator
{
    /// <summary>The header names this propagator writes (lower case).</summary>
    public abstract IReadOnlyCollection<string> Fields { get; }

    /// <summary>Writes <paramref name="context"/> into <paramref name="carrier"/>.</summary>
    /// <typeparam name="TCarrier">The carrier type.</typeparam>
    /// <param name="context">The context to write.</param>
    /// <param name="carrier">The carrier.</param>
    /// <param name="setter">Sets one header on the carrier.</param>
    public abstract void Inject<TCarrier>(in PropagationContext context, TCarrier carrier, Action<TCarrier, string, string> setter);

    /// <summary>
    /// Reads a context from <paramref name="carrier"/>. Returns <paramref name="context"/> unchanged where this
    /// propagator finds nothing valid, so composites can chain.
    /// </summary>
    /// <typeparam name="TCarrier">The carrier type.</typeparam>
    /// <param name="context">What earlier propagators found (default for none).</param>
    /// <param name="carrier">The carrier.</param>
    /// <param name="getter">
    /// Returns a header's value, or null when absent. When a header appears several times the getter joins the values
    /// with commas (RFC 9110), which makes a repeated <c>traceparent</c> invalid, as W3C requires.
    /// </param>
    public abstract PropagationContext Extract<TCarrier>(in PropagationContext context, TCarrier carrier, Func<TCarrier, string, string?> getter);

    /// <summary>
    /// Reads a context as <see cref="Extract{TCarrier}(in PropagationContext, TCarrier, Func{TCarrier, string, string?})"/>
    /// does, and also fields whose names are not fixed (Jaeger's <c>uberctx-{key}</c> baggage), which can be found only by
    /// listing the carrier's field names. Propagators with fixed field names need not override it.
    /// </summary>
    /// <typeparam name="TCarrier">The carrier type.</typeparam>
    /// <param name="context">What earlier propagators found (default for none).</param>
    /// <param name="carrier">The carrier.</param>
    /// <param name="getter">Returns a header's value (repeated headers joined with commas), or null when absent.</param>
    /// <param name="keys">Lists the carrier's field names.</param>
    public virtual PropagationContext Extract<TCarrier>(in PropagationContext context, TCarrier carrier, Func<TCarrier, string, string?> getter, Func<TCarrier, IEnumerable<string>> keys) =>
        Extract(context, carrier, getter);

    /// <summary>
    /// Writes the ambient context — <see cref="Tracer.CurrentSpan"/> (ours or a bridged Activity) and
    /// <see cref="Baggage.Current"/> — into <paramref name="carrier"/>.
    /// </summary>
    /// <typeparam name="TCarrier">The carrier type.</typeparam>
    /// <param name="carrier">The carrier.</param>
    /// <param name="setter">Sets one header on the carrier.</param>
    public void InjectCurrent<TCarrier>(TCarrier carrier, Action<TCarrier, string, string> setter)
    {
        var baggage = Baggage.Current;
        Inject(new PropagationContext(Tracer.CurrentSpan.Context, baggage.Count > 0 ? baggage : null), carrier, setter);
    }
}

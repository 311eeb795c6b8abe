namespace Tracing.Sdk.Propagation;

/// <summary>What a propagator carries across a process boundary: a span context and baggage.</summary>
/// <param name="SpanContext">The span context; invalid when none was found.</param>
/// <param name="Baggage">The baggage; null means none.</param>
public readonly record struct PropagationContext(SpanContext SpanContext, Baggage? Baggage = null);

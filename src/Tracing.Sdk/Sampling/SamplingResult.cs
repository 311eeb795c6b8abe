namespace Tracing.Sdk.Sampling;

/// <summary>A sampler's answer: the decision, and optionally a trace state and attributes for the new span.</summary>
public readonly struct SamplingResult
{
    /// <summary>Creates a result.</summary>
    /// <param name="decision">The decision.</param>
    /// <param name="traceState">The new span's trace state; null keeps the parent's.</param>
    /// <param name="attributes">Attributes to add to the span, or null.</param>
    public SamplingResult(SamplingDecision decision, TraceState? traceState = null, KeyValue[]? attributes = null)
    {
        Decision = decision;
        TraceState = traceState;
        Attributes = attributes;
    }

    private SamplingResult(bool deferred)
    {
        Decision = SamplingDecision.RecordOnly;
        IsDeferred = deferred;
    }

    /// <summary>The decision.</summary>
    public SamplingDecision Decision { get; }

    /// <summary>The new span's trace state; null keeps the parent's.</summary>
    public TraceState? TraceState { get; }

    /// <summary>Attributes to add to the span, or null.</summary>
#pragma warning disable CA1819 // Held by reference to stay allocation-free; callers do not change it.
    public KeyValue[]? Attributes { get; }
#pragma warning restore CA1819

    /// <summary>
    /// Whether the decision waits for more information: the span is recorded but not sampled (so nothing is exported)
    /// until the instrumentation that started it calls <see cref="Activities.ActivitySpans.CompleteSampling"/> — the
    /// ASP.NET Core instrumentation does so once routing has chosen the endpoint — and the sampler decides again with
    /// the route known. A span whose late decision is no is never exported.
    /// </summary>
    public bool IsDeferred { get; }

    /// <summary>
    /// Record provisionally and decide again when more is known (see <see cref="IsDeferred"/>). For spans nobody
    /// completes, it stays <see cref="SamplingDecision.RecordOnly"/>.
    /// </summary>
    public static SamplingResult Deferred => new(deferred: true);

    /// <summary>Record and sample.</summary>
    public static SamplingResult Sample => new(SamplingDecision.RecordAndSample);

    /// <summary>Drop.</summary>
    public static SamplingResult DropResult => new(SamplingDecision.Drop);
}

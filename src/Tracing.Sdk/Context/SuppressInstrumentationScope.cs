using System;
using System.Threading;

namespace Tracing.Sdk;

/// <summary>
/// Marks a piece of work as not to be traced: while a scope is open, the instrumentations (HttpClient, gRPC client,
/// ASP.NET Core) and the Activity bridge record nothing and write no trace headers, and the runtime's Activities
/// for that work are not created or not sampled. The mark flows with the execution context, so it holds across
/// <c>await</c> and into tasks started inside the scope. The SDK's exporters send every batch inside one, so an
/// export is never traced; application code uses it for its own calls that should stay out of the traces
/// (health probes of a collector, a metrics push):
/// <code>
/// using (SuppressInstrumentationScope.Begin())
/// {
///     await client.GetAsync(uri); // no span, no traceparent header
/// }
/// </code>
/// </summary>
/// <remarks>
/// Spans started explicitly with a <see cref="Tracer"/> are still recorded: the scope is about instrumentation of
/// libraries, and checking it on every span would put an async-local read on the span's hot path. Scopes nest;
/// disposing one restores what was in effect when it began (a scope that ended in another flow changes nothing here).
/// </remarks>
public readonly struct SuppressInstrumentationScope : IDisposable
{
    // A boxed marker rather than AsyncLocal<bool>, so beginning a scope allocates nothing but the context's own node.
    private static readonly object s_suppressed = new();
    private static readonly AsyncLocal<object?> s_state = new();

    private readonly object? _previous;
    private readonly bool _active;

    private SuppressInstrumentationScope(object? previous)
    {
        _previous = previous;
        _active = true;
    }

    /// <summary>True while a scope is open in the current execution flow.</summary>
    public static bool IsActive => s_state.Value is not null;

    /// <summary>Opens a scope; dispose it (a <c>using</c>) to end it.</summary>
    public static SuppressInstrumentationScope Begin()
    {
        var previous = s_state.Value;
        s_state.Value = s_suppressed;
        return new SuppressInstrumentationScope(previous);
    }

    /// <summary>Ends the scope: the flow is suppressed again only if it was when the scope began.</summary>
    public void Dispose()
    {
        if (_active)
        {
            s_state.Value = _previous;
        }
    }
}

using System.Diagnostics;
using System.Threading;

namespace Tracing.Sdk.Diagnostics;

/// <summary>
/// Lets a diagnostic through at most once per interval (a minute by default), from any thread, without locking or
/// allocating: one timestamp moved forward with a CAS by the thread that wins.
/// </summary>
internal sealed class ReportGate
{
    private readonly long _interval;
    private long _next;

    public ReportGate(double seconds = 60) => _interval = (long)(seconds * Stopwatch.Frequency);

    public bool TryEnter()
    {
        long now = Stopwatch.GetTimestamp();
        long next = Volatile.Read(ref _next);
        return now >= next && Interlocked.CompareExchange(ref _next, now + _interval, next) == next;
    }
}

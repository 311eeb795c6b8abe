using System;
using System.Diagnostics;
using System.Globalization;
using System.Threading;

namespace Tracing.Sdk.Sampling;

/// <summary>
/// At most N sampled spans a second, with bursts of up to one second's worth (at least one span), as Jaeger's
/// rate-limiting sampler does. Implemented as the generic cell-rate algorithm: one timestamp (the theoretical arrival
/// time of the next span) moved forward by one emission interval per sampled span with a single CAS, so deciding is
/// lock-free and allocation-free.
/// </summary>
internal sealed class RateLimitingSampler : Sampler
{
    private readonly long _interval;   // Stopwatch ticks between spans at the sustained rate.
    private readonly long _tolerance;  // How far ahead of now the arrival time may run: the burst, minus one span.
    private readonly string _description;
    private long _theoreticalArrival;

    public RateLimitingSampler(double spansPerSecond)
    {
        if (double.IsNaN(spansPerSecond) || spansPerSecond < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(spansPerSecond), spansPerSecond, "The rate must be zero or more.");
        }

        SpansPerSecond = spansPerSecond;
        _description = "RateLimitingSampler{" + spansPerSecond.ToString("R", CultureInfo.InvariantCulture) + "}";
        if (spansPerSecond == 0)
        {
            _interval = long.MaxValue;
            return;
        }

        _interval = Math.Max(1, (long)(Stopwatch.Frequency / spansPerSecond));
        double burst = Math.Max(1.0, spansPerSecond);
        _tolerance = (long)((burst - 1) * _interval);
        _theoreticalArrival = Stopwatch.GetTimestamp() - _tolerance - _interval;
    }

    public double SpansPerSecond { get; }

    public override SamplingResult ShouldSample(in SamplingParameters parameters)
        => TryAcquire(Stopwatch.GetTimestamp()) ? new(SamplingDecision.RecordAndSample) : default;

    internal bool TryAcquire(long now)
    {
        if (_interval == long.MaxValue)
        {
            return false;
        }

        while (true)
        {
            long tat = Volatile.Read(ref _theoreticalArrival);
            if (now < tat - _tolerance)
            {
                return false; // The bucket is empty.
            }

            long next = Math.Max(tat, now) + _interval;
            if (Interlocked.CompareExchange(ref _theoreticalArrival, next, tat) == tat)
            {
                return true;
            }
        }
    }

    public override string Description => _description;
}

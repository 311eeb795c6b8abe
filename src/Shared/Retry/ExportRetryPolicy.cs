using System;
using System.Diagnostics;
using System.Threading;

namespace Tracing.Sdk.Exporting.Retry;

/// <summary>
/// The one retry loop of every exporter (linked source from src/Shared): an attempt that ends
/// <see cref="SendStatus.Retryable"/> is repeated after a back-off, at most <c>maxRetryAttempts</c> times, and never past
/// the export's deadline. The back-off starts at <c>initialBackoff</c> and doubles up to <c>maxBackoff</c>, with equal
/// jitter (half the step fixed, half random, so exporters that failed together spread out yet never retry at once);
/// a server's hint (<see cref="SendResult.RetryAfter"/>) replaces it. Waiting ends early when the token is cancelled.
/// </summary>
internal readonly struct ExportRetryPolicy
{
    private readonly bool _enabled;
    private readonly int _maxRetryAttempts;
    private readonly TimeSpan _initialBackoff;
    private readonly TimeSpan _maxBackoff;

    /// <summary>One attempt, never repeated (within the deadline, unless cancelled): for a caller that retries elsewhere, such as a spool's drain.</summary>
    public static ExportRetryPolicy Once => default;

    public ExportRetryPolicy(bool enabled, int maxRetryAttempts, TimeSpan initialBackoff, TimeSpan maxBackoff)
    {
        _enabled = enabled;
        _maxRetryAttempts = Math.Max(0, maxRetryAttempts);
        _initialBackoff = initialBackoff < TimeSpan.Zero ? TimeSpan.Zero : initialBackoff;
        _maxBackoff = maxBackoff < _initialBackoff ? _initialBackoff : maxBackoff;
    }

    /// <summary>
    /// Calls <paramref name="send"/> until it succeeds, fails for good, or retrying is no longer allowed; returns the last
    /// attempt's result (its reason extended when the deadline or cancellation stopped the retries).
    /// </summary>
    /// <param name="state">Passed to the callbacks, so they can be static lambdas (no allocation per export).</param>
    /// <param name="send">One attempt, given the time left before the deadline.</param>
    /// <param name="onRetry">Called before each wait: the attempt that failed (1-based), its reason and the delay.</param>
    /// <param name="deadline">A <see cref="Stopwatch.GetTimestamp"/> value past which no attempt starts.</param>
    /// <param name="cancellationToken">Cancels the waits between attempts (and is passed to each attempt).</param>
    public SendResult Send<TState>(
        TState state,
        Func<TState, TimeSpan, CancellationToken, SendResult> send,
        Action<TState, int, string, TimeSpan> onRetry,
        long deadline,
        CancellationToken cancellationToken)
    {
        var backoff = _initialBackoff;
        for (int attempt = 1; ; attempt++)
        {
            var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
            if (remaining <= TimeSpan.Zero)
            {
                return new SendResult(SendStatus.Retryable, "export timeout reached");
            }

            // A cancelled export starts no attempt (the transport would only turn the token into the same answer).
            if (cancellationToken.IsCancellationRequested)
            {
                return new SendResult(SendStatus.Retryable, "cancelled");
            }

            var result = send(state, remaining, cancellationToken);
            if (result.Status != SendStatus.Retryable || !_enabled || attempt > _maxRetryAttempts || cancellationToken.IsCancellationRequested)
            {
                return result;
            }

            var delay = result.RetryAfter ?? Jitter(backoff);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _maxBackoff.Ticks));
            if (Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline) <= delay)
            {
                return result with { Reason = result.Reason + " (next retry would pass the export timeout)" };
            }

            onRetry(state, attempt, result.Reason, delay);
            if (cancellationToken.WaitHandle.WaitOne(delay))
            {
                return result with { Reason = result.Reason + " (cancelled)" };
            }
        }
    }

    /// <summary>Equal jitter: a delay drawn uniformly from [step / 2, step).</summary>
    internal static TimeSpan Jitter(TimeSpan step) => TimeSpan.FromTicks((long)(step.Ticks * (0.5 + (Random.Shared.NextDouble() * 0.5))));
}

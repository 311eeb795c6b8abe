using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Tracing.Sdk.Exporting;
using Tracing.Sdk.Exporting.Retry;

namespace Tracing.Sdk.Exporter.Zipkin.Tests;

/// <summary>The exporters' shared retry loop and Retry-After reader (src/Shared/Retry), as compiled into the Zipkin exporter.</summary>
public sealed class RetryPolicyTests
{
    private static long Deadline(TimeSpan fromNow) => Stopwatch.GetTimestamp() + (long)(fromNow.TotalSeconds * Stopwatch.Frequency);

    private sealed class Script
    {
        public Queue<SendResult> Results { get; } = new();

        public List<TimeSpan> Delays { get; } = [];

        public int Attempts { get; set; }
    }

    private static SendResult Run(ExportRetryPolicy policy, Script script, TimeSpan timeout, CancellationToken token = default) => policy.Send(
        script,
        static (s, remaining, _) =>
        {
            s.Attempts++;
            return s.Results.Count > 0 ? s.Results.Dequeue() : new SendResult(SendStatus.Retryable, "HTTP 503", TimeSpan.Zero);
        },
        static (s, attempt, reason, delay) => s.Delays.Add(delay),
        Deadline(timeout),
        token);

    [Fact]
    public void Send_RetriesARetryableResult_UpToMaxRetryAttempts_ThenReturnsTheLastOne()
    {
        var script = new Script();
        var result = Run(new ExportRetryPolicy(true, 3, TimeSpan.Zero, TimeSpan.Zero), script, TimeSpan.FromSeconds(60));
        Assert.Equal(SendStatus.Retryable, result.Status);
        Assert.Equal(4, script.Attempts);
        Assert.Equal(3, script.Delays.Count);
    }

    [Fact]
    public void Send_StopsAtSuccess()
    {
        var script = new Script();
        script.Results.Enqueue(new SendResult(SendStatus.Retryable, "HTTP 503", TimeSpan.Zero));
        script.Results.Enqueue(SendResult.Success());
        var result = Run(new ExportRetryPolicy(true, 5, TimeSpan.Zero, TimeSpan.Zero), script, TimeSpan.FromSeconds(60));
        Assert.Equal(SendStatus.Success, result.Status);
        Assert.Equal(2, script.Attempts);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public void Send_DoesNotRetry_APermanentFailure_OrWhenDisabled(bool enabled, bool permanent)
    {
        var status = permanent ? SendStatus.Permanent : SendStatus.Retryable;
        var script = new Script();
        script.Results.Enqueue(new SendResult(status, "HTTP 400"));
        var result = Run(new ExportRetryPolicy(enabled, 5, TimeSpan.Zero, TimeSpan.Zero), script, TimeSpan.FromSeconds(60));
        Assert.Equal(status, result.Status);
        Assert.Equal(1, script.Attempts);
        Assert.Empty(script.Delays);
    }

    [Fact]
    public void Send_WaitsTheServersHint_InsteadOfItsBackoff()
    {
        var script = new Script();
        script.Results.Enqueue(new SendResult(SendStatus.Retryable, "HTTP 429", TimeSpan.FromMilliseconds(1)));
        script.Results.Enqueue(SendResult.Success());
        Run(new ExportRetryPolicy(true, 5, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)), script, TimeSpan.FromSeconds(60));
        Assert.Equal([TimeSpan.FromMilliseconds(1)], script.Delays);
    }

    [Fact]
    public void Send_GivesUp_WhenTheNextWaitWouldPassTheDeadline()
    {
        var script = new Script();
        script.Results.Enqueue(new SendResult(SendStatus.Retryable, "HTTP 503", TimeSpan.FromHours(1)));
        var result = Run(new ExportRetryPolicy(true, 5, TimeSpan.Zero, TimeSpan.Zero), script, TimeSpan.FromSeconds(60));
        Assert.Equal(1, script.Attempts);
        Assert.Equal("HTTP 503 (next retry would pass the export timeout)", result.Reason);
    }

    [Fact]
    public void Send_ReturnsAtOnce_WhenTheDeadlineHasPassed()
    {
        var script = new Script();
        var result = Run(new ExportRetryPolicy(true, 5, TimeSpan.Zero, TimeSpan.Zero), script, TimeSpan.FromSeconds(-1));
        Assert.Equal(0, script.Attempts);
        Assert.Equal("export timeout reached", result.Reason);
    }

    [Fact]
    public void Send_StopsWaiting_WhenCancelled()
    {
        using var cts = new CancellationTokenSource();
        var script = new Script();
        script.Results.Enqueue(new SendResult(SendStatus.Retryable, "HTTP 503", TimeSpan.FromSeconds(30)));
        var policy = new ExportRetryPolicy(true, 5, TimeSpan.Zero, TimeSpan.Zero);
        var result = policy.Send(script, static (s, _, _) => s.Results.Dequeue(), (_, _, _, _) => cts.Cancel(), Deadline(TimeSpan.FromMinutes(5)), cts.Token);
        Assert.Equal("HTTP 503 (cancelled)", result.Reason);
    }

    [Fact]
    public void Backoff_DoublesUpToTheMaximum_WithEqualJitter()
    {
        // No hint: the steps are 2, 4, 5, 5 ms, each waited somewhere in [step / 2, step).
        double[] steps = [2, 4, 5, 5];
        var noHint = new Script();
        for (int i = 0; i < 5; i++)
        {
            noHint.Results.Enqueue(new SendResult(SendStatus.Retryable, "HTTP 503"));
        }

        Run(new ExportRetryPolicy(true, 4, TimeSpan.FromMilliseconds(2), TimeSpan.FromMilliseconds(5)), noHint, TimeSpan.FromSeconds(60));
        Assert.Equal(4, noHint.Delays.Count);
        for (int i = 0; i < steps.Length; i++)
        {
            Assert.InRange(noHint.Delays[i].TotalMilliseconds, steps[i] / 2, steps[i]);
        }
    }

    [Fact]
    public void RetryAfter_ReadsSecondsAndDates_AndIgnoresTheRest()
    {
        var now = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
        using var seconds = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        seconds.Headers.TryAddWithoutValidation("Retry-After", "7");
        Assert.Equal(TimeSpan.FromSeconds(7), RetryAfterHeader.Read(seconds, now));

        using var date = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        date.Headers.TryAddWithoutValidation("Retry-After", "Thu, 01 Jan 2026 12:00:30 GMT");
        Assert.Equal(TimeSpan.FromSeconds(30), RetryAfterHeader.Read(date, now));

        using var past = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        past.Headers.TryAddWithoutValidation("Retry-After", "Wed, 31 Dec 2025 12:00:00 GMT");
        Assert.Equal(TimeSpan.Zero, RetryAfterHeader.Read(past, now));

        foreach (string hostile in new[] { "soon", "-5", "99999999999999999999", "" })
        {
            using var bad = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
            bad.Headers.TryAddWithoutValidation("Retry-After", hostile);
            Assert.Null(RetryAfterHeader.Read(bad, now));
        }

        using var none = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        Assert.Null(RetryAfterHeader.Read(none, now));
    }

    [Fact]
    public async Task ZipkinExporter_WithRetryDisabled_DropsA503AfterOneAttempt()
    {
        await using var receiver = await ZipkinReceiver.StartAsync();
        receiver.Faults.Enqueue(503);
        using var exporter = new ZipkinExporter(new ZipkinExporterOptions { Endpoint = receiver.Endpoint, RetryEnabled = false });
        var spans = new[] { MakeSpan() };

        Assert.Equal(ExportResult.Failure, exporter.Export(new SpanBatch(spans, spans.Length), CancellationToken.None));
        Assert.Equal(1, receiver.Attempts);
        Assert.Equal(0, exporter.Retries);
        Assert.Equal(1, exporter.DroppedSpans);
    }

    private static SpanData MakeSpan()
    {
        var spans = new List<SpanData>();
        using var provider = new TracerProviderBuilder().SetSettingsSource(_ => null).AddInMemoryExporter(spans).Build();
        provider.GetTracer("t").StartSpan("op").End();
        return Assert.Single(spans);
    }
}

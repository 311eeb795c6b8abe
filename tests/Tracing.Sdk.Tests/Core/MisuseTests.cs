using System;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using Xunit;

namespace Tracing.Sdk.Tests.Core;

/// <summary>Hostile input and misuse of the span API: bounded, never thrown into the application.</summary>
public class MisuseTests
{
    [Fact]
    public void TenMegabyteAttribute_IsCutToTheConfiguredLength()
    {
        using var p = new TestPipeline(settings: new() { ["OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT"] = "4096" });
        string huge = new('x', 10 * 1024 * 1024);
        using (var s = p.Tracer.StartSpan("s"))
        {
            s.SetAttribute("payload", huge);
            s.AddEvent("e", [new("payload", huge)]);
        }

        var d = Assert.Single(p.Spans);
        Assert.Equal(4096, d.GetAttribute("payload")!.Value.AsString()!.Length);
        Assert.Equal(4096, d.Events[0].Attributes[0].Value.AsString()!.Length);
    }

    [Fact]
    public void AMillionEventsOnOneSpan_KeepsOnlyTheLimit_AndCountsTheRest()
    {
        using var p = new TestPipeline();
        using (var s = p.Tracer.StartSpan("chatty"))
        {
            for (int i = 0; i < 1_000_000; i++)
            {
                s.AddEvent("tick");
            }
        }

        var d = Assert.Single(p.Spans);
        Assert.Equal(128, d.Events.Length);
        Assert.Equal(1_000_000 - 128, d.DroppedEventCount);
    }

    [Fact]
    public void ExceptionWithAHugeStack_IsRecordedWithinTheLengthLimit()
    {
        using var p = new TestPipeline(b => b.SetSpanLimits(new SpanLimits { AttributeValueLengthLimit = 8192 }));
        Exception? deep = null;
        var thread = new Thread(() =>
        {
            try
            {
                Recurse(2000);
            }
            catch (InvalidOperationException ex)
            {
                deep = ex;
            }
        }, 16 * 1024 * 1024);
        thread.Start();
        thread.Join();
        Assert.NotNull(deep);
        Assert.True(deep!.ToString().Length > 8192);

        using (var s = p.Tracer.StartSpan("s"))
        {
            s.RecordException(deep);
        }

        var stack = p.Spans[0].Events[0].Attributes.ToArray().Single(a => a.Key == "exception.stacktrace");
        Assert.Equal(8192, stack.Value.AsString()!.Length);
    }

    [Fact]
    public void ExceptionWhoseToStringThrows_IsStillRecorded()
    {
        using var p = new TestPipeline();
        using (var s = p.Tracer.StartSpan("s"))
        {
            s.RecordException(new HostileException());
        }

        Assert.Equal("exception", p.Spans[0].Events[0].Name);
    }

    [Fact]
    public void EndCalledConcurrentlyFromManyThreads_EndsTheSpanOnce()
    {
        var counting = new CountingProcessor();
        using var p = new TestPipeline(b => b.AddProcessor(counting));
        for (int round = 0; round < 200; round++)
        {
            var span = p.Tracer.StartSpan("raced");
            using var go = new ManualResetEventSlim();
            var threads = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
            {
                go.Wait();
                span.End();
                span.End();
            })).ToList();
            threads.ForEach(t => t.Start());
            go.Set();
            threads.ForEach(t => t.Join());
        }

        Assert.Equal(200, counting.Ended);
        Assert.Equal(200, p.Spans.Count);
    }

    [Fact]
    public void SpanNeverEnded_IsNotExported_AndItsRecordIsCollected()
    {
        using var p = new TestPipeline();
        var weak = StartAndForget(p.Tracer);
        for (int i = 0; i < 3 && weak.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Assert.False(weak.IsAlive);
        Assert.Empty(p.Spans);
    }

    [Fact]
    public void NullAndEmptyNames_AreTolerated()
    {
        using var p = new TestPipeline();
        using (var s = p.Tracer.StartSpan(null!))
        {
            s.SetAttribute(null!, 1);
            s.AddEvent(null!);
            s.UpdateName(null!);
            s.RecordException(null!);
        }

        Assert.Equal(string.Empty, p.Spans[0].Name);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference StartAndForget(Tracer tracer)
    {
        var span = tracer.StartSpan("never ended");
        span.SetAttribute("k", "v");
        return new WeakReference(span.Data);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Recurse(int depth)
    {
        if (depth == 0)
        {
            throw new InvalidOperationException("deep");
        }

        Recurse(depth - 1);
    }

    private sealed class HostileException : Exception
    {
        public override string ToString() => throw new InvalidOperationException("hostile");
    }
}

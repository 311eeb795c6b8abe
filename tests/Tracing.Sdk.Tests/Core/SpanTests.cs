using System;
using System.Linq;
using Xunit;

namespace Tracing.Sdk.Tests.Core;

public class SpanTests
{
    [Fact]
    public void Attributes_KeepTheirTypes()
    {
        using var p = new TestPipeline();
        using (var span = p.Tracer.StartSpan("typed"))
        {
            span.SetAttribute("s", "text");
            span.SetAttribute("b", true);
            span.SetAttribute("l", 42L);
            span.SetAttribute("i", 7);
            span.SetAttribute("d", 1.5);
            span.SetAttribute("sa", new[] { "x", "y" });
            span.SetAttribute("ba", new[] { true, false });
            span.SetAttribute("la", new[] { 1L, 2L });
            span.SetAttribute("da", new[] { 0.5, 0.25 });
        }

        var data = Assert.Single(p.Spans);
        Assert.Equal("text", data.GetAttribute("s")!.Value.AsString());
        Assert.True(data.GetAttribute("b")!.Value.AsBool());
        Assert.Equal(42, data.GetAttribute("l")!.Value.AsLong());
        Assert.Equal(AttributeType.Long, data.GetAttribute("i")!.Value.Type);
        Assert.Equal(1.5, data.GetAttribute("d")!.Value.AsDouble());
        Assert.Equal(new[] { "x", "y" }, data.GetAttribute("sa")!.Value.AsStringArray());
        Assert.Equal(new[] { true, false }, data.GetAttribute("ba")!.Value.AsBoolArray());
        Assert.Equal(new[] { 1L, 2L }, data.GetAttribute("la")!.Value.AsLongArray());
        Assert.Equal(new[] { 0.5, 0.25 }, data.GetAttribute("da")!.Value.AsDoubleArray());
    }

    [Fact]
    public void SetAttribute_ReplacesARepeatedKey()
    {
        using var p = new TestPipeline();
        using (var span = p.Tracer.StartSpan("s", attributes: [new("k", 1)]))
        {
            span.SetAttribute("k", 2);
        }

        var data = Assert.Single(p.Spans);
        Assert.Equal(1, data.Attributes.Length);
        Assert.Equal(2, data.GetAttribute("k")!.Value.AsLong());
    }

    [Fact]
    public void SetAttribute_ReplacesOnlyTheEqualKey_AmongManyAndAmongKeysThatLookAlike()
    {
        using var p = new TestPipeline();
        using (var span = p.Tracer.StartSpan("s"))
        {
            // Same length, middle and last character: only string equality tells these apart.
            span.SetAttribute("ab", 1);
            span.SetAttribute("cb", 2);
            span.SetAttribute("xyzb", 3);
            span.SetAttribute("qyzb", 4);
            for (int i = 0; i < 40; i++)
            {
                span.SetAttribute("app.attr." + i, i);
            }

            // Equal keys that are different string instances replace.
            span.SetAttribute(new string("cb".AsSpan()), 20);
            span.SetAttribute(string.Concat("app.attr.", "17"), 1700);
            span.SetAttribute("", 5);
            span.SetAttribute(string.Empty, 6);
        }

        var data = Assert.Single(p.Spans);
        Assert.Equal(4 + 40 + 1, data.Attributes.Length);
        Assert.Equal(1, data.GetAttribute("ab")!.Value.AsLong());
        Assert.Equal(20, data.GetAttribute("cb")!.Value.AsLong());
        Assert.Equal(3, data.GetAttribute("xyzb")!.Value.AsLong());
        Assert.Equal(4, data.GetAttribute("qyzb")!.Value.AsLong());
        Assert.Equal(1700, data.GetAttribute("app.attr.17")!.Value.AsLong());
        Assert.Equal(39, data.GetAttribute("app.attr.39")!.Value.AsLong());
        Assert.Equal(6, data.GetAttribute("")!.Value.AsLong());
    }

    [Fact]
    public void Limits_DropAndCountWhatIsOverTheLimit()
    {
        var limits = new SpanLimits
        {
            AttributeCountLimit = 2,
            AttributeValueLengthLimit = 3,
            EventCountLimit = 1,
            LinkCountLimit = 1,
            AttributePerEventCountLimit = 1,
            AttributePerLinkCountLimit = 1,
        };
        using var p = new TestPipeline(b => b.SetSpanLimits(limits));
        var other = new SpanContext(IdGenerator.Random.NewTraceId(), IdGenerator.Random.NewSpanId(), TraceFlags.Sampled);
        using (var span = p.Tracer.StartSpan("limited"))
        {
            span.SetAttribute("a", "abcdef");
            span.SetAttribute("b", new[] { "xyzw", "q" });
            span.SetAttribute("c", 1);
            span.AddEvent("e1", [new("x", 1), new("y", 2)]);
            span.AddEvent("e2");
            span.AddLink(new Link(other, [new("x", 1), new("y", 2)]));
            span.AddLink(new Link(other));
        }

        var d = Assert.Single(p.Spans);
        Assert.Equal("abc", d.GetAttribute("a")!.Value.AsString());
        Assert.Equal(new[] { "xyz", "q" }, d.GetAttribute("b")!.Value.AsStringArray());
        Assert.Equal(1, d.DroppedAttributeCount);
        Assert.Equal(1, d.Events.Length);
        Assert.Equal(1, d.DroppedEventCount);
        Assert.Equal(1, d.Events[0].Attributes.Length);
        Assert.Equal(1, d.Events[0].DroppedAttributeCount);
        Assert.Equal(1, d.Links.Length);
        Assert.Equal(1, d.DroppedLinkCount);
        Assert.Equal(1, d.Links[0].DroppedAttributeCount);
    }

    [Fact]
    public void Limits_AreReadFromTheEnvironmentVariables()
    {
        var limits = SpanLimits.FromEnvironment(name => name switch
        {
            "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT" => "5",
            "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT" => "10",
            "OTEL_SPAN_EVENT_COUNT_LIMIT" => "not-a-number",
            "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT" => "-1",
            "OTEL_ATTRIBUTE_COUNT_LIMIT" => "7",
            _ => null,
        });
        Assert.Equal(5, limits.AttributeCountLimit);
        Assert.Equal(10, limits.AttributeValueLengthLimit);
        Assert.Equal(128, limits.EventCountLimit);
        Assert.Equal(7, limits.AttributePerLinkCountLimit); // invalid specific value falls back to the general one
        Assert.Equal(7, limits.AttributePerEventCountLimit);
    }

    [Fact]
    public void Events_KeepNameTimestampAndAttributes()
    {
        using var p = new TestPipeline();
        var at = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        using (var span = p.Tracer.StartSpan("s"))
        {
            span.AddEvent("cache miss", at, [new("key", "user:1")]);
            for (int i = 0; i < 20; i++)
            {
                span.AddEvent("e" + i, [new("i", i)]); // grows the shared event-attribute buffer
            }
        }

        var d = Assert.Single(p.Spans);
        Assert.Equal("cache miss", d.Events[0].Name);
        Assert.Equal(at, d.Events[0].Timestamp);
        Assert.Equal("user:1", d.Events[0].Attributes[0].Value.AsString());
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(i, d.Events[i + 1].Attributes[0].Value.AsLong());
        }
    }

    [Fact]
    public void FollowsFrom_IsALinkWithTheOpenTracingRefType()
    {
        using var p = new TestPipeline();
        SpanContext request;
        using (var r = p.Tracer.StartSpan("request"))
        {
            request = r.Context;
        }

        using (p.Tracer.StartSpan("job", links: [Link.FollowsFrom(request)]))
        {
        }

        var job = p.Spans.Single(s => s.Name == "job");
        var link = Assert.Single(job.Links.ToArray());
        Assert.True(link.IsFollowsFrom);
        Assert.Equal(request.SpanId, link.Context.SpanId);
        Assert.Equal("follows_from", link.Attributes[0].Value.AsString());
        Assert.False(Link.ChildOf(request).IsFollowsFrom);
    }

    [Fact]
    public void AddLink_IgnoresInvalidContexts()
    {
        using var p = new TestPipeline();
        using (var s = p.Tracer.StartSpan("s"))
        {
            s.AddLink(new Link(default));
        }

        Assert.Empty(p.Spans[0].Links.ToArray());
    }

    [Fact]
    public void Status_OkIsFinalAndUnsetIsIgnored()
    {
        using var p = new TestPipeline();
        using (var s = p.Tracer.StartSpan("ok"))
        {
            s.SetStatus(StatusCode.Ok, "ignored description");
            s.SetStatus(StatusCode.Error, "too late");
        }

        using (var s = p.Tracer.StartSpan("err"))
        {
            s.SetStatus(StatusCode.Error, "boom");
            s.SetStatus(StatusCode.Unset);
        }

        Assert.Equal(new SpanStatus(StatusCode.Ok), p.Spans[0].Status);
        Assert.Equal(SpanStatus.Error("boom"), p.Spans[1].Status);
    }

    [Fact]
    public void RecordException_AddsAnExceptionEventWithTheConventions()
    {
        using var p = new TestPipeline();
        using (var s = p.Tracer.StartSpan("s"))
        {
            try
            {
                throw new InvalidOperationException("bad state");
            }
            catch (InvalidOperationException ex)
            {
                s.RecordException(ex, [new("handled", true)]);
            }
        }

        var e = Assert.Single(p.Spans[0].Events.ToArray());
        Assert.Equal("exception", e.Name);
        Assert.Equal("System.InvalidOperationException", e.Attributes[0].Value.AsString());
        Assert.Equal("bad state", e.Attributes[1].Value.AsString());
        Assert.Contains("RecordException_AddsAnExceptionEventWithTheConventions", e.Attributes[2].Value.AsString());
        Assert.Equal("handled", e.Attributes[3].Key);
    }

    [Fact]
    public void UpdateName_AndExplicitTimestamps_AreKept()
    {
        using var p = new TestPipeline();
        var start = new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
        var span = p.Tracer.StartSpan("first", SpanKind.Client, startTime: start);
        span.UpdateName("second");
        span.End(start.AddMilliseconds(250));

        var d = Assert.Single(p.Spans);
        Assert.Equal("second", d.Name);
        Assert.Equal(SpanKind.Client, d.Kind);
        Assert.Equal(start, d.StartTime);
        Assert.Equal(TimeSpan.FromMilliseconds(250), d.Duration);
        Assert.Equal("test", d.Scope.Name);
        Assert.Equal("1.2.3", d.Scope.Version);
    }

    [Fact]
    public void End_BeforeStart_IsClampedToAZeroDuration()
    {
        using var p = new TestPipeline();
        var start = DateTimeOffset.UtcNow;
        p.Tracer.StartSpan("s", startTime: start).End(start.AddSeconds(-5));
        Assert.Equal(TimeSpan.Zero, p.Spans[0].Duration);
    }

    [Fact]
    public void AfterEnd_TheSpanIsNotRecordingAndIgnoresUpdates()
    {
        using var p = new TestPipeline();
        var span = p.Tracer.StartSpan("s");
        Assert.True(span.IsRecording);
        span.End();
        Assert.False(span.IsRecording);
        span.SetAttribute("late", 1);
        span.AddEvent("late");
        span.SetStatus(StatusCode.Error);
        span.UpdateName("late");
        span.End();
        span.Dispose();

        var d = Assert.Single(p.Spans);
        Assert.Equal("s", d.Name);
        Assert.Empty(d.Attributes.ToArray());
        Assert.Empty(d.Events.ToArray());
        Assert.Equal(StatusCode.Unset, d.Status.Code);
    }

    [Fact]
    public void StaleHandle_WhoseRecordWasReused_ChangesNoOtherSpan()
    {
        using var p = new TestPipeline();
        var first = p.Tracer.StartSpan("first");
        var record = first.Data;
        first.End();

        // The in-memory exporter copies spans, so the record goes back to this thread's pool. Start spans (kept open,
        // so nothing else returns to the pool) until the pool hands that record out again.
        var open = new System.Collections.Generic.List<Span>();
        Span second = default;
        for (int i = 0; i < 100_000 && second.Data is null; i++)
        {
            var s = p.Tracer.StartSpan("second");
            if (ReferenceEquals(s.Data, record))
            {
                second = s;
            }
            else
            {
                open.Add(s);
            }
        }

        Assert.Same(record, second.Data);

        first.SetAttribute("stale", true);
        first.UpdateName("hijacked");
        first.SetStatus(StatusCode.Error, "stale");
        first.AddEvent("stale");
        first.End();
        Assert.True(second.IsRecording);
        Assert.False(first.IsRecording);
        second.End();

        open.ForEach(s => s.End());
        var d = p.Spans[1];
        Assert.Equal("second", d.Name);
        Assert.Null(d.GetAttribute("stale"));
        Assert.Empty(d.Events.ToArray());
        Assert.Equal(StatusCode.Unset, d.Status.Code);
    }

    [Fact]
    public void Default_IsAnInvalidNonRecordingSpanThatIgnoresEverything()
    {
        var span = Span.Invalid;
        span.SetAttribute("k", 1);
        span.RecordException(new InvalidOperationException());
        span.End();
        Assert.False(span.IsRecording);
        Assert.False(span.Context.IsValid);
    }

    [Fact]
    public void ExplicitParent_ContextOrSpan_IsUsed_AndInvalidParentStartsANewTrace()
    {
        using var p = new TestPipeline();
        var remote = new SpanContext(IdGenerator.Random.NewTraceId(), IdGenerator.Random.NewSpanId(), TraceFlags.Sampled, null, isRemote: true);
        using (var childSpan = p.Tracer.StartSpan("child", SpanKind.Server, remote))
        {
            using (p.Tracer.StartSpan("grandchild", SpanKind.Internal, childSpan))
            {
            }
        }

        using (p.Tracer.StartSpan("root", SpanKind.Internal, default(SpanContext)))
        {
        }

        var grandchild = p.Spans.Single(s => s.Name == "grandchild");
        var child = p.Spans.Single(s => s.Name == "child");
        var root = p.Spans.Single(s => s.Name == "root");
        Assert.Equal(remote.TraceId, child.TraceId);
        Assert.Equal(remote.SpanId, child.ParentSpanId);
        Assert.True(child.HasRemoteParent);
        Assert.Equal(child.SpanId, grandchild.ParentSpanId);
        Assert.False(grandchild.HasRemoteParent);
        Assert.False(root.ParentSpanId.IsValid);
        Assert.NotEqual(remote.TraceId, root.TraceId);
    }

    [Fact]
    public void RootSpans_CarryTheW3CRandomFlag_AndChildrenInheritIt()
    {
        using var p = new TestPipeline();
        using var root = p.Tracer.StartActiveSpan("root");
        using var child = p.Tracer.StartSpan("child");
        Assert.Equal(TraceFlags.Sampled | TraceFlags.Random, root.Span.Context.TraceFlags);
        Assert.Equal(TraceFlags.Sampled | TraceFlags.Random, child.Context.TraceFlags);
    }

    [Fact]
    public void ParentTraceState_IsInherited()
    {
        using var p = new TestPipeline();
        Assert.True(TraceState.TryParse("vendor=abc", out var ts));
        var parent = new SpanContext(IdGenerator.Random.NewTraceId(), IdGenerator.Random.NewSpanId(), TraceFlags.Sampled, ts, isRemote: true);
        using var span = p.Tracer.StartSpan("s", SpanKind.Server, parent);
        Assert.Same(ts, span.Context.TraceState);
    }
}

using System;
using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.Linq;
using Tracing.Sdk.Diagnostics;
using Tracing.Sdk.Sampling;
using Tracing.Sdk.TestSupport;
using EventLog = Tracing.Sdk.TestSupport.EventLog;
using Xunit;

namespace Tracing.Sdk.Tests.Sampling;

/// <summary>"Why are there no spans?": the SDK's EventSource says so, rate-limited.</summary>
[Collection("SdkEventSource")]
public class SamplingDiagnosticsTests
{
    // The watch starts when someone enables the SDK's EventSource, so that source must exist: otherwise this class
    // passed only when an earlier test had happened to create it (it failed when run alone).
    public SamplingDiagnosticsTests() => GC.KeepAlive(SdkEventSource.Log);

    [Fact]
    public void AnActivitySourceNobodyRegistered_IsNamed_OnceAMinute()
    {
        using var listener = new EventLog("Tracing-Sdk", EventLevel.Informational);
        string name = "Acme.Orders." + Guid.NewGuid().ToString("N");
        using var source = new ActivitySource(name);
        using var pipeline = new TestPipeline(b => b.AddSource("Some.Other.Library"));
        for (int i = 0; i < 5; i++)
        {
            Assert.Null(source.StartActivity("work")); // the watch never makes an Activity exist
        }

        var reports = listener.Events.Where(e => e.EventId == 60 && (string?)e.Payload![0] == name).ToList();
        Assert.Single(reports);
        Assert.Contains("AddSource", reports[0].Message);
    }

    [Theory]
    [InlineData("System.Acme.")]
    [InlineData("Microsoft.Acme.")]
    [InlineData("Experimental.System.Net.Acme.")]
    [InlineData("Experimental.Microsoft.Acme.")]
    public void ThePlatformsOwnSources_AreNotReported(string prefix)
    {
        using var listener = new EventLog("Tracing-Sdk", EventLevel.Informational);
        string name = prefix + Guid.NewGuid().ToString("N");
        using var source = new ActivitySource(name);
        using var pipeline = new TestPipeline(b => b.AddSource("Some.Other.Library"));
        Assert.Null(source.StartActivity("work"));

        // A source of the application's own, started after it, is reported: the watch was listening.
        string own = "Acme.Platform." + Guid.NewGuid().ToString("N");
        using var ownSource = new ActivitySource(own);
        Assert.Null(ownSource.StartActivity("work"));
        Assert.Contains(listener.Events, e => e.EventId == 60 && (string?)e.Payload![0] == own);
        Assert.DoesNotContain(listener.Events, e => e.EventId == 60 && (string?)e.Payload![0] == name);
    }

    [Fact]
    public void ARegisteredSource_IsNotReported()
    {
        using var listener = new EventLog("Tracing-Sdk", EventLevel.Informational);
        string name = "Acme.Billing." + Guid.NewGuid().ToString("N");
        using var source = new ActivitySource(name);
        using var pipeline = new TestPipeline(b => b.AddSource("Acme.Billing.*"));
        source.StartActivity("work")?.Stop();
        Assert.DoesNotContain(listener.Events, e => e.EventId == 60 && (string?)e.Payload![0] == name);
    }

    [Fact]
    public void ASpanDroppedBecauseItsParentWasNotSampled_IsReported_OnceAMinutePerTracer()
    {
        using var listener = new EventLog("Tracing-Sdk", EventLevel.Informational);
        using var pipeline = new TestPipeline(b => b.SetSampler(Sampler.ParentBased(Sampler.AlwaysOn)));
        var tracer = pipeline.Provider.GetTracer("why-no-spans-" + Guid.NewGuid().ToString("N"));
        var parent = new SpanContext(IdGenerator.Random.NewTraceId(), new SpanId(9), TraceFlags.None, null, isRemote: true);
        for (int i = 0; i < 10; i++)
        {
            Assert.False(tracer.StartSpan("custom work", SpanKind.Internal, parent).IsRecording);
        }

        var reports = listener.Events.Where(e => e.EventId == 61 && (string?)e.Payload![1] == tracer.Scope.Name).ToList();
        Assert.Single(reports);
        Assert.Equal("custom work", reports[0].Payload![0]);
    }
}

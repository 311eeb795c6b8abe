using System;
using System.Collections.Generic;
using System.Threading;
using Tracing.Sdk.Exporting;
using Tracing.Sdk.Processing;
using Xunit;

namespace Tracing.Sdk.Tests.Core;

public class ProviderTests
{
    private static Resource ResourceWith(Dictionary<string, string> settings, Action<TracerProviderBuilder>? configure = null)
    {
        using var p = new TestPipeline(configure, settings);
        return p.Provider.Resource;
    }

    [Fact]
    public void Resource_DefaultsToUnknownServiceAndSdkAttributes()
    {
        var r = ResourceWith([]);
        Assert.StartsWith("unknown_service:", r.ServiceName);
        Assert.Equal("tracing-sdk", r.Get("telemetry.sdk.name")!.Value.AsString());
        Assert.Equal("dotnet", r.Get("telemetry.sdk.language")!.Value.AsString());
        Assert.False(string.IsNullOrEmpty(r.Get("telemetry.sdk.version")!.Value.AsString()));
    }

    [Fact]
    public void ServiceName_Precedence_IsCodeThenOtelServiceNameThenResourceAttributes()
    {
        var attrs = new Dictionary<string, string> { ["OTEL_RESOURCE_ATTRIBUTES"] = "service.name=from-attrs,deployment.environment=prod,team=a%20b" };
        Assert.Equal("from-attrs", ResourceWith(attrs).ServiceName);
        Assert.Equal("a b", ResourceWith(attrs).Get("team")!.Value.AsString());

        attrs["OTEL_SERVICE_NAME"] = "from-env";
        Assert.Equal("from-env", ResourceWith(attrs).ServiceName);
        Assert.Equal("prod", ResourceWith(attrs).Get("deployment.environment")!.Value.AsString());

        Assert.Equal("from-code", ResourceWith(attrs, b => b.SetServiceName("from-code")).ServiceName);
    }

    [Fact]
    public void ResourceAttributes_MalformedListIsDiscardedWhole()
    {
        var r = ResourceWith(new() { ["OTEL_RESOURCE_ATTRIBUTES"] = "a=1,broken,b=2" });
        Assert.Null(r.Get("a"));
        Assert.Null(r.Get("b"));
    }

    [Fact]
    public void GetTracer_ReturnsOneTracerPerNameAndVersion()
    {
        using var p = new TestPipeline();
        Assert.Same(p.Provider.GetTracer("a", "1"), p.Provider.GetTracer("a", "1"));
        Assert.NotSame(p.Provider.GetTracer("a", "1"), p.Provider.GetTracer("a", "2"));
        Assert.Equal(new InstrumentationScope("a", "2"), p.Provider.GetTracer("a", "2").Scope);
    }

    [Fact]
    public void SdkDisabled_RecordsNothingButStillPropagates()
    {
        using var p = new TestPipeline(settings: new() { ["OTEL_SDK_DISABLED"] = "true" });
        Assert.True(p.Provider.IsDisabled);
        using var scope = p.Tracer.StartActiveSpan("s");
        Assert.False(scope.Span.IsRecording);
        Assert.True(scope.Span.Context.IsValid);
        Assert.Empty(p.Spans);
    }

    [Fact]
    public void Shutdown_IsIdempotent_AndLaterSpansAreNotRecorded()
    {
        var p = new TestPipeline();
        Assert.True(p.Provider.Shutdown(TimeSpan.FromSeconds(5)));
        Assert.False(p.Provider.Shutdown(TimeSpan.FromSeconds(5)));
        var span = p.Tracer.StartSpan("after");
        Assert.False(span.IsRecording);
        Assert.True(span.Context.IsValid);
        span.End();
        Assert.Empty(p.Spans);
        p.Dispose();
    }

    [Fact]
    public void ForceFlushAndShutdown_ReachEveryProcessor_AndInstrumentationsAreDisposed()
    {
        var a = new FlushRecorder();
        var b = new FlushRecorder();
        var instrumentation = new Disposable();
        var provider = new TracerProviderBuilder().SetSettingsSource(static _ => null).AddProcessor(a).AddProcessor(b).AddInstrumentation(_ => instrumentation).Build();
        Assert.True(provider.ForceFlush(TimeSpan.FromSeconds(1)));
        Assert.Equal(1, a.Flushes);
        Assert.Equal(1, b.Flushes);
        provider.Dispose();
        Assert.True(a.ShutDown && b.ShutDown && instrumentation.Disposed);
    }

    [Fact]
    public void ProcessorThatThrows_NeverReachesTheApplication_AndOthersStillRun()
    {
        var spans = new List<SpanData>();
        using var provider = new TracerProviderBuilder().SetSettingsSource(static _ => null).AddProcessor(new ThrowingProcessor()).AddInMemoryExporter(spans).Build();
        var tracer = provider.GetTracer("t");
        using (tracer.StartSpan("s"))
        {
        }

        Assert.Single(spans);
    }

    [Fact]
    public void EveryProcessorSeesTheSpan_AndTheRecordIsReusedOnlyAfterAll()
    {
        var first = new List<SpanData>();
        var second = new List<SpanData>();
        using var provider = new TracerProviderBuilder().SetSettingsSource(static _ => null).AddInMemoryExporter(first).AddInMemoryExporter(second).Build();
        var tracer = provider.GetTracer("t");
        for (int i = 0; i < 3; i++)
        {
            using var s = tracer.StartSpan("s" + i);
        }

        Assert.Equal(new[] { "s0", "s1", "s2" }, first.ConvertAll(s => s.Name));
        Assert.Equal(new[] { "s0", "s1", "s2" }, second.ConvertAll(s => s.Name));
    }

    [Fact]
    public void Timeouts_ReachProcessorsAsTimeSpans_InfiniteStaysInfinite_AndANegativeOneCountsAsElapsed()
    {
        var recorder = new FlushRecorder();
        var provider = new TracerProviderBuilder().SetSettingsSource(static _ => null).AddProcessor(recorder).Build();

        Assert.True(provider.ForceFlush(Timeout.InfiniteTimeSpan));
        Assert.Equal(Timeout.InfiniteTimeSpan, recorder.LastFlushTimeout);
        Assert.True(provider.ForceFlush(TimeSpan.FromSeconds(-5)));
        Assert.Equal(TimeSpan.Zero, recorder.LastFlushTimeout);
        Assert.True(provider.ForceFlush(TimeSpan.FromSeconds(30)));
        Assert.InRange(recorder.LastFlushTimeout, TimeSpan.Zero, TimeSpan.FromSeconds(30));

        Assert.True(provider.Shutdown(TimeSpan.FromMilliseconds(-1234)));
        Assert.Equal(TimeSpan.Zero, recorder.ShutdownTimeout);
    }

    [Fact]
    public void ShutdownTimeout_IsFiveSecondsByDefault_AndSetShutdownTimeoutRejectsNonPositiveBounds()
    {
        using (var provider = new TracerProviderBuilder().SetSettingsSource(static _ => null).Build())
        {
            Assert.Equal(TimeSpan.FromSeconds(5), provider.ShutdownTimeout);
            Assert.Equal(TracerProvider.DefaultShutdownTimeout, provider.ShutdownTimeout);
        }

        using (var provider = new TracerProviderBuilder().SetSettingsSource(static _ => null).SetShutdownTimeout(TimeSpan.FromMilliseconds(1500)).Build())
        {
            Assert.Equal(TimeSpan.FromMilliseconds(1500), provider.ShutdownTimeout);
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => new TracerProviderBuilder().SetShutdownTimeout(TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TracerProviderBuilder().SetShutdownTimeout(Timeout.InfiniteTimeSpan));
    }

    private sealed class FlushRecorder : SpanProcessor
    {
        public int Flushes;
        public bool ShutDown;
        public TimeSpan LastFlushTimeout;
        public TimeSpan ShutdownTimeout;

        public override bool ForceFlush(TimeSpan timeout)
        {
            Interlocked.Increment(ref Flushes);
            LastFlushTimeout = timeout;
            return true;
        }

        protected override bool OnShutdown(TimeSpan timeout)
        {
            ShutdownTimeout = timeout;
            return ShutDown = true;
        }
    }

    private sealed class ThrowingProcessor : SpanProcessor
    {
        public override void OnStart(SpanData span) => throw new InvalidOperationException("start");

        public override void OnEnd(SpanData span) => throw new InvalidOperationException("end");
    }

    private sealed class Disposable : IDisposable
    {
        public bool Disposed;

        public void Dispose() => Disposed = true;
    }
}

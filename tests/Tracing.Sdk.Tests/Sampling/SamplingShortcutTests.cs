using System;
using System.Collections.Generic;
using System.Reflection;
using System.Runtime.CompilerServices;
using Tracing.Sdk.Sampling;
using Xunit;

namespace Tracing.Sdk.Tests.Sampling;

/// <summary>
/// The tracer decides for AlwaysOn, AlwaysOff and ParentBased over them without calling the sampler (a rule of bits,
/// <c>SamplingShortcut</c>). These tests hold that shortcut to what the sampler itself says: the same spans started
/// through a sampler that merely delegates (so the tracer must ask it) must come out identical in every parent case.
/// </summary>
public class SamplingShortcutTests
{
    public static TheoryData<string> Samplers => ["AlwaysOn", "AlwaysOff", "ParentBasedOn", "ParentBasedOff"];

    private static Sampler Named(string name) => name switch
    {
        "AlwaysOn" => Sampler.AlwaysOn,
        "AlwaysOff" => Sampler.AlwaysOff,
        "ParentBasedOn" => new ParentBasedSampler(Sampler.AlwaysOn),
        _ => new ParentBasedSampler(Sampler.AlwaysOff),
    };

    private static IEnumerable<SpanContext> Parents()
    {
        var traceId = TraceId.FromBytes([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
        var state = TraceState.Empty.With("vendor", "value");
        yield return default;
        foreach (bool remote in new[] { false, true })
        {
            foreach (var flags in new[] { TraceFlags.None, TraceFlags.Sampled, TraceFlags.Random, TraceFlags.Sampled | TraceFlags.Random })
            {
                yield return new SpanContext(traceId, new SpanId(42), flags, null, remote);
                yield return new SpanContext(traceId, new SpanId(43), flags, state, remote);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Samplers))]
    public void Shortcut_GivesTheSamplersOwnDecision_ForEveryParentCase(string samplerName)
    {
        var sampler = Named(samplerName);
        using var fast = new TestPipeline(b => b.SetSampler(sampler));
        using var asked = new TestPipeline(b => b.SetSampler(new Delegating(sampler)));

        foreach (var parent in Parents())
        {
            var a = fast.Tracer.StartSpan("s", SpanKind.Internal, parent);
            var b = asked.Tracer.StartSpan("s", SpanKind.Internal, parent);
            AssertAlike(parent, a, b);
            a.End();
            b.End();

            // The same through the current span (the other entry).
            using (Tracer.WithSpan(Span.FromContext(parent)))
            {
                var c = fast.Tracer.StartSpan("s");
                var d = asked.Tracer.StartSpan("s");
                AssertAlike(parent, c, d);
                c.End();
                d.End();
            }
        }
    }

    [Theory]
    [MemberData(nameof(Samplers))]
    public void Shortcut_AfterShutdown_KeepsTheDecisionInTheFlagsButRecordsNothing(string samplerName)
    {
        var sampler = Named(samplerName);
        var fast = new TestPipeline(b => b.SetSampler(sampler));
        var asked = new TestPipeline(b => b.SetSampler(new Delegating(sampler)));
        fast.Provider.Shutdown();
        asked.Provider.Shutdown();

        foreach (var parent in Parents())
        {
            var a = fast.Tracer.StartSpan("s", SpanKind.Internal, parent);
            var b = asked.Tracer.StartSpan("s", SpanKind.Internal, parent);
            Assert.False(a.IsRecording);
            AssertAlike(parent, a, b);
        }
    }

    [Fact]
    public void Shortcut_IsTakenOnlyForTheCommonSamplersWithTheBuiltInIds()
    {
        using var on = new TestPipeline(b => b.SetSampler(Sampler.AlwaysOn));
        using var custom = new TestPipeline(b => b.SetSampler(new ParentBasedSampler(Sampler.AlwaysOn, remoteParentSampled: Sampler.AlwaysOff)));
        using var ratio = new TestPipeline(b => b.SetSampler(Sampler.TraceIdRatio(0.5)));
        Assert.NotEqual(SamplingShortcut.None, on.Provider.SamplingShortcut);
        Assert.Equal(SamplingShortcut.None, custom.Provider.SamplingShortcut);
        Assert.Equal(SamplingShortcut.None, ratio.Provider.SamplingShortcut);
        Assert.Equal(SamplingShortcut.None, SamplingShortcut.For(Sampler.AlwaysOn, defaultIds: false));
    }

    // Call-site independence (docs/benchmarks.md, CallSiteBenchmarks): every public start method is a forwarder small
    // enough for the JIT to inline anywhere, and the work sits behind NoInlining entries, so a call site whose inline
    // budget is spent compiles to the same single call as any other.
    [Fact]
    public void PublicStartMethods_AreSmallForwarders_ToNoInliningEntries()
    {
        const BindingFlags all = BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
        foreach (var m in typeof(Tracer).GetMethods(all))
        {
            if (m.IsPublic && (m.Name.StartsWith("StartSpan", StringComparison.Ordinal) || m.Name.StartsWith("StartRootSpan", StringComparison.Ordinal) || m.Name.StartsWith("StartActiveSpan", StringComparison.Ordinal)))
            {
                int il = m.GetMethodBody()!.GetILAsByteArray()!.Length;
                Assert.True(il <= 40, $"{m} has {il} IL bytes");
            }
        }

        foreach (var name in new[] { "Start", "StartChildOfCurrent" })
        {
            var entry = typeof(Tracer).GetMethod(name, all)!;
            Assert.True((entry.MethodImplementationFlags & MethodImplAttributes.NoInlining) != 0, $"{name} is not NoInlining");
        }
    }

    private static void AssertAlike(SpanContext parent, Span a, Span b)
    {
        Assert.Equal(b.IsRecording, a.IsRecording);
        Assert.Equal(b.Context.TraceFlags, a.Context.TraceFlags);
        Assert.Equal(b.Context.TraceState?.ToString(), a.Context.TraceState?.ToString());
        Assert.True(a.Context.IsValid);
        Assert.False(a.Context.IsRemote);
        Assert.NotEqual(parent.SpanId, a.Context.SpanId);
        if (parent.IsValid)
        {
            Assert.Equal(parent.TraceId, a.Context.TraceId);
        }
    }

    private sealed class Delegating(Sampler inner) : Sampler
    {
        public override SamplingResult ShouldSample(in SamplingParameters parameters) => inner.ShouldSample(parameters);

        public override string Description => inner.Description;
    }
}

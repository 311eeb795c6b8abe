using System;
using System.Collections.Generic;
using System.Linq;
using Tracing.Sdk.Propagation;
using Xunit;

namespace Tracing.Sdk.Tests.Propagation;

/// <summary>Every extractor answers hostile input with "no context" (the incoming context unchanged), never an exception.</summary>
/// <remarks>
/// Not run beside other tests: one allocation assertion counts this thread's bytes, and an EventListener that another
/// test enables on the SDK's EventSource meanwhile would make the extractor's diagnostic events allocate here.
/// </remarks>
[Collection(HostileInputCollection.Name)]
public class HostileInputTests
{
    private static readonly PropagationContext s_earlier = new(
        new SpanContext(new TraceId(0x1111, 0x2222), new SpanId(0x3333), TraceFlags.Sampled, isRemote: true),
        Baggage.Empty.SetItem("kept", "yes"));

    private static readonly Func<Dictionary<string, string>, IEnumerable<string>> s_keys = static c => c.Keys;

    public static TheoryData<string, string> HostileHeaders()
    {
        const string traceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        const string b3 = "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90";
        const string uber = "4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0:1";
        string megabyte = new('a', 1 << 20);
        var data = new TheoryData<string, string>();
        foreach (var (name, valid) in new[] { ("traceparent", traceParent), ("b3", b3), ("X-B3-TraceId", "80f198ee56343ba864fe8b2a57d3eff7"), ("uber-trace-id", uber) })
        {
            data.Add(name, string.Empty);
            data.Add(name, valid[..((valid.Length / 2) - 1)]); // truncated
            data.Add(name, valid[..^1]);
            data.Add(name, valid + "00"); // overlong
            data.Add(name, megabyte);
            data.Add(name, valid + new string('-', 1 << 20));
            data.Add(name, valid.Replace('-', '_').Replace(':', ';')); // wrong separators
            data.Add(name, valid.Replace('4', 'g').Replace('8', 'x')); // non-hex
            data.Add(name, valid + "," + valid); // a repeated header, joined
            data.Add(name, valid.Replace('a', 'ä')); // non-ASCII
            data.Add(name, valid.Replace('a', '\uD800')); // a lone surrogate: invalid UTF-16
            data.Add(name, valid.Replace('a', '\0'));
            data.Add(name, "\r\n" + valid[2..]);
            data.Add(name, new string('-', 55));
            data.Add(name, new string(':', 3));
            data.Add(name, "%3A%3A%3A%");
        }

        return data;
    }

    public static IEnumerable<object[]> Propagators() =>
    [
        [TraceContextPropagator.Instance],
        [B3Propagator.Single],
        [B3Propagator.Multi],
        [JaegerPropagator.Instance],
        [Tracing.Sdk.Propagation.Propagators.FromEnvironment(_ => "tracecontext,baggage,b3,b3multi,jaeger")],
    ];

    [Theory]
    [MemberData(nameof(HostileHeaders))]
    public void EveryExtractor_ReturnsTheContextUnchanged_ForHostileTraceHeaders(string header, string value)
    {
        var carrier = Carrier.Of((header, value));
        if (header == "X-B3-TraceId")
        {
            carrier["X-B3-SpanId"] = value;
        }

        foreach (var p in Propagators().Select(o => (TextMapPropagator)o[0]))
        {
            Assert.Equal(s_earlier, p.Extract(s_earlier, carrier, Carrier.Get));
            Assert.Equal(s_earlier, p.Extract(s_earlier, carrier, Carrier.Get, s_keys));
            Assert.False(p.Extract(default, carrier, Carrier.Get).SpanContext.IsValid);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData(",,,,")]
    [InlineData("=")]
    [InlineData("%")]
    [InlineData("k=%")]
    [InlineData("k=%C3%28")]
    [InlineData("k=\uD800")]
    [InlineData("k=v\r\nx=y")]
    [InlineData(";;;")]
    [InlineData("k;=v")]
    [InlineData("k=v;p=\"")]
    public void BaggageExtractor_ReturnsTheContextUnchanged_ForHostileHeaders(string value)
    {
        Assert.Equal(s_earlier, BaggagePropagator.Instance.Extract(s_earlier, Carrier.Of(("baggage", value)), Carrier.Get));
    }

    [Fact]
    public void BaggageExtractor_ReadsABoundedPrefixOfAMegabyteHeader()
    {
        var header = "a=1," + new string('x', 1 << 20);
        _ = BaggagePropagator.Instance.Extract(default, Carrier.Of(("baggage", header)), Carrier.Get); // warm-up: one-time initialization is not the extractor's cost

        long before = GC.GetAllocatedBytesForCurrentThread();
        var baggage = BaggagePropagator.Instance.Extract(default, Carrier.Of(("baggage", header)), Carrier.Get).Baggage!;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal("1", baggage.GetValue("a"));
        Assert.Equal(1, baggage.Count);
        Assert.True(allocated < 4096, $"allocated {allocated} bytes");
    }

    [Fact]
    public void BaggageExtractor_KeepsTheFirst64Of10000Members()
    {
        var header = string.Join(",", Enumerable.Range(0, 10_000).Select(i => i % 2 == 0 ? $"k{i}=v" : "bad member"));

        var baggage = BaggagePropagator.Instance.Extract(s_earlier, Carrier.Of(("baggage", header)), Carrier.Get).Baggage!;

        Assert.Equal(64, baggage.Count);
        Assert.Equal("yes", baggage.GetValue("kept"));
        Assert.Equal("v", baggage.GetValue("k124"));
    }

    [Fact]
    public void TraceStateExtractor_RejectsAMegabyteTraceState_WithoutLosingTheContext()
    {
        var carrier = Carrier.Of(
            ("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            ("tracestate", string.Join(",", Enumerable.Range(0, 100_000).Select(i => $"k{i}=v"))));

        var ctx = TraceContextPropagator.Instance.Extract(default, carrier, Carrier.Get).SpanContext;

        Assert.True(ctx.IsValid);
        Assert.Null(ctx.TraceState);
    }

    [Fact]
    public void JaegerExtractor_ReadsAtMost64UberctxHeaders()
    {
        var carrier = Carrier.Of();
        for (int i = 0; i < 10_000; i++)
        {
            carrier["uberctx-k" + i] = "v";
        }

        var baggage = JaegerPropagator.Instance.Extract(default, carrier, Carrier.Get, s_keys).Baggage!;

        Assert.Equal(64, baggage.Count);
    }

    [Fact]
    public void Extractors_ReturnTheContextUnchanged_WhenTheCarrierHasNoHeaders()
    {
        foreach (var p in Propagators().Select(o => (TextMapPropagator)o[0]).Append(BaggagePropagator.Instance))
        {
            Assert.Equal(s_earlier, p.Extract(s_earlier, 0, static (_, _) => null));
            Assert.Equal(s_earlier, p.Extract(s_earlier, 0, static (_, _) => null, static _ => []));
        }
    }
}

/// <summary>Runs <see cref="HostileInputTests"/> alone (see its remarks).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HostileInputCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "HostileInput";
}

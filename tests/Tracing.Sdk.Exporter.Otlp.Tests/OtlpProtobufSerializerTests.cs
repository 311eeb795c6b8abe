using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Google.Protobuf;
using Tracing.Sdk.Exporter.Otlp.Proto.Collector;
using Tracing.Sdk.Exporter.Otlp.Serialization;
using Tracing.Sdk.Exporting;
using ProtoAnyValue = Tracing.Sdk.Exporter.Otlp.Proto.Common.AnyValue;
using ProtoSpan = Tracing.Sdk.Exporter.Otlp.Proto.Trace.Span;
using ProtoStatusCode = Tracing.Sdk.Exporter.Otlp.Proto.Trace.Status.Types.StatusCode;

namespace Tracing.Sdk.Exporter.Otlp.Tests;

/// <summary>
/// The one-pass serializer against Google.Protobuf's generated parser. Every case also checks that our length equals
/// the parsed message's <c>CalculateSize()</c>: the canonical encoding, so no length was padded or left wrong when a
/// reserved length width was guessed wrong and the body moved.
/// </summary>
public sealed class OtlpProtobufSerializerTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(40)]
    public void Serialize_RoundTripsSpans_WithEveryAttributeCount(int attributeCount)
    {
        var spans = Record(tracer =>
        {
            for (int n = 0; n < 3; n++)
            {
                var span = tracer.StartRootSpan("op " + n, SpanKind.Server);
                for (int i = 0; i < attributeCount; i++)
                {
                    span.SetAttribute("attribute.number." + i, "value " + i);
                }

                span.End();
            }
        });

        var request = SerializeAndParse(spans);

        var parsed = request.ResourceSpans.Single().ScopeSpans.Single().Spans;
        Assert.Equal(3, parsed.Count);
        foreach (var s in parsed)
        {
            Assert.Equal(Enumerable.Range(0, attributeCount).Select(i => "attribute.number." + i), s.Attributes.Select(a => a.Key));
            Assert.Equal(Enumerable.Range(0, attributeCount).Select(i => "value " + i), s.Attributes.Select(a => a.Value.StringValue));
        }
    }

    [Fact]
    public void Serialize_RoundTripsEveryValueType()
    {
        var spans = Record(tracer =>
        {
            var span = tracer.StartRootSpan("values");
            span.SetAttribute("string", "text");
            span.SetAttribute("empty", string.Empty);
            span.SetAttribute("true", true);
            span.SetAttribute("false", false);
            span.SetAttribute("zero", 0L);
            span.SetAttribute("min", long.MinValue);
            span.SetAttribute("max", long.MaxValue);
            span.SetAttribute("negative", -1L);
            span.SetAttribute("double", -0.125);
            span.SetAttribute("nan", double.NaN);
            span.SetAttribute("infinity", double.PositiveInfinity);
            span.SetAttribute("strings", new[] { "a", string.Empty, new string('s', 200) });
            span.SetAttribute("bools", new[] { true, false, true });
            span.SetAttribute("longs", new[] { 0L, -1L, long.MinValue, 300L });
            span.SetAttribute("doubles", new[] { 1.5, double.NegativeInfinity });
            span.SetAttribute("no strings", Array.Empty<string>());
            span.SetAttribute("many longs", Enumerable.Range(0, 100).Select(i => (long)i * 1_000_003).ToArray());
            span.End();
        });

        var attributes = SerializeAndParse(spans).ResourceSpans.Single().ScopeSpans.Single().Spans.Single().Attributes.ToDictionary(a => a.Key, a => a.Value);

        Assert.Equal("text", attributes["string"].StringValue);
        Assert.Equal(ProtoAnyValue.ValueOneofCase.StringValue, attributes["empty"].ValueCase);
        Assert.Equal(string.Empty, attributes["empty"].StringValue);
        Assert.True(attributes["true"].BoolValue);
        Assert.Equal(ProtoAnyValue.ValueOneofCase.BoolValue, attributes["false"].ValueCase);
        Assert.False(attributes["false"].BoolValue);
        Assert.Equal(0, attributes["zero"].IntValue);
        Assert.Equal(long.MinValue, attributes["min"].IntValue);
        Assert.Equal(long.MaxValue, attributes["max"].IntValue);
        Assert.Equal(-1, attributes["negative"].IntValue);
        Assert.Equal(-0.125, attributes["double"].DoubleValue);
        Assert.True(double.IsNaN(attributes["nan"].DoubleValue));
        Assert.Equal(double.PositiveInfinity, attributes["infinity"].DoubleValue);
        Assert.Equal(["a", string.Empty, new string('s', 200)], attributes["strings"].ArrayValue.Values.Select(v => v.StringValue));
        Assert.Equal([true, false, true], attributes["bools"].ArrayValue.Values.Select(v => v.BoolValue));
        Assert.Equal([0L, -1L, long.MinValue, 300L], attributes["longs"].ArrayValue.Values.Select(v => v.IntValue));
        Assert.Equal([1.5, double.NegativeInfinity], attributes["doubles"].ArrayValue.Values.Select(v => v.DoubleValue));
        Assert.Equal(ProtoAnyValue.ValueOneofCase.ArrayValue, attributes["no strings"].ValueCase);
        Assert.Empty(attributes["no strings"].ArrayValue.Values);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i * 1_000_003), attributes["many longs"].ArrayValue.Values.Select(v => v.IntValue));
    }

    [Fact]
    public void Serialize_RoundTripsEventsLinksAndStatus()
    {
        var linked = new SpanContext(new TraceId(0x0102030405060708, 0x090a0b0c0d0e0f10), new SpanId(0x1112131415161718), TraceFlags.None, default, isRemote: false);
        var many = Enumerable.Range(0, 40).Select(i => new KeyValue("event.attribute." + i, i)).ToArray();
        var spans = Record(tracer =>
        {
            var ok = tracer.StartRootSpan("ok", links: [new Link(linked), new Link(linked, many)]);
            ok.AddEvent("small");
            ok.AddEvent("large", many);
            ok.SetStatus(StatusCode.Ok);
            ok.End();

            var error = tracer.StartRootSpan("error without description");
            error.SetStatus(StatusCode.Error);
            error.End();
        });

        var parsed = SerializeAndParse(spans).ResourceSpans.Single().ScopeSpans.Single().Spans;

        var first = parsed[0];
        Assert.Equal(["small", "large"], first.Events.Select(e => e.Name));
        Assert.Empty(first.Events[0].Attributes);
        Assert.Equal(Enumerable.Range(0, 40).Select(i => (long)i), first.Events[1].Attributes.Select(a => a.Value.IntValue));
        Assert.Equal(2, first.Links.Count);
        Assert.All(first.Links, l => Assert.Equal(0x100u, l.Flags)); // not sampled; remoteness known, not remote
        Assert.Equal(string.Empty, first.Links[0].TraceState);
        Assert.Empty(first.Links[0].Attributes);
        Assert.Equal(40, first.Links[1].Attributes.Count);
        Assert.Equal(ProtoStatusCode.Ok, first.Status.Code);
        Assert.Equal(string.Empty, first.Status.Message);

        Assert.Equal(ProtoStatusCode.Error, parsed[1].Status.Code);
        Assert.Equal(string.Empty, parsed[1].Status.Message);
    }

    // Lengths on both sides of each varint width (1 byte below 128, 2 below 16,384, 3 below 2,097,152) and of the
    // 42-char short-string path, in ASCII, 2-byte, 3-byte and 4-byte (surrogate pair) UTF-8.
    [Theory]
    [InlineData(42, "a")]
    [InlineData(43, "a")]
    [InlineData(127, "a")]
    [InlineData(128, "a")]
    [InlineData(16_383, "a")]
    [InlineData(16_384, "a")]
    [InlineData(2_097_152, "a")]
    [InlineData(42, "✓")]
    [InlineData(43, "✓")]
    [InlineData(64, "é")]
    [InlineData(5_461, "✓")]
    [InlineData(5_462, "✓")]
    [InlineData(8_192, "😀")]
    [InlineData(700_000, "✓")]
    public void Serialize_RoundTripsLongStrings_AcrossEveryLengthWidth(int repeat, string unit)
    {
        string text = string.Concat(Enumerable.Repeat(unit, repeat));
        var spans = Record(tracer =>
        {
            var span = tracer.StartRootSpan(text);
            span.SetAttribute(text, text);
            span.AddEvent(text);
            span.SetStatus(StatusCode.Error, text);
            span.End();
        });

        var s = SerializeAndParse(spans).ResourceSpans.Single().ScopeSpans.Single().Spans.Single();

        Assert.Equal(text, s.Name);
        Assert.Equal(text, s.Attributes.Single().Key);
        Assert.Equal(text, s.Attributes.Single().Value.StringValue);
        Assert.Equal(text, s.Events.Single().Name);
        Assert.Equal(text, s.Status.Message);
    }

    [Theory]
    [InlineData("lone high \ud800 surrogate")]
    [InlineData("\udc00")]
    [InlineData("a long text with a lone low surrogate at its very end, past the short path \udc00")]
    public void Serialize_ReplacesLoneSurrogates_AsEncodingUtf8Does(string text)
    {
        var spans = Record(tracer =>
        {
            var span = tracer.StartRootSpan("surrogates");
            span.SetAttribute("text", text);
            span.End();
        });

        var value = SerializeAndParse(spans).ResourceSpans.Single().ScopeSpans.Single().Spans.Single().Attributes.Single().Value.StringValue;

        Assert.Equal(Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text)), value);
    }

    [Fact]
    public void Serialize_WritesNothing_ForAnEmptyBatch()
    {
        using var buffer = new ExportBuffer();
        buffer.SetContents([1, 2, 3]);

        int length = new OtlpProtobufSerializer().Serialize(new SpanBatch([], 0), buffer);

        Assert.Equal(0, length);
        Assert.Equal(0, buffer.Length);
        Assert.Empty(ExportTraceServiceRequest.Parser.ParseFrom(buffer.Array, 0, length).ResourceSpans);
    }

    [Fact]
    public void Serialize_GroupsInterleavedSpans_OfManyResourcesAndScopes()
    {
        var spans = new List<SpanData>();
        var providers = Enumerable.Range(0, 3).Select(r => new TracerProviderBuilder()
            .SetSettingsSource(_ => null)
            .SetServiceName("service-" + r)
            .AddInMemoryExporter(spans)
            .Build()).ToArray();
        try
        {
            for (int i = 0; i < 60; i++)
            {
                var tracer = providers[i % 3].GetTracer("scope-" + (i / 3 % 5), i % 2 == 0 ? "1.0" : null);
                tracer.StartRootSpan("span-" + i).End();
            }
        }
        finally
        {
            foreach (var provider in providers)
            {
                provider.Dispose();
            }
        }

        var request = SerializeAndParse([.. spans]);

        Assert.Equal(["service-0", "service-1", "service-2"], request.ResourceSpans.Select(r => r.Resource.Attributes.Single(a => a.Key == "service.name").Value.StringValue));
        var seen = new List<string>();
        foreach (var resourceSpans in request.ResourceSpans)
        {
            string service = resourceSpans.Resource.Attributes.Single(a => a.Key == "service.name").Value.StringValue;
            foreach (var scopeSpans in resourceSpans.ScopeSpans)
            {
                foreach (var s in scopeSpans.Spans)
                {
                    int i = int.Parse(s.Name["span-".Length..], System.Globalization.CultureInfo.InvariantCulture);
                    Assert.Equal("service-" + (i % 3), service);
                    Assert.Equal("scope-" + (i / 3 % 5), scopeSpans.Scope.Name);
                    Assert.Equal(i % 2 == 0 ? "1.0" : string.Empty, scopeSpans.Scope.Version);
                    seen.Add(s.Name);
                }

                // Batch order within a group.
                Assert.Equal(scopeSpans.Spans.Select(s => s.Name).OrderBy(n => int.Parse(n["span-".Length..], System.Globalization.CultureInfo.InvariantCulture)), scopeSpans.Spans.Select(s => s.Name));
            }
        }

        Assert.Equal(Enumerable.Range(0, 60).Select(i => "span-" + i).Order(), seen.Order());
    }

    // Small spans (a 1-byte length) alternate with large ones (3 bytes): the reservation carried from span to span is
    // wrong at every step, so every span's body moves, left and right.
    [Fact]
    public void Serialize_RoundTripsAlternatingSmallAndLargeSpans()
    {
        string large = new('L', 20_000);
        var spans = Record(tracer =>
        {
            for (int i = 0; i < 20; i++)
            {
                var span = tracer.StartRootSpan(i % 2 == 0 ? "s" : large);
                span.End();
            }
        });

        var parsed = SerializeAndParse(spans).ResourceSpans.Single().ScopeSpans.Single().Spans;

        Assert.Equal(Enumerable.Range(0, 20).Select(i => i % 2 == 0 ? "s" : large), parsed.Select(s => s.Name));
    }

    // The buffer starts at 64 KB: 400 typical spans fill it mid-batch, then a string far larger than what is left
    // must grow the buffer (keeping what was written) rather than write past it.
    [Fact]
    public void Serialize_GrowsTheBuffer_WhenAStringExceedsTheRoomLeft()
    {
        string huge = string.Concat(Enumerable.Repeat("✓é", 150_000));
        var typical = TestSpans.Typical(400);
        var extra = Record(tracer =>
        {
            var span = tracer.StartRootSpan("huge");
            span.SetAttribute("huge", huge);
            span.End();
        });
        SpanData[] spans = [.. typical, .. extra, .. typical];
        using var buffer = new ExportBuffer();
        int initialCapacity = buffer.Array.Length;
        var serializer = new OtlpProtobufSerializer();

        int length = serializer.Serialize(TestSpans.Batch(spans), buffer);

        Assert.True(length > initialCapacity);
        var request = ExportTraceServiceRequest.Parser.ParseFrom(buffer.Array, 0, length);
        Assert.Equal(request.CalculateSize(), length);
        var parsed = request.ResourceSpans.SelectMany(r => r.ScopeSpans).SelectMany(s => s.Spans).ToList();
        Assert.Equal(801, parsed.Count);
        Assert.Equal(huge, parsed.Single(s => s.Name == "huge").Attributes.Single().Value.StringValue);
        Assert.All(parsed.Where(s => s.Name != "huge"), s => Assert.Equal(5, s.Attributes.Count));

        // The grown buffer is reused, and a later small batch is written from its start.
        int small = serializer.Serialize(TestSpans.Batch(TestSpans.Typical(2)), buffer);
        var again = ExportTraceServiceRequest.Parser.ParseFrom(buffer.Array, 0, small);
        Assert.Equal(2, again.ResourceSpans.Single().ScopeSpans.Single().Spans.Count);
        Assert.Equal(again.CalculateSize(), small);
    }

    // The gRPC transport asks for 5 free bytes before the message (its length prefix is written there, so prefix and
    // message go out as one write): the message must be byte for byte the same, growth included.
    [Fact]
    public void Serialize_WithHeadroom_WritesTheSameMessage_AfterTheFreeBytes()
    {
        string huge = string.Concat(Enumerable.Repeat("✓é", 50_000));
        var extra = Record(tracer =>
        {
            var span = tracer.StartRootSpan("huge");
            span.SetAttribute("huge", huge);
            span.End();
        });
        SpanData[] spans = [.. TestSpans.Rich(), .. TestSpans.Typical(300), .. extra];
        using var plain = new ExportBuffer();
        using var framed = new ExportBuffer();
        var serializer = new OtlpProtobufSerializer();

        int plainLength = serializer.Serialize(TestSpans.Batch(spans), plain);
        int framedLength = serializer.Serialize(TestSpans.Batch(spans), framed, headroom: 5);

        Assert.Equal(plainLength, framedLength);
        Assert.Equal(5, framed.Start);
        Assert.Equal(framedLength, framed.Length);
        Assert.True(plain.Span.SequenceEqual(framed.Span));
        Assert.Equal(spans.Length, ExportTraceServiceRequest.Parser.ParseFrom(framed.Array, 5, framedLength).ResourceSpans.SelectMany(r => r.ScopeSpans).Sum(s => s.Spans.Count));

        // Reused without headroom, the buffer's message starts at 0 again.
        int again = serializer.Serialize(TestSpans.Batch(spans), framed);
        Assert.Equal(0, framed.Start);
        Assert.True(plain.Span.SequenceEqual(framed.Span[..again]));
    }

    [Fact]
    public void Serialize_WritesTheSameBytes_ForTheSameBatch()
    {
        var spans = TestSpans.Rich().Concat(TestSpans.Typical(100)).ToArray();
        using var buffer = new ExportBuffer();
        var serializer = new OtlpProtobufSerializer();

        int first = serializer.Serialize(TestSpans.Batch(spans), buffer);
        byte[] bytes = buffer.Span.ToArray();
        int second = serializer.Serialize(TestSpans.Batch(spans), buffer);

        Assert.Equal(first, second);
        Assert.Equal(bytes, buffer.Span.ToArray());
    }

    private static ExportTraceServiceRequest SerializeAndParse(SpanData[] spans)
    {
        using var buffer = new ExportBuffer();
        int length = new OtlpProtobufSerializer().Serialize(TestSpans.Batch(spans), buffer);
        Assert.Equal(length, buffer.Length);

        var request = ExportTraceServiceRequest.Parser.ParseFrom(buffer.Array, 0, length);
        Assert.Equal(request.CalculateSize(), length);
        Assert.Equal(spans.Length, request.ResourceSpans.SelectMany(r => r.ScopeSpans).Sum(s => s.Spans.Count));
        return request;
    }

    private static SpanData[] Record(Action<Tracer> produce)
    {
        var spans = new List<SpanData>();
        using (var provider = new TracerProviderBuilder().SetSettingsSource(_ => null).SetServiceName("serializer").AddInMemoryExporter(spans).Build())
        {
            produce(provider.GetTracer("serializer.tests", "1.0"));
        }

        return [.. spans];
    }
}

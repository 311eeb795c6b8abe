using System;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Google.Protobuf;
using Tracing.Sdk.Exporter.Otlp.Proto.Collector;
using Tracing.Sdk.Exporter.Otlp.Serialization;
using Tracing.Sdk.Exporting;
using ProtoSpan = Tracing.Sdk.Exporter.Otlp.Proto.Trace.Span;

namespace Tracing.Sdk.Exporter.Otlp.Tests;

public sealed class OtlpRoundTripTests
{
    [Theory]
    [InlineData(OtlpExportProtocol.Grpc)]
    [InlineData(OtlpExportProtocol.HttpProtobuf)]
    public async Task Export_DeliversEveryField_ToAnIndependentParser(OtlpExportProtocol protocol)
    {
        await using var receiver = await OtlpReceiver.StartAsync(grpc: protocol == OtlpExportProtocol.Grpc);
        using var exporter = new OtlpTraceExporter(new OtlpExporterOptions { Endpoint = receiver.Endpoint, Protocol = protocol, Timeout = TimeSpan.FromMilliseconds(20_000) });
        var spans = TestSpans.Rich();

        Assert.Equal(ExportResult.Success, exporter.Export(TestSpans.Batch(spans), CancellationToken.None));

        await receiver.WaitForRequestsAsync(1);
        var request = Assert.Single(receiver.Requests);
        AssertRichRequest(request, spans);
        Assert.Equal(2, exporter.ExportedSpans);
        Assert.Equal(0, exporter.DroppedSpans);
    }

    [Fact]
    public void Serialize_MatchesTheGeneratedParser_ForEveryField()
    {
        var spans = TestSpans.Rich();
        using var buffer = new ExportBuffer();
        int length = new OtlpProtobufSerializer().Serialize(TestSpans.Batch(spans), buffer);

        var request = ExportTraceServiceRequest.Parser.ParseFrom(buffer.Array, 0, length);

        AssertRichRequest(request, spans);
        Assert.Equal(request.CalculateSize(), length);
    }

    [Fact]
    public void Serialize_GroupsSpansByResourceThenScope()
    {
        var spans = TestSpans.Rich("first").Concat(TestSpans.Rich("second")).ToArray();
        using var buffer = new ExportBuffer();
        int length = new OtlpProtobufSerializer().Serialize(TestSpans.Batch(spans), buffer);

        var request = ExportTraceServiceRequest.Parser.ParseFrom(buffer.Array, 0, length);

        Assert.Equal(2, request.ResourceSpans.Count);
        Assert.Equal(["first", "second"], request.ResourceSpans.Select(r => r.Resource.Attributes.Single(a => a.Key == "service.name").Value.StringValue));
        foreach (var resourceSpans in request.ResourceSpans)
        {
            Assert.Equal(["scope.a", "scope.b"], resourceSpans.ScopeSpans.Select(s => s.Scope.Name));
            Assert.All(resourceSpans.ScopeSpans, s => Assert.Single(s.Spans));
        }
    }

    [Fact]
    public void Serialize_AllocatesNothingPerSpan_InSteadyState()
    {
        var spans = TestSpans.Typical(512);
        var serializer = new OtlpProtobufSerializer();
        using var buffer = new ExportBuffer();
        serializer.Serialize(TestSpans.Batch(spans), buffer);

        long before = GC.GetAllocatedBytesForCurrentThread();
        serializer.Serialize(TestSpans.Batch(spans), buffer);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated < 1024, $"second serialization of 512 spans allocated {allocated} bytes");
    }

    [Fact]
    public async Task Export_OverHttpJson_UsesTheOtlpJsonEncoding()
    {
        await using var receiver = await OtlpReceiver.StartAsync(grpc: false);
        using var exporter = new OtlpTraceExporter(new OtlpExporterOptions { Endpoint = receiver.Endpoint, Protocol = OtlpExportProtocol.HttpJson });
        var spans = TestSpans.Rich();

        Assert.Equal(ExportResult.Success, exporter.Export(TestSpans.Batch(spans), CancellationToken.None));

        await receiver.WaitForRequestsAsync(1);
        Assert.True(receiver.JsonBodies.TryDequeue(out var json));
        using var doc = JsonDocument.Parse(json!);
        var resourceSpans = doc.RootElement.GetProperty("resourceSpans")[0];
        var span = resourceSpans.GetProperty("scopeSpans")[0].GetProperty("spans")[0];
        var source = spans[0];
        Assert.Equal(source.TraceId.ToString(), span.GetProperty("traceId").GetString());
        Assert.Equal(source.SpanId.ToString(), span.GetProperty("spanId").GetString());
        Assert.Equal(source.ParentSpanId.ToString(), span.GetProperty("parentSpanId").GetString());
        Assert.Equal(3, span.GetProperty("kind").GetInt32());
        Assert.Equal(0x301, span.GetProperty("flags").GetInt32());
        Assert.Equal(source.StartTimeUnixNano.ToString(), span.GetProperty("startTimeUnixNano").GetString());
        Assert.Equal(source.EndTimeUnixNano.ToString(), span.GetProperty("endTimeUnixNano").GetString());
        var attributes = span.GetProperty("attributes").EnumerateArray().ToDictionary(a => a.GetProperty("key").GetString()!, a => a.GetProperty("value"));
        Assert.Equal("-42", attributes["long"].GetProperty("intValue").GetString());
        Assert.Equal(2.5, attributes["double"].GetProperty("doubleValue").GetDouble());
        Assert.True(attributes["bool"].GetProperty("boolValue").GetBoolean());
        Assert.Equal("héllo ✓", attributes["unicode"].GetProperty("stringValue").GetString());
        Assert.Equal(["a", "b"], attributes["strs"].GetProperty("arrayValue").GetProperty("values").EnumerateArray().Select(v => v.GetProperty("stringValue").GetString()));
        Assert.Equal(2, span.GetProperty("status").GetProperty("code").GetInt32());
        Assert.Equal("boom", span.GetProperty("status").GetProperty("message").GetString());
        Assert.Equal("vendor=abc,other=1", span.GetProperty("traceState").GetString());
        Assert.Equal("cache miss", span.GetProperty("events")[0].GetProperty("name").GetString());
        Assert.Equal("linked=yes", span.GetProperty("links")[0].GetProperty("traceState").GetString());
        Assert.Equal(1, span.GetProperty("droppedAttributesCount").GetInt32());
    }

    [Theory]
    [InlineData(OtlpExportProtocol.Grpc)]
    [InlineData(OtlpExportProtocol.HttpProtobuf)]
    public async Task Export_SendsConfiguredHeaders_AndGzipBodies(OtlpExportProtocol protocol)
    {
        await using var receiver = await OtlpReceiver.StartAsync(grpc: protocol == OtlpExportProtocol.Grpc);
        var options = new OtlpExporterOptions { Endpoint = receiver.Endpoint, Protocol = protocol, Compression = OtlpCompression.Gzip };
        options.Headers.Add(new("api-key", "secret value"));
        using var exporter = new OtlpTraceExporter(options);

        Assert.Equal(ExportResult.Success, exporter.Export(TestSpans.Batch(TestSpans.Rich()), CancellationToken.None));

        await receiver.WaitForRequestsAsync(1);
        Assert.True(receiver.Headers.TryDequeue(out var headers));
        Assert.Equal("secret value", headers!["api-key"]);
        Assert.Equal(2, receiver.Spans.Count());
    }

    internal static void AssertRichRequest(ExportTraceServiceRequest request, SpanData[] spans)
    {
        var resourceSpans = Assert.Single(request.ResourceSpans);
        var resource = resourceSpans.Resource.Attributes.ToDictionary(a => a.Key, a => a.Value.StringValue);
        Assert.Equal("checkout", resource["service.name"]);
        Assert.Equal("test", resource["deployment.environment"]);
        Assert.Equal(2, resourceSpans.ScopeSpans.Count);
        var scopeA = resourceSpans.ScopeSpans[0];
        Assert.Equal("scope.a", scopeA.Scope.Name);
        Assert.Equal("1.2.3", scopeA.Scope.Version);
        Assert.Equal("scope.b", resourceSpans.ScopeSpans[1].Scope.Name);
        Assert.Equal(string.Empty, resourceSpans.ScopeSpans[1].Scope.Version);

        var source = spans[0];
        var s = Assert.Single(scopeA.Spans);
        Assert.Equal(Bytes(source.TraceId), s.TraceId);
        Assert.Equal(Bytes(source.SpanId), s.SpanId);
        Assert.Equal(Bytes(source.ParentSpanId), s.ParentSpanId);
        Assert.Equal("vendor=abc,other=1", s.TraceState);
        Assert.Equal("GET /cart", s.Name);
        Assert.Equal(ProtoSpan.Types.SpanKind.Client, s.Kind);
        Assert.Equal(0x301u, s.Flags); // sampled | has-is-remote | parent is remote
        Assert.Equal((ulong)source.StartTimeUnixNano, s.StartTimeUnixNano);
        Assert.Equal((ulong)source.EndTimeUnixNano, s.EndTimeUnixNano);
        Assert.True(s.EndTimeUnixNano >= s.StartTimeUnixNano && s.StartTimeUnixNano > 0);

        var attributes = s.Attributes.ToDictionary(a => a.Key, a => a.Value);
        Assert.Equal(9, attributes.Count);
        Assert.Equal("x", attributes["str"].StringValue);
        Assert.True(attributes["bool"].BoolValue);
        Assert.Equal(-42, attributes["long"].IntValue);
        Assert.Equal(2.5, attributes["double"].DoubleValue);
        Assert.Equal(["a", "b"], attributes["strs"].ArrayValue.Values.Select(v => v.StringValue));
        Assert.Equal([true, false], attributes["bools"].ArrayValue.Values.Select(v => v.BoolValue));
        Assert.Equal([1L, long.MaxValue], attributes["longs"].ArrayValue.Values.Select(v => v.IntValue));
        Assert.Equal([0.5, -1.0], attributes["doubles"].ArrayValue.Values.Select(v => v.DoubleValue));
        Assert.Equal("héllo ✓", attributes["unicode"].StringValue);
        Assert.Equal(1u, s.DroppedAttributesCount);

        var e = Assert.Single(s.Events);
        Assert.Equal("cache miss", e.Name);
        Assert.Equal((ulong)source.Events[0].TimestampUnixNano, e.TimeUnixNano);
        Assert.Equal("cart:1", Assert.Single(e.Attributes).Value.StringValue);
        Assert.Equal(1u, s.DroppedEventsCount);

        var link = Assert.Single(s.Links);
        Assert.Equal(Bytes(source.Links[0].Context.TraceId), link.TraceId);
        Assert.Equal(Bytes(source.Links[0].Context.SpanId), link.SpanId);
        Assert.Equal("linked=yes", link.TraceState);
        Assert.Equal(7, Assert.Single(link.Attributes).Value.IntValue);
        Assert.Equal(0x301u, link.Flags);
        Assert.Equal(1u, s.DroppedLinksCount);

        Assert.Equal(Proto.Trace.Status.Types.StatusCode.Error, s.Status.Code);
        Assert.Equal("boom", s.Status.Message);

        var root = Assert.Single(resourceSpans.ScopeSpans[1].Spans);
        Assert.True(root.ParentSpanId.IsEmpty);
        Assert.Equal(ProtoSpan.Types.SpanKind.Internal, root.Kind);
        Assert.Equal((uint)spans[1].Context.TraceFlags | 0x100u, root.Flags); // the W3C flags; parent known not to be remote
        Assert.Null(root.Status);
    }

    private static ByteString Bytes(TraceId id)
    {
        var b = new byte[16];
        id.CopyTo(b);
        return ByteString.CopyFrom(b);
    }

    private static ByteString Bytes(SpanId id)
    {
        var b = new byte[8];
        id.CopyTo(b);
        return ByteString.CopyFrom(b);
    }
}

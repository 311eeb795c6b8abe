using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Tracing.Sdk.Exporting;

namespace Tracing.Sdk.Exporter.Zipkin.Tests;

public sealed class ZipkinExporterTests
{
    private static ZipkinExporterOptions Options(Uri endpoint) => new()
    {
        Endpoint = endpoint,
        Timeout = TimeSpan.FromMilliseconds(20_000),
        InitialBackoff = TimeSpan.FromMilliseconds(10),
        MaxBackoff = TimeSpan.FromMilliseconds(50),
    };

    private static SpanData[] Spans()
    {
        var spans = new List<SpanData>();
        using var provider = new TracerProviderBuilder().SetSettingsSource(_ => null).SetServiceName("checkout").AddInMemoryExporter(spans).Build();
        var tracer = provider.GetTracer("scope.z", "2.0");
        var parent = new SpanContext(new TraceId(0x0102030405060708, 0x090a0b0c0d0e0f10), new SpanId(0x1112131415161718), TraceFlags.Sampled, isRemote: true);
        var client = tracer.StartSpan("GET", SpanKind.Client, parent);
        client.SetAttribute("server.address", "inventory");
        client.SetAttribute("server.port", 8080);
        client.SetAttribute("network.peer.address", "10.0.0.7");
        client.SetAttribute("http.response.status_code", 503);
        client.SetAttribute("retry", true);
        client.SetAttribute("ratio", 0.25);
        client.SetAttribute("tags", new[] { "a", "b\"c" });
        client.SetAttribute("codes", new[] { 1L, 2L });
        client.AddEvent("retrying", [new KeyValue("attempt", 2)]);
        client.AddEvent("gave up");
        client.SetStatus(StatusCode.Error, "upstream unavailable");
        client.End();
        tracer.StartRootSpan("work").End();
        var ok = tracer.StartRootSpan("consume", SpanKind.Consumer);
        ok.SetStatus(StatusCode.Ok);
        ok.End();
        return [.. spans];
    }

    [Fact]
    public async Task Export_PostsZipkinV2Json_WithTheOpenTelemetryMapping()
    {
        await using var receiver = await ZipkinReceiver.StartAsync();
        using var exporter = new ZipkinExporter(Options(receiver.Endpoint));
        var spans = Spans();

        Assert.Equal(ExportResult.Success, exporter.Export(new SpanBatch(spans, spans.Length), CancellationToken.None));

        await receiver.WaitForRequestsAsync(1);
        Assert.True(receiver.ContentTypes.TryDequeue(out var contentType));
        Assert.Equal("application/json", contentType);
        Assert.True(receiver.Bodies.TryDequeue(out var body));
        using var doc = JsonDocument.Parse(body!);
        var items = doc.RootElement.EnumerateArray().ToArray();
        Assert.Equal(3, items.Length);

        var c = items[0];
        var source = spans[0];
        Assert.Equal(source.TraceId.ToString(), c.GetProperty("traceId").GetString());
        Assert.Equal(source.SpanId.ToString(), c.GetProperty("id").GetString());
        Assert.Equal("1112131415161718", c.GetProperty("parentId").GetString());
        Assert.Equal("CLIENT", c.GetProperty("kind").GetString());
        Assert.Equal("GET", c.GetProperty("name").GetString());
        Assert.Equal(source.StartTimeUnixNano / 1000, c.GetProperty("timestamp").GetInt64());
        Assert.Equal(Math.Max(1, (source.EndTimeUnixNano - source.StartTimeUnixNano) / 1000), c.GetProperty("duration").GetInt64());
        Assert.Equal("checkout", c.GetProperty("localEndpoint").GetProperty("serviceName").GetString());
        var remote = c.GetProperty("remoteEndpoint");
        Assert.Equal("inventory", remote.GetProperty("serviceName").GetString());
        Assert.Equal("10.0.0.7", remote.GetProperty("ipv4").GetString());
        Assert.Equal(8080, remote.GetProperty("port").GetInt32());

        var tags = c.GetProperty("tags").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        Assert.Equal("503", tags["http.response.status_code"]);
        Assert.Equal("true", tags["retry"]);
        Assert.Equal("0.25", tags["ratio"]);
        Assert.Equal("[\"a\",\"b\\\"c\"]", tags["tags"]); // JSON array text: plain quotes, the inner one escaped as JSON
        Assert.Equal(["a", "b\"c"], JsonSerializer.Deserialize(tags["tags"]!, ZipkinTestJson.Default.StringArray)!);
        Assert.Equal("[1,2]", tags["codes"]);
        Assert.Equal("ERROR", tags["otel.status_code"]);
        Assert.Equal("upstream unavailable", tags["error"]);
        Assert.Equal("scope.z", tags["otel.scope.name"]);
        Assert.Equal("2.0", tags["otel.scope.version"]);

        var annotations = c.GetProperty("annotations").EnumerateArray().ToArray();
        Assert.Equal(2, annotations.Length);
        Assert.Equal(source.Events[0].TimestampUnixNano / 1000, annotations[0].GetProperty("timestamp").GetInt64());
        Assert.Equal("{\"retrying\":{\"attempt\":2}}", annotations[0].GetProperty("value").GetString());
        Assert.Equal("gave up", annotations[1].GetProperty("value").GetString());

        var internalSpan = items[1];
        Assert.False(internalSpan.TryGetProperty("kind", out _));
        Assert.False(internalSpan.TryGetProperty("parentId", out _));
        Assert.False(internalSpan.TryGetProperty("remoteEndpoint", out _));
        Assert.False(internalSpan.GetProperty("tags").TryGetProperty("otel.status_code", out _));

        var consumer = items[2];
        Assert.Equal("CONSUMER", consumer.GetProperty("kind").GetString());
        Assert.Equal("OK", consumer.GetProperty("tags").GetProperty("otel.status_code").GetString());
        Assert.False(consumer.GetProperty("tags").TryGetProperty("error", out _));
        Assert.Equal(3, exporter.ExportedSpans);
    }

    [Fact]
    public async Task Export_Retries503_AndDeliversOnce()
    {
        await using var receiver = await ZipkinReceiver.StartAsync();
        receiver.Faults.Enqueue(503);
        receiver.Faults.Enqueue(429);
        using var exporter = new ZipkinExporter(Options(receiver.Endpoint));
        var spans = Spans();

        Assert.Equal(ExportResult.Success, exporter.Export(new SpanBatch(spans, spans.Length), CancellationToken.None));

        await receiver.WaitForRequestsAsync(1);
        Assert.Single(receiver.Bodies);
        Assert.Equal(2, exporter.Retries);
        Assert.Equal(3, exporter.ExportedSpans);
    }

    [Fact]
    public async Task Export_DropsAndCounts_On400()
    {
        await using var receiver = await ZipkinReceiver.StartAsync();
        receiver.Faults.Enqueue(400);
        using var exporter = new ZipkinExporter(Options(receiver.Endpoint));
        var spans = Spans();

        Assert.Equal(ExportResult.Failure, exporter.Export(new SpanBatch(spans, spans.Length), CancellationToken.None));

        Assert.Equal(1, receiver.Attempts);
        Assert.Equal(3, exporter.DroppedSpans);
        Assert.Equal(0, exporter.Retries);
    }

    [Fact]
    public void FromSettings_ReadsTheEndpoint_AndDefaultsToLocalhost9411()
    {
        Assert.Equal(new Uri("http://localhost:9411/api/v2/spans"), ZipkinExporterOptions.FromSettings(_ => null).Endpoint);
        var options = ZipkinExporterOptions.FromSettings(n => n == "OTEL_EXPORTER_ZIPKIN_ENDPOINT" ? "https://zipkin:9411/api/v2/spans" : n == "OTEL_EXPORTER_ZIPKIN_TIMEOUT" ? "1500" : null);
        Assert.Equal(new Uri("https://zipkin:9411/api/v2/spans"), options.Endpoint);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), options.Timeout);
        Assert.Equal(ZipkinExporterOptions.DefaultEndpoint, ZipkinExporterOptions.FromSettings(_ => "::bad::").Endpoint);
    }

    [Fact]
    public async Task AddZipkinExporter_ExportsEndedSpans_ToTheConfiguredEndpoint()
    {
        await using var receiver = await ZipkinReceiver.StartAsync();
        using (var provider = new TracerProviderBuilder()
            .SetSettingsSource(n => n == "OTEL_EXPORTER_ZIPKIN_ENDPOINT" ? receiver.Endpoint.ToString() : null)
            .SetServiceName("svc")
            .AddZipkinExporter()
            .Build())
        {
            provider.GetTracer("t").StartRootSpan("hello").End();
        }

        await receiver.WaitForRequestsAsync(1);
        Assert.True(receiver.Bodies.TryDequeue(out var body));
        using var doc = JsonDocument.Parse(body!);
        Assert.Equal("hello", doc.RootElement[0].GetProperty("name").GetString());
        Assert.Equal("svc", doc.RootElement[0].GetProperty("localEndpoint").GetProperty("serviceName").GetString());
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string[]))]
internal sealed partial class ZipkinTestJson : System.Text.Json.Serialization.JsonSerializerContext
{
}

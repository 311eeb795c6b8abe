using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Tracing.Sdk.Exporting;
using Tracing.Sdk.Propagation;

namespace Tracing.Sdk.Exporter.Zipkin.Tests;

/// <summary>
/// What a real loopback listener receives, checked against the rules of the official schema, zipkin2-api.yaml
/// (openzipkin/zipkin-api, definitions ListOfSpans / Span / Endpoint / Annotation / Tags), for a realistic trace that
/// holds each case the schema review found.
/// </summary>
public sealed class ZipkinSchemaTests
{
    private static readonly string[] s_spanProperties =
        ["traceId", "name", "parentId", "id", "kind", "timestamp", "duration", "debug", "shared", "localEndpoint", "remoteEndpoint", "annotations", "tags"];

    private static readonly string[] s_endpointProperties = ["serviceName", "ipv4", "ipv6", "port"];

    private static SpanData[] RealisticTrace()
    {
        var spans = new List<SpanData>();
        using var provider = new TracerProviderBuilder().SetSettingsSource(_ => null).SetServiceName("checkout").AddInMemoryExporter(spans).Build();
        var tracer = provider.GetTracer("shop", "1.0");

        // A request arriving with a B3 debug context: the server span and its children continue it.
        var incoming = new B3Propagator().Extract(
            default,
            new Dictionary<string, string> { ["b3"] = "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-d" },
            static (c, n) => c.TryGetValue(n, out var v) ? v : null);
        var server = tracer.StartSpan("GET /cart", SpanKind.Server, incoming.SpanContext);
        server.SetAttribute("http.request.method", "GET");

        var start = DateTimeOffset.UtcNow;
        var tiny = tracer.StartSpan("cache hit", SpanKind.Internal, server, startTime: start);
        tiny.End(start.AddTicks(3)); // 300 ns

        var instant = tracer.StartSpan("noop", SpanKind.Internal, server, startTime: start);
        instant.End(start); // 0 ns

        var client = tracer.StartSpan("POST", SpanKind.Client, server);
        client.SetAttribute("server.address", "payments");
        client.SetAttribute("server.port", 443);
        client.SetAttribute("error", "connection reset");
        client.SetAttribute("labels", new[] { "a\"quoted\"", "Grüße", "naïve ü" });
        client.SetAttribute("flags", new[] { true, false });
        client.SetAttribute("otel.scope.name", "spoofed");
        client.AddEvent("retry", start);
        client.AddEvent("retry", start); // the same annotation twice: the schema wants unique items
        client.AddEvent("retry", start.AddTicks(20));
        client.AddEvent("exception", start, [new KeyValue("exception.message", "Zeitüberschreitung \"x\"")]);
        client.SetStatus(StatusCode.Error, "payment gateway timed out");
        client.End();

        var failed = tracer.StartSpan("validate", SpanKind.Internal, server);
        failed.SetStatus(StatusCode.Error);
        failed.End();

        var failedWithAttribute = tracer.StartSpan("charge", SpanKind.Producer, server);
        failedWithAttribute.SetAttribute("error", "card declined");
        failedWithAttribute.SetStatus(StatusCode.Error);
        failedWithAttribute.End();

        server.End();

        var plain = tracer.StartRootSpan("housekeeping", SpanKind.Consumer);
        plain.End();
        return [.. spans];
    }

    [Fact]
    public async Task Export_SendsSpansThatSatisfyZipkin2ApiYaml()
    {
        await using var receiver = await ZipkinReceiver.StartAsync();
        using var exporter = new ZipkinExporter(new ZipkinExporterOptions { Endpoint = receiver.Endpoint, Timeout = TimeSpan.FromSeconds(20) });
        var spans = RealisticTrace();

        Assert.Equal(ExportResult.Success, exporter.Export(new SpanBatch(spans, spans.Length), CancellationToken.None));

        await receiver.WaitForRequestsAsync(1);
        Assert.True(receiver.Bodies.TryDequeue(out var body));
        using var doc = JsonDocument.Parse(body!);
        Assert.Equal(JsonValueKind.Array, doc.RootElement.ValueKind); // ListOfSpans
        var byName = new Dictionary<string, JsonElement>();
        foreach (var span in doc.RootElement.EnumerateArray())
        {
            AssertSchemaSpan(span);
            byName[span.GetProperty("name").GetString()!] = span;
        }

        Assert.Equal(spans.Length, byName.Count);

        // minimum: 1, "durations of less than one are rounded up".
        Assert.Equal(1, byName["cache hit"].GetProperty("duration").GetInt64());
        Assert.Equal(1, byName["noop"].GetProperty("duration").GetInt64());

        // "debug: true when the X-B3-Flags header has a value of 1": every span of the debug trace, none other.
        foreach (var name in new[] { "GET /cart", "cache hit", "noop", "POST", "validate", "charge" })
        {
            Assert.True(byName[name].GetProperty("debug").GetBoolean(), name);
        }

        Assert.False(byName["housekeeping"].TryGetProperty("debug", out _));

        // The error key once; the status description wins over an attribute of the same name.
        var clientTags = Tags(byName["POST"]);
        Assert.Equal("payment gateway timed out", clientTags["error"]);
        Assert.Equal("shop", clientTags["otel.scope.name"]); // the exporter's own key replaces the attribute
        Assert.Equal("card declined", Tags(byName["charge"])["error"]); // no description: the attribute's message
        Assert.Equal("true", Tags(byName["validate"])["error"]); // no description, no attribute: never empty

        // Array tags: the text of a JSON array with plain quotes and the characters themselves.
        string labels = clientTags["labels"];
        Assert.DoesNotContain("\\u0022", labels);
        Assert.DoesNotContain("\\u00", labels);
        Assert.Equal("[\"a\\\"quoted\\\"\",\"Grüße\",\"naïve ü\"]", labels);
        Assert.Equal(["a\"quoted\"", "Grüße", "naïve ü"], JsonSerializer.Deserialize(labels, ZipkinTestJson.Default.StringArray)!);
        Assert.Equal("[true,false]", clientTags["flags"]);

        // Annotations: unique items; an event with attributes is JSON text with readable characters.
        var annotations = byName["POST"].GetProperty("annotations").EnumerateArray()
            .Select(a => (a.GetProperty("timestamp").GetInt64(), a.GetProperty("value").GetString()!)).ToArray();
        Assert.Equal(3, annotations.Length);
        Assert.Contains(annotations, a => a.Item2 == "{\"exception\":{\"exception.message\":\"Zeitüberschreitung \\\"x\\\"\"}}");
    }

    [Theory]
    [InlineData(0, 0, 1)]
    [InlineData(1_000, 1_999, 1)]
    [InlineData(0, 999, 1)]
    [InlineData(0, 1_000, 1)]
    [InlineData(0, 150_000_000, 150_000)]
    [InlineData(5_000, 1_000, 1)] // an end before the start (a clock step) still meets the minimum
    public void Duration_IsInMicroseconds_AndAtLeastOne(long start, long end, long expected)
    {
        Assert.Equal(expected, ZipkinJsonSerializer.DurationMicroseconds(start, end));
    }

    private static Dictionary<string, string> Tags(JsonElement span)
    {
        var tags = new Dictionary<string, string>();
        foreach (var p in span.GetProperty("tags").EnumerateObject())
        {
            Assert.True(tags.TryAdd(p.Name, p.Value.GetString()!), $"tag '{p.Name}' appears twice");
        }

        return tags;
    }

    /// <summary>The Span definition of zipkin2-api.yaml, rule by rule.</summary>
    private static void AssertSchemaSpan(JsonElement span)
    {
        Assert.Equal(JsonValueKind.Object, span.ValueKind);
        var seen = new HashSet<string>();
        foreach (var p in span.EnumerateObject())
        {
            Assert.True(seen.Add(p.Name), $"property '{p.Name}' appears twice");
            Assert.Contains(p.Name, s_spanProperties);
        }

        // required: traceId, id. traceId: 16 or 32 lower-case hex; id and parentId: 16 lower-case hex.
        Assert.Matches("^([a-f0-9]{16}|[a-f0-9]{32})$", span.GetProperty("traceId").GetString()!);
        Assert.Matches("^[a-f0-9]{16}$", span.GetProperty("id").GetString()!);
        if (span.TryGetProperty("parentId", out var parentId))
        {
            Assert.Matches("^[a-f0-9]{16}$", parentId.GetString()!);
        }

        if (span.TryGetProperty("name", out var name))
        {
            Assert.Equal(JsonValueKind.String, name.ValueKind);
        }

        if (span.TryGetProperty("kind", out var kind))
        {
            Assert.Contains(kind.GetString(), new[] { "CLIENT", "SERVER", "PRODUCER", "CONSUMER" });
        }

        // timestamp: int64 epoch microseconds (a value of this century, not nanoseconds or milliseconds).
        long timestamp = span.GetProperty("timestamp").GetInt64();
        Assert.InRange(timestamp, 946_684_800_000_000L, 4_102_444_800_000_000L);
        Assert.True(span.GetProperty("duration").TryGetInt64(out long duration));
        Assert.True(duration >= 1, "duration has a minimum of 1");

        foreach (var flag in new[] { "debug", "shared" })
        {
            if (span.TryGetProperty(flag, out var f))
            {
                Assert.True(f.ValueKind is JsonValueKind.True or JsonValueKind.False, flag + " is a boolean");
            }
        }

        foreach (var endpointName in new[] { "localEndpoint", "remoteEndpoint" })
        {
            if (span.TryGetProperty(endpointName, out var endpoint))
            {
                AssertSchemaEndpoint(endpoint);
            }
        }

        if (span.TryGetProperty("annotations", out var annotations))
        {
            Assert.Equal(JsonValueKind.Array, annotations.ValueKind);
            var unique = new HashSet<(long, string)>();
            foreach (var a in annotations.EnumerateArray())
            {
                Assert.Equal(JsonValueKind.Object, a.ValueKind);
                Assert.True(a.GetProperty("timestamp").TryGetInt64(out long at)); // required
                Assert.Equal(JsonValueKind.String, a.GetProperty("value").ValueKind); // required
                Assert.True(unique.Add((at, a.GetProperty("value").GetString()!)), "annotations are uniqueItems");
                Assert.Equal(2, a.EnumerateObject().Count());
            }
        }

        if (span.TryGetProperty("tags", out var tags))
        {
            // Tags: an object whose additionalProperties are strings; each key once.
            Assert.Equal(JsonValueKind.Object, tags.ValueKind);
            var keys = new HashSet<string>();
            foreach (var t in tags.EnumerateObject())
            {
                Assert.True(keys.Add(t.Name), $"tag '{t.Name}' appears twice");
                Assert.Equal(JsonValueKind.String, t.Value.ValueKind);
            }
        }
    }

    private static void AssertSchemaEndpoint(JsonElement endpoint)
    {
        Assert.Equal(JsonValueKind.Object, endpoint.ValueKind);
        foreach (var p in endpoint.EnumerateObject())
        {
            Assert.Contains(p.Name, s_endpointProperties);
        }

        if (endpoint.TryGetProperty("serviceName", out var service))
        {
            Assert.Equal(JsonValueKind.String, service.ValueKind);
        }

        if (endpoint.TryGetProperty("ipv4", out var ipv4))
        {
            Assert.True(System.Net.IPAddress.TryParse(ipv4.GetString(), out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork);
        }

        if (endpoint.TryGetProperty("ipv6", out var ipv6))
        {
            Assert.True(System.Net.IPAddress.TryParse(ipv6.GetString(), out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6);
        }

        if (endpoint.TryGetProperty("port", out var port))
        {
            Assert.True(port.TryGetInt32(out int n) && n is > 0 and <= 65535, "port is an integer, never zero");
        }
    }
}

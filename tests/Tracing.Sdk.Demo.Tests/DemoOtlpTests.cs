using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tracing.Sdk.TestSupport;
using Tracing.Sdk.TestSupport.Otlp;
using Xunit;

namespace Tracing.Sdk.Demo.Tests;

/// <summary>With OTLP configured, every demo service exports (the load generator included): each trace arrives whole.</summary>
public class DemoOtlpTests
{
    private static readonly TimeSpan Generous = TestTimeouts.ChildProcess;

    private sealed record ExportedSpan(string Service, string Name, string TraceId, string SpanId, string ParentSpanId, string? UrlFull);

    [Fact]
    public async Task Demo_WithOtlpConfigured_ExportsEveryTraceWhole_RootsIncluded_AndNoExportOfItsOwn()
    {
        await using var receiver = await OtlpReceiver.StartAsync(grpc: false);

        // The base URL: the exporter appends v1/traces to OTEL_EXPORTER_OTLP_ENDPOINT.
        string endpoint = new Uri(receiver.HttpEndpoint, "/").ToString();

        using (var demo = DemoProcess.Start(new ConcurrentDictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/json",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        }))
        {
            Assert.Equal(0, await demo.WaitForExitAsync(Generous));
        }

        var spans = receiver.JsonBodies.SelectMany(Parse).ToArray();
        Assert.Equal(
            ["frontend", "inventory", "load-generator", "orders", "pricing"],
            spans.Select(s => s.Service).Distinct().Order(StringComparer.Ordinal).ToArray());

        // Whole traces: every parent arrived, and each trace's one root is the load generator's span.
        var ids = spans.Select(s => s.SpanId).ToHashSet();
        Assert.All(spans.Where(s => s.ParentSpanId.Length > 0), s => Assert.Contains(s.ParentSpanId, ids));
        var roots = spans.Where(s => s.ParentSpanId.Length == 0).ToArray();
        Assert.Equal(3, roots.Length);
        Assert.All(roots, r => Assert.Equal("load-generator", r.Service));
        Assert.Equal(3, spans.Select(s => s.TraceId).Distinct().Count());

        // The exports themselves were never traced.
        Assert.DoesNotContain(spans, s => s.UrlFull?.Contains("/v1/traces", StringComparison.Ordinal) == true);
    }

    private static IEnumerable<ExportedSpan> Parse(string json)
    {
        var result = new List<ExportedSpan>();
        using var doc = JsonDocument.Parse(json);
        foreach (var resource in doc.RootElement.GetProperty("resourceSpans").EnumerateArray())
        {
            string service = Attribute(resource.GetProperty("resource"), "service.name") ?? string.Empty;
            foreach (var scope in resource.GetProperty("scopeSpans").EnumerateArray())
            {
                foreach (var span in scope.GetProperty("spans").EnumerateArray())
                {
                    result.Add(new ExportedSpan(
                        service,
                        span.GetProperty("name").GetString()!,
                        span.GetProperty("traceId").GetString()!,
                        span.GetProperty("spanId").GetString()!,
                        span.TryGetProperty("parentSpanId", out var parent) ? parent.GetString() ?? string.Empty : string.Empty,
                        Attribute(span, "url.full")));
                }
            }
        }

        return result;
    }

    private static string? Attribute(JsonElement owner, string key)
    {
        if (!owner.TryGetProperty("attributes", out var attributes))
        {
            return null;
        }

        foreach (var kv in attributes.EnumerateArray())
        {
            if (kv.GetProperty("key").GetString() == key && kv.GetProperty("value").TryGetProperty("stringValue", out var value))
            {
                return value.GetString();
            }
        }

        return null;
    }
}

using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Tracing.Sdk.TestSupport;
using Xunit;

namespace Tracing.Sdk.Demo.Tests;

public class DemoTests
{
    private static readonly TimeSpan Generous = TestTimeouts.ChildProcess;

    [Fact]
    public async Task Demo_PrintsEachTraceAsAWaterfall_AndExitsZero()
    {
        using var demo = DemoProcess.Start(null);
        Assert.Equal(0, await demo.WaitForExitAsync(Generous));
        string output = demo.Output;

        Assert.Contains("GET /checkout/1001 -> 200", output);
        Assert.Contains("GET /checkout/out-of-stock -> 502", output);
        Assert.Equal(3, output.Split('\n').Count(l => l.StartsWith("trace ", StringComparison.Ordinal)));
        foreach (var service in new[] { "[frontend]", "[orders]", "[inventory]", "[pricing]" })
        {
            Assert.Contains(service, output);
        }

        Assert.Contains("rpc.system=grpc", output);
        Assert.Contains("send confirmation", output);
        Assert.Contains("follows from GET /checkout/{id}", output);
        Assert.Contains("ERROR", output);
        Assert.Contains("in 3 traces from 5 services", output);
    }

    [Fact]
    public async Task Serve_DescribesContext_Hops_RunsTheTestProtocol_AndStopsOnSigterm()
    {
        using var downstream = DemoProcess.Start(new ConcurrentDictionary<string, string> { ["OTEL_SERVICE_NAME"] = "downstream" }, "serve", "--urls", "http://127.0.0.1:0");
        using var upstream = DemoProcess.Start(new ConcurrentDictionary<string, string> { ["OTEL_SERVICE_NAME"] = "upstream" }, "serve", "--urls", "http://127.0.0.1:0");
        string down = await downstream.ListeningAddressAsync(Generous);
        string up = await upstream.ListeningAddressAsync(Generous);
        using var http = new HttpClient { Timeout = Generous };

        // /context describes this request's server span, continuing the caller's trace.
        using (var request = new HttpRequestMessage(HttpMethod.Get, up + "/context"))
        {
            request.Headers.Add("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
            request.Headers.Add("tracestate", "rojo=00f067aa0ba902b7");
            request.Headers.Add("baggage", "user=alice%20b");
            using var response = await http.SendAsync(request);
            Assert.Equal(200, (int)response.StatusCode);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var root = json.RootElement;
            Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", root.GetProperty("traceId").GetString());
            Assert.Equal("00f067aa0ba902b7", root.GetProperty("parentSpanId").GetString());
            Assert.Equal(16, root.GetProperty("spanId").GetString()!.Length);
            Assert.True(root.GetProperty("sampled").GetBoolean());
            Assert.Equal("rojo=00f067aa0ba902b7", root.GetProperty("traceState").GetString());
            Assert.Equal("alice b", root.GetProperty("baggage").GetProperty("user").GetString());
        }

        // /hop calls downstream through the instrumented HttpClient: same trace, parent is the client span, not the server span.
        using (var request = new HttpRequestMessage(HttpMethod.Get, $"{up}/hop?to={Uri.EscapeDataString(down + "/context")}"))
        {
            request.Headers.Add("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
            request.Headers.Add("baggage", "k=v");
            using var response = await http.SendAsync(request);
            Assert.Equal(200, (int)response.StatusCode);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var app = json.RootElement.GetProperty("app");
            var downstreamBody = json.RootElement.GetProperty("downstream").GetProperty("body");
            Assert.Equal(200, json.RootElement.GetProperty("downstream").GetProperty("status").GetInt32());
            Assert.False(app.GetProperty("sampled").GetBoolean());
            Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", downstreamBody.GetProperty("traceId").GetString());
            Assert.False(downstreamBody.GetProperty("sampled").GetBoolean());
            Assert.NotEqual(app.GetProperty("spanId").GetString(), downstreamBody.GetProperty("parentSpanId").GetString());
            Assert.NotEqual(string.Empty, downstreamBody.GetProperty("parentSpanId").GetString());
            Assert.Equal("v", downstreamBody.GetProperty("baggage").GetProperty("k").GetString());
        }

        // /test posts each element's arguments, in order, then answers 200; an empty body answers at once.
        string body = $$"""[{"url": "{{down}}/test", "arguments": [{"url": "{{down}}/context", "arguments": []}]}]""";
        using (var response = await http.PostAsync(up + "/test", new StringContent(body, Encoding.UTF8, "application/json")))
        {
            Assert.Equal(200, (int)response.StatusCode);
        }

        using (var response = await http.PostAsync(up + "/test", new StringContent(string.Empty)))
        {
            Assert.Equal(200, (int)response.StatusCode);
        }

        upstream.Terminate();
        downstream.Terminate();
        Assert.Equal(0, await upstream.WaitForExitAsync(Generous));
        Assert.Equal(0, await downstream.WaitForExitAsync(Generous));
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading.Tasks;
using Tracing.Sdk.Exporting;
using Xunit;

namespace Tracing.Sdk.IntegrationTests;

public class HttpClientSpanTests
{
    private static TracerProvider Provider(List<SpanData> spans, Action<Tracing.Sdk.Instrumentation.Http.HttpClientInstrumentationOptions>? configure = null)
        => new TracerProviderBuilder().SetSettingsSource(_ => null).AddHttpClientInstrumentation(configure).AddInMemoryExporter(spans).Build();

    private static SpanData[] Snapshot(List<SpanData> spans)
    {
        lock (spans)
        {
            return [.. spans];
        }
    }

    [Fact]
    public async Task ClientSpan_FollowsTheStableConventions_AndRedactsCredentialsAndSecrets()
    {
        await using var b = await TestService.StartAsync("b", null, Services.MapEcho);
        var spans = new List<SpanData>();
        using (Provider(spans))
        {
            using var http = new HttpClient();
            var url = new Uri($"http://user:pw@127.0.0.1:{b.Address.Port}/echo?token=abc&x=1&API_KEY=k");
            await http.GetStringAsync(url);
        }

        var span = Assert.Single(Snapshot(spans));
        Assert.Equal("GET", span.Name);
        Assert.Equal(SpanKind.Client, span.Kind);
        Assert.Equal($"http://127.0.0.1:{b.Address.Port}/echo?token=REDACTED&x=1&API_KEY=REDACTED", span.GetAttribute("url.full")!.Value.AsString());
        Assert.Equal("GET", span.GetAttribute("http.request.method")!.Value.AsString());
        Assert.Equal("127.0.0.1", span.GetAttribute("server.address")!.Value.AsString());
        Assert.Equal(b.Address.Port, span.GetAttribute("server.port")!.Value.AsLong());
        Assert.Equal(200, span.GetAttribute("http.response.status_code")!.Value.AsLong());
        Assert.Equal("1.1", span.GetAttribute("network.protocol.version")!.Value.AsString());
        Assert.Equal(StatusCode.Unset, span.Status.Code);
        Assert.DoesNotContain(span.Attributes.ToArray(), kv => kv.Key.StartsWith("http.request.header.", StringComparison.Ordinal));
    }

    [Fact]
    public void RuntimeInjection_IsSilenced_WhileTheInstrumentationRuns_AndRestoredAfter()
    {
        var before = System.Diagnostics.DistributedContextPropagator.Current;
        var spans = new List<SpanData>();
        using (Provider(spans))
        {
            var during = System.Diagnostics.DistributedContextPropagator.Current;
            Assert.NotSame(before, during);
            var headers = new Dictionary<string, string>();
            using var activity = new System.Diagnostics.Activity("probe").Start();
            during.Inject(activity, headers, static (carrier, name, value) => ((Dictionary<string, string>)carrier!)[name] = value!);
            Assert.Empty(headers);
        }

        Assert.Same(before, System.Diagnostics.DistributedContextPropagator.Current);
    }

    [Fact]
    public async Task ErrorResponse_SetsErrorStatusAndType()
    {
        await using var b = await TestService.StartAsync("b", null, Services.MapEcho);
        var spans = new List<SpanData>();
        using (Provider(spans))
        {
            using var http = new HttpClient();
            await http.GetAsync(new Uri(b.Address, "/status/404"));
        }

        var span = Assert.Single(Snapshot(spans));
        Assert.Equal(StatusCode.Error, span.Status.Code);
        Assert.Equal("404", span.GetAttribute("error.type")!.Value.AsString());
    }

    [Fact]
    public async Task FailedRequest_RecordsTheException()
    {
        // A port nobody listens on: bind one, then release it.
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var spans = new List<SpanData>();
        using (Provider(spans))
        {
            using var http = new HttpClient();
            await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(new Uri($"http://127.0.0.1:{port}/")));
        }

        var span = Assert.Single(Snapshot(spans));
        Assert.Equal(StatusCode.Error, span.Status.Code);
        Assert.Equal(typeof(HttpRequestException).FullName, span.GetAttribute("error.type")!.Value.AsString());
        Assert.Contains(span.Events.ToArray(), e => e.Name == "exception");
    }

    [Fact]
    public async Task HeaderSetByTheCaller_IsRespected_AndSentOnce()
    {
        await using var b = await TestService.StartAsync("b", null, Services.MapEcho);
        var spans = new List<SpanData>();
        const string handMade = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        string echo;
        using (Provider(spans))
        {
            using var http = new HttpClient();
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(b.Address, "/echo"));
            request.Headers.TryAddWithoutValidation("traceparent", handMade);
            echo = await (await http.SendAsync(request)).Content.ReadAsStringAsync();
        }

        Assert.Equal([handMade], Services.HeaderValues(echo, "traceparent"));
    }

    [Fact]
    public async Task Filter_SkipsTheSpan_ButStillPropagatesTheParent_AndEnrichSeesRequestAndResponse()
    {
        await using var b = await TestService.StartAsync("b", null, Services.MapEcho);
        var spans = new List<SpanData>();
        string filteredEcho;
        using (var provider = Provider(spans, o =>
        {
            o.Filter = request => request.RequestUri!.Query != "?skip";
            o.EnrichWithRequest = (span, request) => span.SetAttribute("req", request.Method.Method);
            o.EnrichWithResponse = (span, response) => span.SetAttribute("resp", (int)response.StatusCode);
            o.CapturedResponseHeaders.Add("Content-Type");
        }))
        {
            using var http = new HttpClient();
            using var root = provider.GetTracer("test").StartActiveSpan("root");
            filteredEcho = await http.GetStringAsync(new Uri(b.Address, "/echo?skip"));
            await http.GetStringAsync(new Uri(b.Address, "/echo"));
        }

        var all = Snapshot(spans);
        var rootData = all.Single(s => s.Name == "root");
        var call = all.Single(s => s.Kind == SpanKind.Client);
        Assert.Equal(2, all.Length);
        Assert.Equal("GET", call.GetAttribute("req")!.Value.AsString());
        Assert.Equal(200, call.GetAttribute("resp")!.Value.AsLong());
        Assert.NotNull(call.GetAttribute("http.response.header.content-type"));
        var sent = Assert.Single(Services.HeaderValues(filteredEcho, "traceparent"));
        Assert.StartsWith($"00-{rootData.TraceId}-{rootData.SpanId}-", sent, StringComparison.Ordinal);
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading.Tasks;
using Grpc.Net.Client;
using Tracing.Sdk.Exporting;
using Tracing.Sdk.IntegrationTests.Greet;
using Xunit;

namespace Tracing.Sdk.IntegrationTests;

/// <summary><c>AddHttpClientInstrumentation</c> and <c>AddGrpcClientInstrumentation</c> are one instrumentation with one options object.</summary>
public class ClientInstrumentationSharingTests
{
    private static SpanData[] Snapshot(List<SpanData> spans)
    {
        lock (spans)
        {
            return [.. spans];
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task HttpClientFilter_HoldsWithGrpcInstrumentationAdded_InEitherOrder_AndAFailureHasOneExceptionEvent(bool grpcFirst)
    {
        await using var b = await TestService.StartAsync("service-b", null, Services.MapEcho);
        await using var greeter = await TestService.StartAsync("greeter", null, Services.MapGreeter, configureServices: Services.AddGrpc, http2Only: true);
        var spans = new List<SpanData>();
        var builder = new TracerProviderBuilder().SetSettingsSource(_ => null).SetServiceName("client");
        void Filtered() => builder.AddHttpClientInstrumentation(o => o.Filter = request => request.RequestUri!.AbsolutePath != "/status/204");
        if (grpcFirst)
        {
            builder.AddGrpcClientInstrumentation();
            Filtered();
        }
        else
        {
            Filtered();
            builder.AddGrpcClientInstrumentation();
        }

        using (var provider = builder.AddInMemoryExporter(spans).Build())
        using (var http = new HttpClient())
        {
            await http.GetStringAsync(new Uri(b.Address, "/echo"));
            using (var skipped = await http.GetAsync(new Uri(b.Address, "/status/204")))
            {
                Assert.Equal(HttpStatusCode.NoContent, skipped.StatusCode);
            }

            using (var channel = GrpcChannel.ForAddress(greeter.Address))
            {
                await new Greeter.GreeterClient(channel).SayHelloAsync(new HelloRequest { Name = "x" });
            }

            await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(new Uri($"http://127.0.0.1:{ClosedPort()}/refused")));
            Waiting.Until(() => Snapshot(spans).Length >= 3, "the client spans");
        }

        var all = Snapshot(spans);
        Assert.Equal(3, all.Length);
        Assert.Single(all, s => s.Name == "greet.Greeter/SayHello");
        var echo = Assert.Single(all, s => s.GetAttribute("url.full")?.AsString()?.EndsWith("/echo", StringComparison.Ordinal) == true);
        Assert.Equal(SpanKind.Client, echo.Kind);
        Assert.DoesNotContain(all, s => s.GetAttribute("url.full")?.AsString()?.Contains("/status/204", StringComparison.Ordinal) == true);
        var refused = Assert.Single(all, s => s.GetAttribute("url.full")?.AsString()?.EndsWith("/refused", StringComparison.Ordinal) == true);
        Assert.Equal(StatusCode.Error, refused.Status.Code);
        Assert.Single(refused.Events.ToArray(), e => e.Name == "exception");
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

using System;
using System.Collections.Concurrent;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Tracing.Sdk.Demo.Tests;

/// <summary>A real OTLP/HTTP receiver on Kestrel (127.0.0.1, a free port) that keeps each request's raw protobuf body.</summary>
internal sealed class HttpTraceReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private HttpTraceReceiver(WebApplication app) => _app = app;

    public ConcurrentQueue<byte[]> Bodies { get; } = new();

    public string Endpoint { get; private set; } = string.Empty;

    /// <summary>All bodies as Latin-1 text: protobuf strings (service name, span names) appear in it verbatim.</summary>
    public string Text => string.Concat(Bodies.Select(b => Encoding.Latin1.GetString(b)));

    public static async Task<HttpTraceReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new HttpTraceReceiver(app);
        app.MapPost("/v1/traces", async (HttpRequest request, HttpResponse response) =>
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer);
            receiver.Bodies.Enqueue(buffer.ToArray());
            response.ContentType = "application/x-protobuf";

            // An empty ExportTraceServiceResponse: full success.
            await response.Body.FlushAsync();
        });
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Endpoint = address;
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

using System;
using System.Collections.Concurrent;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tracing.Sdk.TestSupport;

namespace Tracing.Sdk.Exporter.Zipkin.Tests;

/// <summary>A real Zipkin endpoint on Kestrel (127.0.0.1, a free port) that keeps every body; queued statuses answer first.</summary>
public sealed class ZipkinReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly SemaphoreSlim _arrived = new(0);
    private int _attempts;

    private ZipkinReceiver()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _app = builder.Build();
        _app.MapPost("/api/v2/spans", async context =>
        {
            Interlocked.Increment(ref _attempts);
            if (Faults.TryDequeue(out var status))
            {
                context.Response.StatusCode = status;
                return;
            }

            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            Bodies.Enqueue(await reader.ReadToEndAsync());
            ContentTypes.Enqueue(context.Request.ContentType ?? string.Empty);
            context.Response.StatusCode = 202;
            _arrived.Release();
        });
    }

    public Uri Endpoint { get; private set; } = null!;

    public ConcurrentQueue<int> Faults { get; } = new();

    public ConcurrentQueue<string> Bodies { get; } = new();

    public ConcurrentQueue<string> ContentTypes { get; } = new();

    public int Attempts => Volatile.Read(ref _attempts);

    public static async Task<ZipkinReceiver> StartAsync()
    {
        var receiver = new ZipkinReceiver();
        await receiver._app.StartAsync();
        var address = receiver._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Endpoint = new Uri(new Uri(address), "/api/v2/spans");
        return receiver;
    }

    public async Task WaitForRequestsAsync(int count)
    {
        for (int i = 0; i < count; i++)
        {
            Assert.True(await _arrived.WaitAsync(TestTimeouts.InProcess), "the receiver got fewer requests than expected");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tracing.Sdk.Exporting;

namespace Tracing.Sdk.IntegrationTests;

/// <summary>A service of its own in this process: a Kestrel app on 127.0.0.1, port 0, traced by its own provider.</summary>
public sealed class TestService : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestService(WebApplication app, string name, List<SpanData> spans)
    {
        _app = app;
        Name = name;
        Spans = spans;
    }

    public string Name { get; }

    /// <summary>Everything this service's provider exported.</summary>
    public List<SpanData> Spans { get; }

    public Uri Address { get; private set; } = null!;

    public IServiceProvider Services => _app.Services;

    public static async Task<TestService> StartAsync(
        string name,
        string? propagators,
        Action<WebApplication> map,
        Action<TracerProviderBuilder>? configureTracing = null,
        Action<IServiceCollection>? configureServices = null,
        bool http2Only = false)
    {
        var spans = new List<SpanData>();
        var builder = TestHosts.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = http2Only ? HttpProtocols.Http2 : HttpProtocols.Http1AndHttp2));
        builder.Configuration["Tracing:ServiceName"] = name;
        if (propagators is not null)
        {
            builder.Configuration["Tracing:Propagators"] = propagators;
        }

        builder.Services.AddHttpClient();
        configureServices?.Invoke(builder.Services);
        builder.Services.AddTracing(b =>
        {
            b.AddInMemoryExporter(spans);
            configureTracing?.Invoke(b);
        });

        var app = builder.Build();
        map(app);
        await app.StartAsync();
        var service = new TestService(app, name, spans);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        service.Address = new Uri(address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal));
        return service;
    }

    public SpanData[] Snapshot()
    {
        lock (Spans)
        {
            return [.. Spans];
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tracing.Sdk.Exporting;
using Tracing.Sdk.Sampling;
using Xunit;

namespace Tracing.Sdk.IntegrationTests;

/// <summary>The Jaeger remote sampler against a real HTTP server (Kestrel on loopback) serving strategy JSON.</summary>
public class JaegerRemoteSamplerTests
{
    private const string PerOperation = """
        {"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.5},
         "operationSampling":{"defaultSamplingProbability":0,"defaultLowerBoundTracesPerSecond":0,
           "perOperationStrategies":[{"operation":"GET /orders/{id}","probabilisticSampling":{"samplingRate":1}},
                                     {"operation":"checkout","probabilisticSampling":{"samplingRate":1}}]}}
        """;

    /// <summary>A strategy endpoint whose answer a test changes; it counts the requests it answers.</summary>
    private sealed class StrategyServer : IAsyncDisposable
    {
        private WebApplication? _app;
        private int _requests;

        public volatile string Answer = PerOperation;

        public string? LastService { get; private set; }

        public int Requests => Volatile.Read(ref _requests);

        public Uri Address { get; private set; } = null!;

        public static async Task<StrategyServer> StartAsync()
        {
            var server = new StrategyServer();
            var builder = TestHosts.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
            var app = builder.Build();
            app.MapGet("/sampling", (HttpContext context) =>
            {
                server.LastService = context.Request.Query["service"];
                Interlocked.Increment(ref server._requests);
                return Results.Text(server.Answer, "application/json");
            });
            await app.StartAsync();
            server._app = app;
            server.Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
            return server;
        }

        public async Task StopAsync()
        {
            if (_app is { } app)
            {
                _app = null;
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }

        public ValueTask DisposeAsync() => new(StopAsync());
    }

    private static int SampledOf(Tracer tracer, string name, int count)
    {
        int sampled = 0;
        for (int i = 0; i < count; i++)
        {
            var span = tracer.StartRootSpan(name);
            if (span.Context.IsSampled)
            {
                sampled++;
            }

            span.End();
        }

        return sampled;
    }

    /// <summary>Waits for two more completed polls: the first may have been in flight when the answer changed.</summary>
    private static void WaitForNextPoll(JaegerRemoteSampler sampler)
    {
        long now = sampler.Polls;
        Waiting.Until(() => sampler.Polls >= now + 2, "the next poll");
    }

    [Fact]
    public async Task PerOperationRates_StrategyChanges_GarbageAndADeadEndpoint()
    {
        await using var server = await StrategyServer.StartAsync();
        using var sampler = new JaegerRemoteSampler(new JaegerRemoteSamplerOptions
        {
            Endpoint = server.Address,
            ServiceName = "orders-api",
            PollingInterval = TimeSpan.FromMilliseconds(200),
            InitialSamplingRate = 0,
        });
        using var provider = new TracerProviderBuilder().SetSettingsSource(_ => null).SetSampler(sampler).Build();
        var tracer = provider.GetTracer("jaeger");

        // The per-operation strategy: the listed operation always, others never (probability 0, no lower bound).
        Waiting.Until(() => sampler.Strategy.StartsWith("perOperation", StringComparison.Ordinal), "the per-operation strategy");
        Assert.Equal("orders-api", server.LastService);
        Assert.Equal(200, SampledOf(tracer, "checkout", 200));
        Assert.Equal(0, SampledOf(tracer, "browse", 200));

        // A change is picked up on the next poll.
        server.Answer = """{"strategyType":1,"rateLimitingSampling":{"maxTracesPerSecond":0}}""";
        WaitForNextPoll(sampler);
        Assert.Equal("rateLimiting{0}", sampler.Strategy);
        Assert.Equal(0, SampledOf(tracer, "checkout", 50));

        server.Answer = """{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":1}}""";
        WaitForNextPoll(sampler);
        Assert.Equal("probabilistic{1}", sampler.Strategy);

        // Garbage keeps the last good strategy.
        long failures = sampler.Failures;
        server.Answer = "<html>502 Bad Gateway</html>";
        Waiting.Until(() => sampler.Failures >= failures + 2, "the garbage answers");
        Assert.Equal("probabilistic{1}", sampler.Strategy);
        Assert.Equal(50, SampledOf(tracer, "browse", 50));

        // So does a dead endpoint.
        await server.StopAsync();
        failures = sampler.Failures;
        Waiting.Until(() => sampler.Failures >= failures + 2, "the failed polls");
        Assert.Equal("probabilistic{1}", sampler.Strategy);
        Assert.Equal(50, SampledOf(tracer, "browse", 50));

        // The provider owns the sampler: its shutdown stops the polling loop.
        Assert.True(sampler.IsPolling);
        provider.Dispose();
        Assert.False(sampler.IsPolling);
    }

    [Fact]
    public async Task PerOperationRate_AppliesToServerSpans_ByRouteBasedName()
    {
        await using var strategies = await StrategyServer.StartAsync();
        var spans = new List<SpanData>();
        var builder = TestHosts.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Configuration["Tracing:ServiceName"] = "orders-api";
        builder.Configuration["Tracing:Sampler"] = "parentbased_jaeger_remote";
        builder.Configuration["Tracing:SamplerArgument"] = $"endpoint={strategies.Address},pollingIntervalMs=200,initialSamplingRate=0";
        builder.Services.AddTracing(b => b.AddAspNetCoreInstrumentation().AddInMemoryExporter(spans));
        var app = builder.Build();
        app.MapGet("/orders/{id}", (string id) => id);
        app.MapGet("/other", () => "other");
        await app.StartAsync();
        try
        {
            var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
            var provider = app.Services.GetRequiredService<TracerProvider>();
            Waiting.Until(() => provider.Sampler.Description.Contains("perOperation", StringComparison.Ordinal), "the strategy");
            Assert.Equal("orders-api", strategies.LastService);
            using var http = new HttpClient();
            for (int i = 0; i < 10; i++)
            {
                (await http.GetAsync(new Uri(address, "/orders/" + i))).EnsureSuccessStatusCode();
                (await http.GetAsync(new Uri(address, "/other"))).EnsureSuccessStatusCode();
            }

            Waiting.Until(() => { lock (spans) { return spans.Count >= 10; } }, "ten GET /orders/{id} spans");
            lock (spans)
            {
                Assert.All(spans, s => Assert.Equal("GET /orders/{id}", s.Name));
                Assert.Equal(10, spans.Count);
            }
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task ThePollsThemselves_AreNotTraced_ByTheHttpClientInstrumentation()
    {
        await using var server = await StrategyServer.StartAsync();
        var spans = new List<SpanData>();
        var sampler = new JaegerRemoteSampler(new JaegerRemoteSamplerOptions { Endpoint = server.Address, ServiceName = "quiet", PollingInterval = TimeSpan.FromMilliseconds(100), InitialSamplingRate = 1 });
        using (var provider = new TracerProviderBuilder().SetSettingsSource(_ => null).SetSampler(Sampler.AlwaysOn).AddHttpClientInstrumentation().AddInMemoryExporter(spans).Build())
        {
            using (sampler)
            {
                Waiting.Until(() => sampler.Polls >= 3, "three polls");
            }

            // The instrumentation does trace an ordinary call to the same server (so the check above means something).
            using var http = new HttpClient();
            (await http.GetAsync(new Uri(server.Address, "/sampling?service=app"))).EnsureSuccessStatusCode();
            Waiting.Until(() => { lock (spans) { return spans.Count >= 1; } }, "the application's own call");
        }

        lock (spans)
        {
            var call = Assert.Single(spans);
            Assert.Equal(SpanKind.Client, call.Kind);
        }
    }
}

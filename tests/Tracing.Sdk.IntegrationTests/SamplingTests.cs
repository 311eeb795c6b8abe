using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tracing.Sdk.Exporting;
using Tracing.Sdk.Sampling;
using Xunit;

namespace Tracing.Sdk.IntegrationTests;

/// <summary>Sampling on what the request is, through real Kestrel on loopback and a real HttpClient.</summary>
public class SamplingTests
{
    private const ulong Mask = (1UL << 56) - 1;

    private static async Task<(WebApplication App, Uri Address, List<SpanData> Spans)> StartAsync(
        Action<ConfigurationManager>? configure,
        Action<TracerProviderBuilder>? tracing = null,
        ILoggerProvider? logs = null)
    {
        var spans = new List<SpanData>();
        var builder = TestHosts.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }

        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Configuration["Tracing:ServiceName"] = "sampled";
        configure?.Invoke(builder.Configuration);
        builder.Services.AddTracing(b =>
        {
            b.AddAspNetCoreInstrumentation().AddInMemoryExporter(spans);
            tracing?.Invoke(b);
        });
        var app = builder.Build();
        var tracer = new Lazy<Tracer>(() => app.Services.GetRequiredService<TracerProvider>().GetTracer("handler"));
        app.MapGet("/health", () => "ok");
        app.MapGet("/orders/{id}", (string id) =>
        {
            using var scope = tracer.Value.StartActiveSpan("load order");
            return "order " + id;
        });
        app.MapPost("/orders/{id}", (string id) => "posted " + id);
        app.MapGet("/other", () => "other");
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new Uri(address), spans);
    }

    private static SpanData[] Snapshot(List<SpanData> spans)
    {
        lock (spans)
        {
            return [.. spans];
        }
    }

    private static async Task SendAsync(HttpClient http, HttpMethod method, Uri uri, string? traceparent = null, string? tracestate = null)
    {
        using var request = new HttpRequestMessage(method, uri);
        if (traceparent is not null)
        {
            request.Headers.TryAddWithoutValidation("traceparent", traceparent);
        }

        if (tracestate is not null)
        {
            request.Headers.TryAddWithoutValidation("tracestate", tracestate);
        }

        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }

    private static async Task StopAsync(WebApplication app)
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    [Fact]
    public async Task HealthRulePlusHalfRatio_GivesNoHealthSpans_AndHalfOf2000OtherRequests()
    {
        // "rules" (not parent-based) decides for every request, so requests can carry trace ids chosen here, whose
        // decision is known in advance: the test checks the sampler's exact decisions, not a random draw.
        var (app, address, spans) = await StartAsync(c =>
        {
            c["Tracing:Sampler"] = "rules";
            c["Tracing:SamplerArgument"] = "path=/health=>drop; =>ratio:0.5";
        });
        try
        {
            using var http = new HttpClient();
            var random = new Random(2026);
            var ids = new List<string>();
            int expected = 0;
            for (int i = 0; i < 2000; i++)
            {
                ulong high = (ulong)random.NextInt64(), low = (ulong)random.NextInt64();
                ids.Add($"{high:x16}{low:x16}");
                if ((low & Mask) >= 1UL << 55)
                {
                    expected++;
                }
            }

            Assert.InRange(expected, 960, 1040); // the seeded ids themselves are a fair draw: 50% ± 2%

            for (int i = 0; i < ids.Count; i += 8)
            {
                await Task.WhenAll(ids.Skip(i).Take(8).Select(id => SendAsync(http, HttpMethod.Get, new Uri(address, "/orders/" + id[..6]), $"00-{id}-00f067aa0ba902b7-02")));
                await SendAsync(http, HttpMethod.Get, new Uri(address, "/health"), $"00-{ids[i]}-00f067aa0ba902b7-02");
            }

            Waiting.Until(() => Snapshot(spans).Count(s => s.Kind == SpanKind.Server) >= expected, expected + " server spans");
            var server = Snapshot(spans).Where(s => s.Kind == SpanKind.Server).ToArray();
            Assert.DoesNotContain(server, s => s.Name == "GET /health");
            Assert.Equal(expected, server.Length);
            Assert.All(server, s => Assert.True((s.TraceId.Low & Mask) >= 1UL << 55));
            Assert.InRange(server.Length / 2000.0, 0.48, 0.52);
        }
        finally
        {
            await StopAsync(app);
        }
    }

    [Fact]
    public async Task RouteRule_MatchesGetOrdersId_OnceRoutingHasChosenTheEndpoint()
    {
        var (app, address, spans) = await StartAsync(c =>
        {
            c["Tracing:Sampler"] = "parentbased_rules";
            c["Tracing:SamplerArgument"] = "method=GET,route=/orders/{id}=>always; =>drop";
        });
        try
        {
            using var http = new HttpClient();
            for (int i = 0; i < 5; i++)
            {
                await SendAsync(http, HttpMethod.Get, new Uri(address, "/orders/" + i));
                await SendAsync(http, HttpMethod.Post, new Uri(address, "/orders/" + i));
                await SendAsync(http, HttpMethod.Get, new Uri(address, "/other"));
            }

            Waiting.Until(() => Snapshot(spans).Count(s => s.Kind == SpanKind.Server) >= 5, "five GET /orders/{id} spans");
            var all = Snapshot(spans);
            var server = all.Where(s => s.Kind == SpanKind.Server).ToArray();
            Assert.All(server, s => Assert.Equal("GET /orders/{id}", s.Name));
            Assert.Equal(5, server.Length);

            // The late decision came before the handler ran: its child spans are sampled with it, in the same trace.
            Waiting.Until(() => Snapshot(spans).Count(s => s.Name == "load order") >= 5, "the handler's spans");
            foreach (var child in Snapshot(spans).Where(s => s.Name == "load order"))
            {
                Assert.Contains(server, s => s.SpanId == child.ParentSpanId && s.TraceId == child.TraceId);
            }
        }
        finally
        {
            await StopAsync(app);
        }
    }

    [Fact]
    public async Task UpstreamOtTh_IsHonouredDownstream_AndCanOnlyBeLowered()
    {
        // Downstream would sample everything (1.0) or a tenth (0.1); upstream sampled at 0.25 (th:c).
        var (full, fullAddress, fullSpans) = await StartAsync(null, b => b.SetSampler(Sampler.ConsistentParentBased(1.0)));
        var (tenth, tenthAddress, tenthSpans) = await StartAsync(null, b => b.SetSampler(Sampler.ConsistentParentBased(0.1)));
        try
        {
            using var http = new HttpClient();
            var random = new Random(7);
            int expectedTenth = 0;
            const int Requests = 200;
            for (int i = 0; i < Requests; i++)
            {
                // Upstream sampled these (R >= c0..., as a peer writing ot=th:c would have).
                ulong low = 0xc0000000000000UL + ((ulong)random.NextInt64() & ((1UL << 54) - 1));
                string id = $"{(ulong)random.NextInt64():x16}{low:x16}";
                if (low >= 0xe6666666666666UL)
                {
                    expectedTenth++;
                }

                string parent = $"00-{id}-00f067aa0ba902b7-03";
                await SendAsync(http, HttpMethod.Get, new Uri(fullAddress, "/other"), parent, "ot=th:c,vendor=v1");
                await SendAsync(http, HttpMethod.Get, new Uri(tenthAddress, "/other"), parent, "ot=th:c,vendor=v1");
            }

            Waiting.Until(() => Snapshot(fullSpans).Length >= Requests, "every upstream-sampled request");
            Waiting.Until(() => Snapshot(tenthSpans).Length >= expectedTenth, "the lowered share");
            Assert.All(Snapshot(fullSpans), s => Assert.Equal("ot=th:c,vendor=v1", s.Context.TraceState?.ToString()));
            var lowered = Snapshot(tenthSpans);
            Assert.Equal(expectedTenth, lowered.Length);
            Assert.All(lowered, s => Assert.Equal("ot=th:e6666666666666,vendor=v1", s.Context.TraceState?.ToString()));
        }
        finally
        {
            await StopAsync(full);
            await StopAsync(tenth);
        }
    }

    private sealed class CapturedLogs : ILoggerProvider, ILogger
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => categoryName == "Tracing.Sdk.Sampling" ? this : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => Lines.Enqueue(logLevel + ": " + formatter(state, exception));

        public void Dispose()
        {
        }
    }

    [Fact]
    public async Task ChangingTheConfigurationFile_FlipsTheRatioOnARunningApp_WithOneLogLine()
    {
        string dir = Path.Combine(Path.GetTempPath(), "tracing-sampling-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        string file = Path.Combine(dir, "sampling.json");
        static string Json(double ratio) =>
            "{\"Tracing\":{\"Sampling\":{\"ParentBased\":true,\"Rules\":[{\"Path\":\"/health\",\"Ratio\":0}],\"Default\":{\"Ratio\":" + ratio.ToString(System.Globalization.CultureInfo.InvariantCulture) + "}}}}";
        void Write(string text)
        {
            // Written aside and renamed over the file, so a reload never reads a half-written file.
            File.WriteAllText(file + ".tmp", text);
            File.Move(file + ".tmp", file, overwrite: true);
        }

        File.WriteAllText(file, Json(0));
        var logs = new CapturedLogs();
        var (app, address, spans) = await StartAsync(c => c.AddJsonFile(file, optional: false, reloadOnChange: true), logs: logs);
        try
        {
            var provider = app.Services.GetRequiredService<TracerProvider>();
            Assert.StartsWith("ParentBased{root:RuleBased{path=/health=>drop;default=>drop}", provider.Sampler.Description);
            using var http = new HttpClient();
            for (int i = 0; i < 20; i++)
            {
                await SendAsync(http, HttpMethod.Get, new Uri(address, "/other"));
            }

            Write(Json(1));
            Waiting.Until(() => provider.Sampler.Description.Contains("default=>always", StringComparison.Ordinal), "the reloaded sampler");
            for (int i = 0; i < 20; i++)
            {
                await SendAsync(http, HttpMethod.Get, new Uri(address, "/other"));
                await SendAsync(http, HttpMethod.Get, new Uri(address, "/health"));
            }

            Waiting.Until(() => Snapshot(spans).Length >= 20, "20 spans after the flip");
            Assert.Equal(20, Snapshot(spans).Count(s => s.Name == "GET /other"));
            Assert.DoesNotContain(Snapshot(spans), s => s.Name == "GET /health");
            var line = Assert.Single(logs.Lines, l => l.Contains("changed", StringComparison.Ordinal));
            Assert.Contains("default=>drop", line);
            Assert.Contains("default=>always", line);

            // A broken file keeps the sampler in force.
            Write("{\"Tracing\":{\"Sampling\":{\"Rules\":[{\"Path\":\"/x\",\"Ratio\":7}]}}}");
            Waiting.Until(() => logs.Lines.Any(l => l.StartsWith("Warning", StringComparison.Ordinal)), "the warning for the invalid file");
            Assert.Contains("default=>always", provider.Sampler.Description);
        }
        finally
        {
            await StopAsync(app);
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task ASamplerSetInCode_WinsOverTheConfiguration_AndIsNeverReplacedByAReload()
    {
        ConfigurationManager? configuration = null;
        var (app, _, _) = await StartAsync(c =>
        {
            configuration = c;
            c["Tracing:Sampling:Default:Ratio"] = "0";
        }, b => b.SetSampler(Sampler.AlwaysOn));
        try
        {
            var provider = app.Services.GetRequiredService<TracerProvider>();
            Assert.Equal("AlwaysOnSampler", provider.Sampler.Description);
            configuration!["Tracing:Sampling:Default:Ratio"] = "0.5";
            Assert.Equal("AlwaysOnSampler", provider.Sampler.Description);
        }
        finally
        {
            await StopAsync(app);
        }
    }

    [Fact]
    public async Task AnUpstreamServiceRatio_TravelsAsOtTh_AndTheDownstreamServiceFollowsIt()
    {
        // Downstream: consistent, parent-based, would take everything. Upstream: a quarter of its traces, calling
        // downstream through the HttpClient instrumentation, which writes traceparent and tracestate (ot=th:c).
        var (down, downAddress, downSpans) = await StartAsync(null, b => b.SetSampler(Sampler.ConsistentParentBased(1.0)));
        var (up, upAddress, upSpans) = await StartAsync(null, b => b.SetSampler(Sampler.ParentBased(Sampler.TraceIdRatio(0.25))).AddHttpClientInstrumentation());
        try
        {
            var tracer = up.Services.GetRequiredService<TracerProvider>().GetTracer("upstream");
            using var http = new HttpClient();
            int sampled = 0;
            for (int i = 0; i < 200; i++)
            {
                using var scope = tracer.StartActiveSpan("job", SpanKind.Internal);
                if (scope.Span.Context.IsSampled)
                {
                    sampled++;
                }

                await SendAsync(http, HttpMethod.Get, new Uri(downAddress, "/other"));
            }

            Assert.InRange(sampled, 1, 199);
            Waiting.Until(() => Snapshot(downSpans).Length >= sampled, "the downstream spans of the sampled traces");
            var downstream = Snapshot(downSpans);
            Assert.Equal(sampled, downstream.Length);
            Assert.All(downstream, s => Assert.Equal("ot=th:c", s.Context.TraceState?.ToString()));
            Waiting.Until(() => Snapshot(upSpans).Count(s => s.Name == "job") >= sampled, "the upstream spans");
            var upstreamTraces = Snapshot(upSpans).Where(s => s.Name == "job").Select(s => s.TraceId).ToHashSet();
            Assert.All(downstream, s => Assert.Contains(s.TraceId, upstreamTraces));
        }
        finally
        {
            await StopAsync(up);
            await StopAsync(down);
        }
    }
}

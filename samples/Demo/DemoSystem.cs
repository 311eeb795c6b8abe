using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Demo.Pricing;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tracing.Sdk;
using Tracing.Sdk.Exporting;
using Trace = Tracing.Sdk.Trace;

namespace Demo;

/// <summary>
/// Four services in one process on loopback ports — a frontend that calls orders and inventory over HTTP and pricing
/// over gRPC — each with its own tracer provider, as separate deployments would have. Every provider also hands its
/// spans to one shared list, so the whole cross-service trace can be drawn at the end.
/// </summary>
internal static class DemoSystem
{
    private static readonly ActivitySource s_jobs = new("Demo.Jobs", "1.0.0");

    public static async Task<int> RunAsync()
    {
        var started = Stopwatch.StartNew();
        var spans = new List<SpanData>();

        var orders = CreateService("orders", spans, app =>
        {
            var tracer = Tracer(app, "Demo.Orders");
            app.MapGet("/orders/{id}", async (string id) =>
            {
                using var query = tracer.StartSpan("SELECT orders", SpanKind.Client);
                query.SetAttribute("db.system", "postgresql");
                query.SetAttribute("db.operation.name", "SELECT");
                await Task.Delay(8);
                return Results.Ok(new { id, items = 3 });
            });
        });

        var inventory = CreateService("inventory", spans, app =>
        {
            app.MapGet("/inventory/{id}", async (string id) =>
            {
                await Task.Delay(5);
                // The failing call: this item's warehouse is unreachable.
                return id == "out-of-stock" ? Results.StatusCode(503) : Results.Ok(new { id, inStock = true });
            });
        });

        var pricing = CreateService("pricing", spans, app => app.MapGrpcService<PricingService>(), http2: true);

        await Task.WhenAll(orders.StartAsync(), inventory.StartAsync(), pricing.StartAsync());

        var jobs = Channel.CreateUnbounded<SpanContext>();
        var jobsDone = new CountdownEvent(1); // one for the driver, released when it has sent every request
        var frontend = CreateService("frontend", spans, app =>
        {
            var tracer = Tracer(app, "Demo.Frontend");
            var http = new HttpClient();
            var channel = GrpcChannel.ForAddress(Url(pricing));
            var pricingClient = new Pricing.Pricing.PricingClient(channel);
            app.MapGet("/checkout/{id}", async (string id) =>
            {
                using (var validate = tracer.StartActiveSpan("validate cart"))
                {
                    await Task.Delay(3);
                }

                // Orders and inventory in parallel; both calls are children of this request's server span.
                var order = http.GetAsync($"{Url(orders)}/orders/{id}");
                var stock = http.GetAsync($"{Url(inventory)}/inventory/{id}");
                await Task.WhenAll(order, stock);
                var price = await pricingClient.GetPriceAsync(new PriceRequest { OrderId = id, Items = 3 });

                // A confirmation job queued by this request: it follows from the request, which does not wait for it.
                jobsDone.AddCount();
                jobs.Writer.TryWrite(Tracing.Sdk.Tracer.CurrentSpan.Context);

                if (!stock.Result.IsSuccessStatusCode)
                {
                    return Results.Problem("inventory unavailable", statusCode: 502);
                }

                return Results.Ok(new { id, price.Cents, price.Currency });
            });

            // The job worker: an ActivitySource, as a library would use, bridged into the same trace.
            _ = Task.Run(async () =>
            {
                await foreach (var request in jobs.Reader.ReadAllAsync())
                {
                    await Task.Delay(10);
                    using (var job = s_jobs.StartActivity("send confirmation", ActivityKind.Consumer, request.ToActivityContext(),
                        links: [new ActivityLink(request.ToActivityContext(), new ActivityTagsCollection { [Link.RefTypeKey] = "follows_from" })]))
                    {
                        job?.SetTag("messaging.system", "in-memory");
                        await Task.Delay(6);
                    }

                    jobsDone.Signal();
                }
            });
        }, sources: ["Demo.Jobs"]);
        await frontend.StartAsync();

        // A load generator, itself a traced client, drives a handful of requests; one fails downstream.
        using (var driver = new TracerProviderBuilder().SetServiceName("load-generator").AddHttpClientInstrumentation().AddInMemoryExporter(spans)
            .ExportOverOtlpWhenConfigured().Build())
        using (var client = new HttpClient())
        {
            var tracer = driver.GetTracer("Demo.LoadGenerator", "1.0.0");
            foreach (string id in new[] { "1001", "1002", "out-of-stock" })
            {
                using var scope = tracer.StartActiveSpan($"checkout {id}");
                using var response = await client.GetAsync($"{Url(frontend)}/checkout/{id}");
                Console.WriteLine($"GET /checkout/{id} -> {(int)response.StatusCode}");
            }
        }

        jobsDone.Signal();
        if (!jobsDone.Wait(TimeSpan.FromSeconds(30)))
        {
            Console.WriteLine("warning: confirmation jobs did not finish within 30 s");
        }

        jobs.Writer.Complete();

        // Stopping each host flushes and shuts down its tracer provider.
        foreach (var app in new[] { frontend, pricing, inventory, orders })
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        List<SpanData> all;
        lock (spans)
        {
            all = [.. spans];
        }

        Console.WriteLine();
        foreach (var trace in Trace.FromSpans(all))
        {
            Console.WriteLine(WaterfallFormatter.Format(trace));
        }

        Console.WriteLine($"{all.Count} spans in {Trace.FromSpans(all).Count} traces from 5 services; done in {started.Elapsed.TotalSeconds:0.0} s.");
        if (DemoTracing.OtlpConfigured)
        {
            Console.WriteLine("Also exported over OTLP to " + (Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
                ?? Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")));
        }

        return 0;
    }

    private static WebApplication CreateService(string name, List<SpanData> sink, Action<WebApplication> map, bool http2 = false, string[]? sources = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = http2 ? HttpProtocols.Http2 : HttpProtocols.Http1AndHttp2));
        if (http2)
        {
            builder.Services.AddGrpc();
        }

        builder.Services.AddTracing(t => t.SetServiceName(name).Instrument(sources ?? []).AddInMemoryExporter(sink));
        var app = builder.Build();
        map(app);
        return app;
    }

    private static Tracer Tracer(WebApplication app, string scope)
        => app.Services.GetRequiredService<TracerProvider>().GetTracer(scope, "1.0.0");

    private static string Url(WebApplication app) => app.Urls.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal);

    private sealed class PricingService : Pricing.Pricing.PricingBase
    {
        private readonly Tracer _tracer;

        public PricingService(TracerProvider provider) => _tracer = provider.GetTracer("Demo.Pricing", "1.0.0");

        public override async Task<PriceReply> GetPrice(PriceRequest request, ServerCallContext context)
        {
            using var span = _tracer.StartSpan("apply discounts");
            span.SetAttribute("order.items", request.Items);
            await Task.Delay(4);
            return new PriceReply { Cents = 4200L * request.Items, Currency = "EUR" };
        }
    }
}

internal static class SpanContextExtensions
{
    public static ActivityContext ToActivityContext(this SpanContext context)
        => new(context.TraceId.ToActivityTraceId(), context.SpanId.ToActivitySpanId(),
            context.IsSampled ? ActivityTraceFlags.Recorded : ActivityTraceFlags.None, context.TraceState?.ToString(), isRemote: false);
}

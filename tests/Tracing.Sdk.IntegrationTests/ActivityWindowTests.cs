using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Threading.Tasks;
using Tracing.Sdk.Exporting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Xunit;

namespace Tracing.Sdk.IntegrationTests;

/// <summary><see cref="Activity.Current"/> in a handler is a window onto the server span: what is written there is exported.</summary>
public class ActivityWindowTests
{
    private static readonly ActivityTraceId LinkedTrace = ActivityTraceId.CreateFromString("0af7651916cd43dd8448eb211c80319c");
    private static readonly ActivitySpanId LinkedSpan = ActivitySpanId.CreateFromString("b7ad6b7169203331");

    private static void Map(WebApplication app)
    {
        app.MapGet("/enrich", async () =>
        {
            var activity = Activity.Current!;
            string decision = activity.Recorded + "|" + activity.IsAllDataRequested;

            // Written after an await, as middleware and libraries do.
            await Task.Yield();
            activity = Activity.Current!;
            activity.SetTag("app.order", "o-17");
            activity.SetTag("app.items", 3);
            activity.AddEvent(new ActivityEvent("app.checkpoint", tags: new ActivityTagsCollection { ["step"] = "priced" }));
            activity.AddException(new InvalidOperationException("soft failure"));
            activity.AddLink(new ActivityLink(new ActivityContext(LinkedTrace, LinkedSpan, ActivityTraceFlags.Recorded)));
            activity.SetStatus(ActivityStatusCode.Error, "order rejected");
            return Results.Text(decision);
        });
    }

    [Fact]
    public async Task TagsEventsExceptionsLinksAndStatus_SetThroughActivityCurrent_ArriveOnTheServerSpan()
    {
        await using var service = await TestService.StartAsync("shop", null, Map, t => t.AddAspNetCoreInstrumentation());
        using var http = new HttpClient();
        string decision = await http.GetStringAsync(new Uri(service.Address, "/enrich"));
        Waiting.Until(() => service.Snapshot().Any(s => s.Kind == SpanKind.Server), "the server span");

        var server = service.Snapshot().Single(s => s.Kind == SpanKind.Server);
        Assert.Equal("True|True", decision);
        Assert.Equal("GET /enrich", server.Name);
        Assert.Equal("o-17", server.GetAttribute("app.order")!.Value.AsString());
        Assert.Equal(3, server.GetAttribute("app.items")!.Value.AsLong());
        Assert.Equal(200, server.GetAttribute("http.response.status_code")!.Value.AsLong());
        Assert.Equal(StatusCode.Error, server.Status.Code);
        Assert.Equal("order rejected", server.Status.Description);

        var events = server.Events.ToArray();
        var checkpoint = Assert.Single(events, e => e.Name == "app.checkpoint");
        Assert.Equal("priced", checkpoint.Attributes.ToArray().Single(kv => kv.Key == "step").Value.AsString());
        var exception = Assert.Single(events, e => e.Name == "exception");
        Assert.Equal("soft failure", exception.Attributes.ToArray().Single(kv => kv.Key == "exception.message").Value.AsString());

        var link = Assert.Single(server.Links.ToArray());
        Assert.Equal(LinkedTrace.ToHexString(), link.Context.TraceId.ToString());
        Assert.Equal(LinkedSpan.ToHexString(), link.Context.SpanId.ToString());
    }

    [Fact]
    public async Task WhatCodeInsideHttpClientWritesToActivityCurrent_ArrivesOnTheClientSpan()
    {
        await using var b = await TestService.StartAsync("service-b", null, Services.MapEcho);
        var spans = new List<SpanData>();
        using (var provider = new TracerProviderBuilder().SetSettingsSource(_ => null).AddHttpClientInstrumentation().AddInMemoryExporter(spans).Build())
        using (var http = new HttpClient())
        using (var response = await http.PostAsync(new Uri(b.Address, "/echo"), new TaggingContent()))
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        }

        SpanData client;
        lock (spans)
        {
            client = Assert.Single(spans);
        }

        Assert.Equal("POST", client.Name);
        Assert.Equal("True|True", client.GetAttribute("app.seen")!.Value.AsString());
        Assert.Single(client.Events.ToArray(), e => e.Name == "app.serialized");
        Assert.Equal(405, client.GetAttribute("http.response.status_code")!.Value.AsLong());
    }

    [Fact]
    public async Task RecordedAndIsAllDataRequested_OfTheRequestActivity_SayWhatOurSamplerSaid()
    {
        await using var service = await TestService.StartAsync("shop", null, Map, t => t.SetSampler(Tracing.Sdk.Sampling.Sampler.AlwaysOff).AddAspNetCoreInstrumentation());
        using var http = new HttpClient();
        Assert.Equal("False|False", await http.GetStringAsync(new Uri(service.Address, "/enrich")));
        Assert.Empty(service.Snapshot());
    }

    /// <summary>A request body whose serialization, inside HttpClient's request Activity, enriches Activity.Current.</summary>
    private sealed class TaggingContent : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var activity = Activity.Current!;
            activity.SetTag("app.seen", activity.Recorded + "|" + activity.IsAllDataRequested);
            activity.AddEvent(new ActivityEvent("app.serialized"));
            await stream.WriteAsync(new byte[] { (byte)'x' });
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 1;
            return true;
        }
    }
}

using System;
using System.Diagnostics;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
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
    public async Task RecordedAndIsAllDataRequested_OfTheRequestActivity_SayWhatOurSamplerSaid()
    {
        await using var service = await TestService.StartAsync("shop", null, Map, t => t.SetSampler(Tracing.Sdk.Sampling.Sampler.AlwaysOff).AddAspNetCoreInstrumentation());
        using var http = new HttpClient();
        Assert.Equal("False|False", await http.GetStringAsync(new Uri(service.Address, "/enrich")));
        Assert.Empty(service.Snapshot());
    }
}

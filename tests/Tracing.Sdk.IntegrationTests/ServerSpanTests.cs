using System;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Xunit;

namespace Tracing.Sdk.IntegrationTests;

public class ServerSpanTests
{
    private static void Map(WebApplication app)
    {
        app.MapGet("/items/{id:int}", (int id) =>
        {
            // Handler code: its own span nests under the server span.
            var tracer = app.Services.GetService(typeof(TracerProvider)) is TracerProvider p ? p.GetTracer("handler") : null;
            using var work = tracer!.StartActiveSpan("work");
            return Results.Text(Tracer.CurrentSpan.Context.SpanId.ToString());
        });
        app.MapGet("/current", () => Results.Text(Tracer.CurrentSpan.Context.SpanId.ToString()));
        app.MapGet("/fail", () => Results.StatusCode(503));
        app.MapGet("/missing", () => Results.NotFound());
        app.MapGet("/throw", (HttpContext _) => Throw());
    }

    private static string Throw() => throw new InvalidOperationException("boom");

    [Fact]
    public async Task ServerSpan_FollowsTheStableHttpConventions_AndIsNamedByRoute()
    {
        await using var service = await TestService.StartAsync("server", null, Map, t => t.AddAspNetCoreInstrumentation(
            o => o.EnrichWithRequest = (span, request) => span.SetAttribute("enriched", request.Path.Value)));
        using var http = new HttpClient();
        http.DefaultRequestHeaders.UserAgent.ParseAdd("integration-test/1.0");
        string handlerSaw = await http.GetStringAsync(new Uri(service.Address, "/items/7"));
        Waiting.Until(() => service.Snapshot().Any(s => s.Kind == SpanKind.Server), "the server span");

        var spans = service.Snapshot();
        var server = spans.Single(s => s.Kind == SpanKind.Server);
        var work = spans.Single(s => s.Name == "work");
        Assert.Equal("GET /items/{id:int}", server.Name);
        Assert.Equal("/items/{id:int}", server.GetAttribute("http.route")!.Value.AsString());
        Assert.Equal("/items/7", server.GetAttribute("url.path")!.Value.AsString());
        Assert.Equal("http", server.GetAttribute("url.scheme")!.Value.AsString());
        Assert.Equal("GET", server.GetAttribute("http.request.method")!.Value.AsString());
        Assert.Equal(200, server.GetAttribute("http.response.status_code")!.Value.AsLong());
        Assert.Equal("127.0.0.1", server.GetAttribute("server.address")!.Value.AsString());
        Assert.Equal(service.Address.Port, server.GetAttribute("server.port")!.Value.AsLong());
        Assert.Equal("127.0.0.1", server.GetAttribute("client.address")!.Value.AsString());
        Assert.Equal("integration-test/1.0", server.GetAttribute("user_agent.original")!.Value.AsString());
        Assert.Equal("1.1", server.GetAttribute("network.protocol.version")!.Value.AsString());
        Assert.Equal("/items/7", server.GetAttribute("enriched")!.Value.AsString());
        Assert.Equal(StatusCode.Unset, server.Status.Code);
        Assert.False(server.HasRemoteParent);
        Assert.Equal(server.SpanId, work.ParentSpanId);
        Assert.Equal(work.SpanId.ToString(), handlerSaw);
        Assert.Null(server.GetAttribute("http.request.header.user-agent"));
    }

    [Fact]
    public async Task Handler_SeesTheServerSpanAsCurrent()
    {
        await using var service = await TestService.StartAsync("server", null, Map, t => t.AddAspNetCoreInstrumentation());
        using var http = new HttpClient();
        string current = await http.GetStringAsync(new Uri(service.Address, "/current"));
        Waiting.Until(() => service.Snapshot().Length == 1, "the server span");
        Assert.Equal(service.Snapshot()[0].SpanId.ToString(), current);
    }

    [Fact]
    public async Task ServerErrors_AndUnhandledExceptions_SetErrorStatus_ButClientErrorsDoNot()
    {
        await using var service = await TestService.StartAsync("server", null, Map, t => t.AddAspNetCoreInstrumentation());
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync(new Uri(service.Address, "/fail"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri(service.Address, "/missing"))).StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, (await http.GetAsync(new Uri(service.Address, "/throw"))).StatusCode);
        Waiting.Until(() => service.Snapshot().Length == 3, "three server spans");

        var spans = service.Snapshot();
        var fail = spans.Single(s => s.Name == "GET /fail");
        Assert.Equal(StatusCode.Error, fail.Status.Code);
        Assert.Equal("503", fail.GetAttribute("error.type")!.Value.AsString());
        Assert.Equal(StatusCode.Unset, spans.Single(s => s.Name == "GET /missing").Status.Code);
        var thrown = spans.Single(s => s.Name == "GET /throw");
        Assert.Equal(StatusCode.Error, thrown.Status.Code);
        Assert.Equal("System.InvalidOperationException", thrown.GetAttribute("error.type")!.Value.AsString());
        var exception = Assert.Single(thrown.Events.ToArray(), e => e.Name == "exception");
        Assert.Contains(exception.Attributes.ToArray(), kv => kv.Key == "exception.message" && kv.Value.AsString() == "boom");
    }

    [Fact]
    public async Task RequestHeaders_AreRecordedOnlyWhenOptedInByName()
    {
        await using var service = await TestService.StartAsync("server", null, Map, t => t.AddAspNetCoreInstrumentation(o => o.CapturedRequestHeaders.Add("X-Tenant")));
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(service.Address, "/current"));
        request.Headers.Add("X-Tenant", "acme");
        request.Headers.Add("Authorization", "Bearer secret");
        await http.SendAsync(request);
        Waiting.Until(() => service.Snapshot().Length == 1, "the server span");
        var span = service.Snapshot()[0];
        Assert.Equal(new[] { "acme" }, span.GetAttribute("http.request.header.x-tenant")!.Value.AsStringArray()!);
        Assert.DoesNotContain(span.Attributes.ToArray(), kv => kv.Key.Contains("authorization", StringComparison.Ordinal) || kv.Value.AsString() == "Bearer secret");
    }
}

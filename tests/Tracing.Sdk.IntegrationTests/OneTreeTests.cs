using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tracing.Sdk.Exporting;
using Xunit;

namespace Tracing.Sdk.IntegrationTests;

public class OneTreeTests
{
    private static readonly ActivitySource s_library = new("OneTree.Library");

    [Fact]
    public async Task LibraryActivity_InAHandler_NestsUnderTheServerSpan_AndParentsTheCallsItMakes()
    {
        await using var b = await TestService.StartAsync("service-b", null, Services.MapEcho, t => t.AddAspNetCoreInstrumentation());
        await using var a = await TestService.StartAsync("service-a", null, app => app.MapGet("/work", async (IHttpClientFactory factory) =>
        {
            using var activity = s_library.StartActivity("library-work");
            return Results.Text(await factory.CreateClient().GetStringAsync(new Uri(b.Address, "/echo")));
        }), t => t.AddAspNetCoreInstrumentation().AddHttpClientInstrumentation().AddSource("OneTree.*"));

        using var http = new HttpClient();
        await http.GetStringAsync(new Uri(a.Address, "/work"));
        Waiting.Until(() => a.Snapshot().Length >= 3 && b.Snapshot().Length >= 1, "spans of A and B");

        var spans = a.Snapshot();
        var server = spans.Single(s => s.Kind == SpanKind.Server);
        var library = spans.Single(s => s.Name == "library-work");
        // (The test's own request has no recorded parent, so A's HttpClient instrumentation may record it too.)
        var call = spans.Single(s => s.Kind == SpanKind.Client && s.ParentSpanId == library.SpanId);
        var bServer = b.Snapshot().Single();
        Assert.Equal("OneTree.Library", library.Scope.Name);
        Assert.Equal(server.SpanId, library.ParentSpanId);
        Assert.Equal(library.SpanId, call.ParentSpanId);
        Assert.Equal(call.SpanId, bServer.ParentSpanId);
        Assert.Single(new[] { server, library, call, bServer }.Select(s => s.TraceId).Distinct());
    }

    [Fact]
    public async Task Instrumentation_WorksWithoutTheHost_ForAProviderBuiltByHand()
    {
        var spans = new List<SpanData>();
        using var provider = new TracerProviderBuilder().SetSettingsSource(_ => null).AddAspNetCoreInstrumentation().AddInMemoryExporter(spans).Build();
        var builder = TestHosts.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        await using var app = builder.Build();
        app.MapGet("/", () => "ok");
        await app.StartAsync();
        var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First();
        using var http = new HttpClient();
        await http.GetStringAsync(new Uri(address));
        Waiting.Until(() =>
        {
            lock (spans)
            {
                return spans.Count == 1;
            }
        }, "the server span");
        await app.StopAsync();
        Assert.Equal("GET /", spans[0].Name);
    }
}

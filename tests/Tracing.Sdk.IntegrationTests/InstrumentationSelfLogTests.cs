using System;
using System.Collections.Generic;
using System.Diagnostics.Tracing;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using Tracing.Sdk.Exporting;
using Tracing.Sdk.TestSupport;
using Xunit;

namespace Tracing.Sdk.IntegrationTests;

/// <summary>
/// The two instrumentation packages share one plumbing (src/Shared/Instrumentation) yet keep their own self-logs: a
/// callback that throws is reported under the package's own EventSource name and wording, and never reaches the request.
/// </summary>
public class InstrumentationSelfLogTests
{
    [Fact]
    public async Task HttpClient_ThrowingFilterAndEnrich_AreLoggedAsHttpClient_AndTheRequestIsTraced()
    {
        await using var b = await TestService.StartAsync("b", null, Services.MapEcho);
        using var log = new EventLog("Tracing-Sdk-Instrumentation-Http");
        var spans = new List<SpanData>();
        using (new TracerProviderBuilder().SetSettingsSource(_ => null)
            .AddHttpClientInstrumentation(o =>
            {
                o.Filter = _ => throw new InvalidOperationException("filter broke");
                o.EnrichWithRequest = (_, _) => throw new InvalidOperationException("enrich broke");
            })
            .AddInMemoryExporter(spans).Build())
        {
            using var http = new HttpClient();
            await http.GetStringAsync(new Uri(b.Address, "/echo"));
        }

        // A throwing filter lets the request be traced.
        lock (spans)
        {
            Assert.Single(spans, s => s.Kind == SpanKind.Client);
        }

        Assert.Contains(log.Events, e => Is(e, "Filter", "filter broke") && e.Message!.Contains("The HttpClient instrumentation", StringComparison.Ordinal));
        Assert.Contains(log.Events, e => Is(e, "Enrich", "enrich broke"));
    }

    [Fact]
    public async Task AspNetCore_ThrowingFilterAndEnrich_AreLoggedAsAspNetCore_AndTheRequestIsServed()
    {
        using var log = new EventLog("Tracing-Sdk-Instrumentation-AspNetCore");
        await using var service = await TestService.StartAsync("server", null, Services.MapEcho, t => t.AddAspNetCoreInstrumentation(o =>
        {
            o.Filter = _ => throw new InvalidOperationException("filter broke");
            o.EnrichWithRequest = (_, _) => throw new InvalidOperationException("enrich broke");
        }));
        using var http = new HttpClient();
        await http.GetStringAsync(new Uri(service.Address, "/echo"));
        Waiting.Until(() => service.Snapshot().Any(s => s.Kind == SpanKind.Server), "the server span");

        Assert.Contains(log.Events, e => Is(e, "Filter", "filter broke") && e.Message!.Contains("The ASP.NET Core instrumentation", StringComparison.Ordinal));
        Assert.Contains(log.Events, e => Is(e, "Enrich", "enrich broke"));
    }

    private static bool Is(EventWrittenEventArgs e, string where, string error)
        => e.Payload is { Count: 2 } p && (string?)p[0] == where && (string?)p[1] == error;
}

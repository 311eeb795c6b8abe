using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Tracing.Sdk.Exporting;
using Tracing.Sdk.Processing;
using Xunit;

namespace Tracing.Sdk.IntegrationTests;

public class HostingTests
{
    /// <summary>Holds ended spans until flushed, as a batch processor with an endless delay would.</summary>
    private sealed class HoldingProcessor : SpanProcessor
    {
        private readonly List<SpanData> _held = [];

        public List<SpanData> Exported { get; } = [];

        public bool WasShutDown { get; private set; }

        public override void OnEnd(SpanData span)
        {
            lock (_held)
            {
                _held.Add(span.Clone());
            }
        }

        public override bool ForceFlush(int timeoutMilliseconds)
        {
            lock (_held)
            {
                Exported.AddRange(_held);
                _held.Clear();
            }

            return true;
        }

        protected override bool OnShutdown(int timeoutMilliseconds)
        {
            WasShutDown = true;
            return ForceFlush(timeoutMilliseconds);
        }
    }

    [Fact]
    public async Task HostStop_FlushesAndShutsDown_SoNoEndedSpanIsLost()
    {
        var processor = new HoldingProcessor();
        var service = await TestService.StartAsync("hosted", null, app => app.MapGet("/", () => "ok"),
            t => t.AddAspNetCoreInstrumentation().AddProcessor(processor));
        using (var http = new HttpClient())
        {
            await http.GetStringAsync(service.Address);
        }

        Assert.Empty(processor.Exported);
        await service.DisposeAsync();

        Assert.True(processor.WasShutDown);
        var span = Assert.Single(processor.Exported);
        Assert.Equal("GET /", span.Name);
    }

    [Fact]
    public async Task AddTracing_ReadsTheServiceNameFromTheTracingSection()
    {
        await using var service = await TestService.StartAsync("from-config", null, app => app.MapGet("/", () => "ok"),
            t => t.AddAspNetCoreInstrumentation());
        var provider = service.Services.GetRequiredService<TracerProvider>();
        Assert.Equal("from-config", provider.Resource.Attributes.ToArray().Last(kv => kv.Key == "service.name").Value.AsString());
    }

    [Fact]
    public async Task OtelKeysInConfiguration_ConfigureTheProvider()
    {
        var spans = new List<SpanData>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration["OTEL_TRACES_SAMPLER"] = "always_off";
        builder.Configuration["Tracing:ServiceName"] = "configured";
        builder.Services.AddTracing(b => b.AddAspNetCoreInstrumentation().AddInMemoryExporter(spans));
        await using var app = builder.Build();
        await app.StartAsync();
        var provider = app.Services.GetRequiredService<TracerProvider>();
        Assert.Equal("AlwaysOffSampler", provider.Sampler.Description);
        await app.StopAsync();
    }
}

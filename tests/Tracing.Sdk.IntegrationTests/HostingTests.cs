using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
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

        public override bool ForceFlush(TimeSpan timeout)
        {
            lock (_held)
            {
                Exported.AddRange(_held);
                _held.Clear();
            }

            return true;
        }

        protected override bool OnShutdown(TimeSpan timeout)
        {
            WasShutDown = true;
            return ForceFlush(timeout);
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
        var builder = TestHosts.CreateSlimBuilder();
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

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task TracingHostOptions_RegisteredBeforeOrAfterAddTracing_BothTraceAndTheApplicationsOptionsWin(bool optionsFirst)
    {
        var spans = new List<SpanData>();
        var options = new Tracing.Sdk.Extensions.Hosting.TracingHostOptions { ShutdownTimeout = TimeSpan.FromMilliseconds(1234) };
        var builder = TestHosts.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        if (optionsFirst)
        {
            builder.Services.AddSingleton(options);
        }

        builder.Services.AddTracing(b => b.AddAspNetCoreInstrumentation().AddInMemoryExporter(spans));
        if (!optionsFirst)
        {
            builder.Services.AddSingleton(options);
        }

        await using var app = builder.Build();
        app.MapGet("/", () => "ok");
        await app.StartAsync();
        string address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First();
        using (var http = new HttpClient())
        {
            await http.GetStringAsync(new Uri(address + "/"));
        }

        Assert.Same(options, app.Services.GetRequiredService<Tracing.Sdk.Extensions.Hosting.TracingHostOptions>());
        Assert.False(app.Services.GetRequiredService<TracerProvider>().IsDisabled);
        await app.StopAsync();
        Assert.Contains(spans, s => s.Name == "GET /");
    }

    [Fact]
    public async Task AddTracing_WritesTheSdksWarnings_ThroughILogger_UnderATracingSdkCategory()
    {
        var logged = new System.Collections.Concurrent.ConcurrentQueue<(string Category, LogLevel Level, string Message)>();
        var builder = TestHosts.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new CapturingLoggerProvider(logged));
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        string marker = "bogus-" + Guid.NewGuid().ToString("N");
        builder.Configuration["Tracing:Sampler"] = marker;
        builder.Services.AddTracing(b => b.AddAspNetCoreInstrumentation());
        await using var app = builder.Build();
        await app.StartAsync();
        await app.StopAsync();

        var line = Assert.Single(logged, l => l.Message.Contains(marker, StringComparison.Ordinal));
        Assert.Equal("Tracing.Sdk", line.Category);
        Assert.Equal(LogLevel.Warning, line.Level);
        Assert.Contains("OTEL_TRACES_SAMPLER", line.Message, StringComparison.Ordinal);
    }

    private sealed class CapturingLoggerProvider(System.Collections.Concurrent.ConcurrentQueue<(string Category, LogLevel Level, string Message)> into) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName, into);

        public void Dispose()
        {
        }
    }

    private sealed class CapturingLogger(string category, System.Collections.Concurrent.ConcurrentQueue<(string Category, LogLevel Level, string Message)> into) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => into.Enqueue((category, logLevel, formatter(state, exception)));
    }
}

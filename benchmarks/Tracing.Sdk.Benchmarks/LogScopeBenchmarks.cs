using System;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Tracing.Sdk.Benchmarks;

/// <summary>
/// What log correlation costs per active span: our span made active by <c>StartActiveSpan</c> with the scope provider
/// <c>AddTracing</c> registers, against an Activity per span with the runtime's own scope provider (what an SDK whose
/// spans are Activities pays). Each span writes one log record whose scopes a logger reads (as a console logger with
/// <c>IncludeScopes</c> does); the <c>NoLog</c> rows are the spans alone.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 8)]
public class LogScopeBenchmarks
{
    private static readonly Func<string, Exception?, string> s_format = static (state, _) => state;

    private Pipelines _pipelines = null!;
    private ServiceProvider _oursServices = null!;
    private ServiceProvider _runtimeServices = null!;
    private ILogger _ours = null!;
    private ILogger _runtime = null!;

    [GlobalSetup]
    public void Setup()
    {
        _pipelines = new Pipelines("bench.logs", sampled: true);
        _oursServices = Services(withTracing: true);
        _runtimeServices = Services(withTracing: false);
        _ours = _oursServices.GetRequiredService<ILoggerFactory>().CreateLogger("bench");
        _runtime = _runtimeServices.GetRequiredService<ILoggerFactory>().CreateLogger("bench");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _oursServices.Dispose();
        _runtimeServices.Dispose();
        _pipelines.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void ActivityPerSpan_OneLog()
    {
        using var activity = _pipelines.Source.StartActivity("op");
        _runtime.Log(LogLevel.Information, default, "work", null, s_format);
    }

    [Benchmark]
    public void OurActiveSpan_OneLog()
    {
        using var scope = _pipelines.Tracer.StartActiveSpan("op");
        _ours.Log(LogLevel.Information, default, "work", null, s_format);
    }

    [Benchmark]
    public void ActivityPerSpan_NoLog()
    {
        using var activity = _pipelines.Source.StartActivity("op");
    }

    [Benchmark]
    public void OurActiveSpan_NoLog()
    {
        using var scope = _pipelines.Tracer.StartActiveSpan("op");
    }

    private static ServiceProvider Services(bool withTracing)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b
            .AddProvider(new ScopeReadingLoggerProvider())
            .Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.SpanId | ActivityTrackingOptions.TraceId | ActivityTrackingOptions.ParentId));
        if (withTracing)
        {
            services.AddTracing(t => t.SetSettingsSource(static _ => null));
        }

        return services.BuildServiceProvider();
    }

    /// <summary>A logger that reads every record's scopes and keeps the last span id, as a structured sink would.</summary>
    private sealed class ScopeReadingLoggerProvider : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider? _scopes;

        public object? LastSpanId { get; private set; }

        public ILogger CreateLogger(string categoryName) => new ScopeReadingLogger(this);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose()
        {
        }

        private sealed class ScopeReadingLogger(ScopeReadingLoggerProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => owner._scopes?.Push(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                owner._scopes?.ForEachScope(static (scope, provider) =>
                {
                    if (scope is System.Collections.Generic.IReadOnlyList<System.Collections.Generic.KeyValuePair<string, object?>> { Count: > 0 } pairs)
                    {
                        provider.LastSpanId = pairs[0].Value;
                    }
                }, owner);
            }
        }
    }
}

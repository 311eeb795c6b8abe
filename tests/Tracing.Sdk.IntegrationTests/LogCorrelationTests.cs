using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

#pragma warning disable CA1848 // Plain LogInformation calls, as application code writes them.

namespace Tracing.Sdk.IntegrationTests;

/// <summary>Log records name the innermost span, ours or an Activity, in their scope; <c>AddTracing</c> is the only line needed.</summary>
public class LogCorrelationTests
{
    [Fact]
    public async Task LogInsideStartActiveSpan_InsideARequest_CarriesThatSpansIds_AndTheRequestsOutsideIt()
    {
        var logs = new CapturingLoggerProvider();
        await using var service = await TestService.StartAsync("shop", null, app =>
        {
            app.MapGet("/work", async (ILoggerFactory loggers, TracerProvider provider) =>
            {
                var logger = loggers.CreateLogger("handler");
                logger.LogInformation("before");
                string inner;
                using (var scope = provider.GetTracer("handler").StartActiveSpan("inner-work"))
                {
                    inner = scope.Span.Context.SpanId.ToString();
                    logger.LogInformation("inside");
                    await Task.Yield();
                    using (logger.BeginScope("user scope"))
                    {
                        logger.LogInformation("inside after await");
                    }
                }

                logger.LogInformation("after");
                return Results.Text(inner);
            });
        },
        t => t.AddAspNetCoreInstrumentation(),
        services => services.AddLogging(b => b
            .AddProvider(logs)
            .Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.SpanId | ActivityTrackingOptions.TraceId | ActivityTrackingOptions.ParentId)));

        using var http = new HttpClient();
        string innerId = await http.GetStringAsync(new Uri(service.Address, "/work"));
        Waiting.Until(() => service.Snapshot().Any(s => s.Kind == SpanKind.Server), "the server span");
        var server = service.Snapshot().Single(s => s.Kind == SpanKind.Server);
        var inner = service.Snapshot().Single(s => s.Name == "inner-work");
        Assert.Equal(innerId, inner.SpanId.ToString());

        var records = logs.Records.ToArray();
        void AssertIds(string message, SpanData span)
        {
            var record = records.Single(r => r.Message == message);
            Assert.Equal(span.SpanId.ToString(), record.Ids["SpanId"]);
            Assert.Equal(span.TraceId.ToString(), record.Ids["TraceId"]);
            Assert.Equal(span.ParentSpanId.ToString(), record.Ids["ParentId"]);
        }

        AssertIds("before", server);
        AssertIds("inside", inner);
        AssertIds("inside after await", inner);
        AssertIds("after", server);
        Assert.Equal(server.SpanId, inner.ParentSpanId);

        // The scope's text reads as the runtime's does for an Activity, and the application's own scopes follow it.
        var afterAwait = records.Single(r => r.Message == "inside after await");
        Assert.Equal($"SpanId:{inner.SpanId}, TraceId:{inner.TraceId}, ParentId:{server.SpanId}", afterAwait.Scopes[0]);
        Assert.Equal("user scope", afterAwait.Scopes[^1]);
    }

    private sealed record LogRecord(string Message, Dictionary<string, string?> Ids, List<string?> Scopes);

    /// <summary>A real logger provider that keeps each record with the scopes the factory hands it.</summary>
    private sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider? _scopes;

        public ConcurrentQueue<LogRecord> Records { get; } = new();

        public ILogger CreateLogger(string categoryName) => new CapturingLogger(this);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose()
        {
        }

        private sealed class CapturingLogger(CapturingLoggerProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => owner._scopes?.Push(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var ids = new Dictionary<string, string?>();
                var scopes = new List<string?>();
                owner._scopes?.ForEachScope((scope, _) =>
                {
                    scopes.Add(scope?.ToString());
                    if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
                    {
                        foreach (var pair in pairs)
                        {
                            ids.TryAdd(pair.Key, pair.Value?.ToString());
                        }
                    }
                }, 0);
                owner.Records.Enqueue(new LogRecord(formatter(state, exception), ids, scopes));
            }
        }
    }
}

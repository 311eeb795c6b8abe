using System;
using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tracing.Sdk.Diagnostics;

namespace Tracing.Sdk.Extensions.Hosting;

/// <summary>
/// Writes the SDK's warnings and errors (every <c>Tracing-Sdk*</c> EventSource, rate-limited by
/// <see cref="SelfLogListener"/>) through the host's <see cref="ILogger"/>, under categories such as
/// <c>Tracing.Sdk</c> and <c>Tracing.Sdk.Exporter.Otlp</c>, so they appear where the application's own logs do.
/// A singleton: created before the provider is built, disposed with the host's services.
/// </summary>
internal sealed class TracingLogForwarder : IDisposable
{
    private readonly ConcurrentDictionary<string, ILogger> _loggers = new(StringComparer.Ordinal);
    private readonly ILoggerFactory _factory;
    private readonly SelfLogListener _listener;

    public TracingLogForwarder(IServiceProvider services)
    {
        _factory = (ILoggerFactory?)services.GetService(typeof(ILoggerFactory)) ?? NullLoggerFactory.Instance;
        _listener = new SelfLogListener(Write);
    }

    public void Dispose() => _listener.Dispose();

    private void Write(SelfLogMessage message)
    {
        var logger = _loggers.GetOrAdd(message.Category, static (category, factory) => factory.CreateLogger(category), _factory);
        var level = message.Level switch
        {
            EventLevel.Critical => LogLevel.Critical,
            EventLevel.Error => LogLevel.Error,
            EventLevel.Warning => LogLevel.Warning,
            EventLevel.Informational => LogLevel.Information,
            EventLevel.LogAlways => LogLevel.Information,
            _ => LogLevel.Debug,
        };

        if (!logger.IsEnabled(level))
        {
            return;
        }

        // The message is already formatted: log it as-is, never as a template (it may contain braces).
#pragma warning disable CA1848, CA2254, CA1873 // One dynamic message per SDK event; no compile-time template exists.
        logger.Log(level, new EventId(message.EventId, message.EventName), "{Message}", message.Message);
#pragma warning restore CA1848, CA2254, CA1873
    }
}

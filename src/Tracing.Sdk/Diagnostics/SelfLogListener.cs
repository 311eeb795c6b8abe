using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.Globalization;
using System.Threading;

namespace Tracing.Sdk.Diagnostics;

/// <summary>
/// Forwards the SDK's own warnings and errors — every event at or above a level of every EventSource whose name starts
/// with <c>Tracing-Sdk</c> (the core's, the exporters', the instrumentations', and any added later) — to a callback,
/// rate-limited so that an outage cannot flood a log: per event (source and id), at most
/// <c>maxMessagesPerMinute</c> lines a minute, and a line identical to one already written in that minute is not
/// repeated. What was held back is counted and noted on the next line of that event; for errors (spans lost), when none
/// comes, as one closing line per event when the listener is disposed (the stderr listener: when the process exits), so
/// the last drops of a shutdown are not hidden by the limit. The hosting package writes
/// these through <c>ILogger</c>; <see cref="StandardError"/> writes them to stderr (the switch
/// <c>TRACING_SDK_SELF_LOG=stderr</c> turns that on when a <see cref="TracerProviderBuilder"/> is made).
/// </summary>
/// <remarks>
/// The events' payloads never hold secrets: exporters report endpoints without credentials or query, header values
/// are never written, and baggage is never logged. Create the listener before building the provider, so invalid
/// settings (reported while the provider is built) are seen.
/// </remarks>
public sealed class SelfLogListener : IDisposable
{
    private const string SourcePrefix = "Tracing-Sdk";
    private static readonly Lock s_stderrGate = new();
    private static SelfLogListener? s_stderr;

    private readonly Action<SelfLogMessage> _write;
    private readonly int _maxPerMinute;
    private readonly Dictionary<(string Source, int Id), Window> _windows = [];
    private readonly Listener _listener;

    /// <summary>Starts forwarding.</summary>
    /// <param name="write">Receives each message; called on the thread that wrote the event, so it must be quick and thread-safe.</param>
    /// <param name="minimumLevel">The least severe level forwarded. Default <see cref="EventLevel.Warning"/>.</param>
    /// <param name="maxMessagesPerMinute">Lines per event and minute, at most; positive. Default 5.</param>
    public SelfLogListener(Action<SelfLogMessage> write, EventLevel minimumLevel = EventLevel.Warning, int maxMessagesPerMinute = 5)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxMessagesPerMinute);
        _write = write;
        _maxPerMinute = maxMessagesPerMinute;
        _listener = new Listener(this, minimumLevel);
    }

    /// <summary>
    /// Writes the SDK's warnings and errors to stderr, once per process (later calls do nothing). Turned on by the
    /// setting <c>TRACING_SDK_SELF_LOG=stderr</c> when a <see cref="TracerProviderBuilder"/> is created or given a
    /// settings source; call it yourself before building the provider to do the same in code.
    /// </summary>
    public static void StandardError()
    {
        lock (s_stderrGate)
        {
            if (s_stderr is not null)
            {
                return;
            }

            s_stderr = new SelfLogListener(static m =>
            {
                string line = string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:O} {LevelName(m.Level)} {m.Category}[{m.EventId}]: {m.Message}");
                try
                {
                    Console.Error.WriteLine(line);
                }
                catch
                {
                }
            });

            // Never disposed: what the rate limit still holds back is written when the process exits.
            var listener = s_stderr;
            AppDomain.CurrentDomain.ProcessExit += (_, _) => listener.WriteHeldBack();
        }
    }

    /// <summary>Stops forwarding, then writes one line for each error event whose last lines were held back.</summary>
    public void Dispose()
    {
        _listener.Dispose();
        WriteHeldBack();
    }

    /// <summary>
    /// For every error event with lines held back since its last written line: one line with the last of them and how
    /// many there were (a shutdown that drops two batches logs "Dropped 30 span(s)" twice; the second would otherwise
    /// vanish, since no later line of that event comes to carry its count). Warnings held back (retries that came to
    /// nothing more) are not written after the fact: a "retrying" line after shutdown would mislead.
    /// </summary>
    internal void WriteHeldBack()
    {
        var pending = new List<SelfLogMessage>();
        lock (_windows)
        {
            foreach (var window in _windows.Values)
            {
                if (window.Suppressed > 0 && window.LastHeld is { } last && last.Level is EventLevel.Error or EventLevel.Critical)
                {
                    pending.Add(new SelfLogMessage(
                        last.SourceName,
                        last.EventId,
                        last.EventName,
                        last.Level,
                        string.Create(CultureInfo.InvariantCulture, $"{last.Message} ({window.Suppressed} line(s) of this event held back by the rate limit, the last of them this one)")));
                }

                window.Suppressed = 0;
                window.LastHeld = null;
            }
        }

        foreach (var message in pending)
        {
            try
            {
                _write(message);
            }
            catch
            {
            }
        }
    }

    internal static void FromSetting(Func<string, string?> getSetting)
    {
        string? value;
        try
        {
            value = getSetting("TRACING_SDK_SELF_LOG");
        }
        catch
        {
            return;
        }

        if (string.Equals(value?.Trim(), "stderr", StringComparison.OrdinalIgnoreCase))
        {
            StandardError();
        }
    }

    private static string LevelName(EventLevel level) => level switch
    {
        EventLevel.Critical => "crit",
        EventLevel.Error => "fail",
        EventLevel.Warning => "warn",
        EventLevel.Informational => "info",
        _ => "dbug",
    };

    private void OnEvent(EventWrittenEventArgs e)
    {
        string message = Format(e);
        string source = e.EventSource.Name;
        int suppressed;
        lock (_windows)
        {
            long now = Stopwatch.GetTimestamp();
            if (!_windows.TryGetValue((source, e.EventId), out var window) || Stopwatch.GetElapsedTime(window.Start, now) >= TimeSpan.FromMinutes(1))
            {
                window = new Window(now) { Suppressed = window?.Suppressed ?? 0, LastHeld = window?.LastHeld };
                _windows[(source, e.EventId)] = window;
            }

            if (window.Written >= _maxPerMinute || !window.Seen.Add(message))
            {
                window.Suppressed++;
                window.LastHeld = new SelfLogMessage(source, e.EventId, e.EventName ?? string.Empty, e.Level, message);
                return;
            }

            window.Written++;
            suppressed = window.Suppressed;
            window.Suppressed = 0;
            window.LastHeld = null;
        }

        if (suppressed > 0)
        {
            message += string.Create(CultureInfo.InvariantCulture, $" ({suppressed} more like this held back)");
        }

        try
        {
            _write(new SelfLogMessage(source, e.EventId, e.EventName ?? string.Empty, e.Level, message));
        }
        catch
        {
        }
    }

    private static string Format(EventWrittenEventArgs e)
    {
        var payload = e.Payload;
        if (payload is null || payload.Count == 0)
        {
            return e.Message ?? e.EventName ?? string.Empty;
        }

        var args = new object?[payload.Count];
        payload.CopyTo(args, 0);
        if (e.Message is { Length: > 0 } template)
        {
            try
            {
                return string.Format(CultureInfo.InvariantCulture, template, args);
            }
            catch (FormatException)
            {
            }
        }

        return (e.EventName ?? string.Empty) + ": " + string.Join(", ", args);
    }

    private sealed class Window(long start)
    {
        public long Start { get; } = start;

        public HashSet<string> Seen { get; } = new(StringComparer.Ordinal);

        public int Written { get; set; }

        public int Suppressed { get; set; }

        /// <summary>The last line held back since the last one written, for <see cref="WriteHeldBack"/>.</summary>
        public SelfLogMessage? LastHeld { get; set; }
    }

    // EventListener's constructor reports the existing sources before a derived constructor has run: those are
    // remembered and enabled once the owner and level are set.
    private sealed class Listener : EventListener
    {
        // Field initialisers run before the base constructor, so these exist when it reports the early sources.
        private readonly Lock _gate = new();
        private readonly List<EventSource> _early = [];
        private readonly SelfLogListener _owner;
        private readonly EventLevel _level;
        private volatile bool _ready;

        public Listener(SelfLogListener owner, EventLevel level)
        {
            _owner = owner;
            _level = level;
            EventSource[] early;
            lock (_gate)
            {
                _ready = true;
                early = [.. _early];
                _early.Clear();
            }

            foreach (var source in early)
            {
                EnableEvents(source, _level);
            }
        }

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (!eventSource.Name.StartsWith(SourcePrefix, StringComparison.Ordinal))
            {
                return;
            }

            lock (_gate)
            {
                if (!_ready)
                {
                    _early.Add(eventSource);
                    return;
                }
            }

            EnableEvents(eventSource, _level);
        }

        protected override void OnEventWritten(EventWrittenEventArgs eventData)
        {
            if (_ready && eventData.Level <= _level && eventData.Level != EventLevel.LogAlways)
            {
                _owner.OnEvent(eventData);
            }
        }
    }
}

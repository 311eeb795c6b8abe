using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.Numerics;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tracing.Sdk.Activities;

namespace Tracing.Sdk.Extensions.Hosting;

/// <summary>
/// The logging scope provider that <c>AddTracing</c> gives the host's <see cref="LoggerFactory"/>: the first scope of
/// every log record names the innermost current span, ours or an Activity, with the fields
/// <see cref="LoggerFactoryOptions.ActivityTrackingOptions"/> asks for (<c>SpanId</c>, <c>TraceId</c>, <c>ParentId</c>,
/// <c>TraceState</c>, <c>TraceFlags</c>), named and formatted as the runtime's own provider names them for an Activity.
/// Then come the scopes the application pushed.
/// </summary>
/// <remarks>
/// Why a scope provider rather than an Activity per span: the runtime's provider reads <see cref="Activity.Current"/>
/// only, so a span of ours made active by <c>StartActiveSpan</c> would be invisible to loggers; giving every active
/// span an Activity would cost an object and an async-local write per span. Reading our ambient span when a record is
/// written costs nothing per span, and one small object per record whose span differs from the thread's previous one.
/// When the innermost span is an Activity, the record carries the Activity's ids (and its tags and baggage when asked),
/// exactly as without this provider.
/// </remarks>
internal sealed class SpanLogScopeProvider : IExternalScopeProvider
{
    private const string ActivityScopeKey = "Tracing.Sdk.LogScope";

    private const ActivityTrackingOptions IdOptions = ActivityTrackingOptions.SpanId | ActivityTrackingOptions.TraceId
        | ActivityTrackingOptions.ParentId | ActivityTrackingOptions.TraceState | ActivityTrackingOptions.TraceFlags;

    // The scope built for the last span of ours a record named on this thread: consecutive records inside one span
    // (the common case) share it.
    [ThreadStatic]
    private static SpanScopeState? t_lastSpanScope;

    private readonly LoggerExternalScopeProvider _scopes = new();
    private readonly ActivityTrackingOptions _tracking;

    public SpanLogScopeProvider(IOptions<LoggerFactoryOptions>? options)
    {
        _tracking = options?.Value?.ActivityTrackingOptions ?? ActivityTrackingOptions.None;
    }

    public IDisposable Push(object? state) => _scopes.Push(state);

    public void ForEachScope<TState>(Action<object?, TState> callback, TState state)
    {
        ArgumentNullException.ThrowIfNull(callback);
        if (_tracking != ActivityTrackingOptions.None)
        {
            if (ActivitySpans.TryGetInnermostSpan(out var context, out var parentSpanId))
            {
                if ((_tracking & IdOptions) != 0)
                {
                    var last = t_lastSpanScope;
                    if (last is null || !last.Matches(context, parentSpanId, _tracking))
                    {
                        last = new SpanScopeState(context, parentSpanId, _tracking);
                        t_lastSpanScope = last;
                    }

                    callback(last, state);
                }
            }
            else if (Activity.Current is { } activity)
            {
                ReportActivity(activity, callback, state);
            }
        }

        _scopes.ForEachScope(callback, state);
    }

    private void ReportActivity<TState>(Activity activity, Action<object?, TState> callback, TState state)
    {
        if ((_tracking & IdOptions) != 0)
        {
            if (activity.GetCustomProperty(ActivityScopeKey) is not SpanScopeState scope)
            {
                scope = new SpanScopeState(activity, _tracking);
                activity.SetCustomProperty(ActivityScopeKey, scope);
            }

            callback(scope, state);
        }

        if ((_tracking & ActivityTrackingOptions.Tags) != 0 && activity.TagObjects.GetEnumerator().MoveNext())
        {
            callback(activity.TagObjects, state);
        }

        if ((_tracking & ActivityTrackingOptions.Baggage) != 0)
        {
            var baggage = activity.Baggage;
            if (baggage.GetEnumerator().MoveNext())
            {
                callback(new BaggageScopeState(baggage), state);
            }
        }
    }

    /// <summary>The ids of one span as a log scope: a list of name/value pairs whose text is <c>SpanId:…, TraceId:…</c>.</summary>
    private sealed class SpanScopeState : IReadOnlyList<KeyValuePair<string, object?>>
    {
        private readonly KeyValuePair<string, object?>[] _items;
        private readonly SpanContext _context;
        private readonly SpanId _parentSpanId;
        private readonly ActivityTrackingOptions _tracking;
        private string? _text;

        public SpanScopeState(in SpanContext context, SpanId parentSpanId, ActivityTrackingOptions tracking)
        {
            _context = context;
            _parentSpanId = parentSpanId;
            _tracking = tracking;
            var flags = context.IsSampled ? ActivityTraceFlags.Recorded : ActivityTraceFlags.None;
            _items = Build(
                tracking,
                (tracking & ActivityTrackingOptions.SpanId) != 0 ? context.SpanId.ToString() : string.Empty,
                (tracking & ActivityTrackingOptions.TraceId) != 0 ? context.TraceId.ToString() : string.Empty,
                (tracking & ActivityTrackingOptions.ParentId) != 0 ? parentSpanId.ToString() : string.Empty,
                (tracking & ActivityTrackingOptions.TraceState) != 0 ? context.TraceState?.ToString() : null,
                flags);
        }

        public SpanScopeState(Activity activity, ActivityTrackingOptions tracking)
        {
            _tracking = tracking;
            bool w3c = activity.IdFormat == ActivityIdFormat.W3C;
            _items = Build(
                tracking,
                (w3c ? activity.SpanId.ToHexString() : activity.Id) ?? string.Empty,
                (w3c ? activity.TraceId.ToHexString() : activity.RootId) ?? string.Empty,
                (w3c ? activity.ParentSpanId.ToHexString() : activity.ParentId) ?? string.Empty,
                activity.TraceStateString,
                activity.ActivityTraceFlags);
        }

        public int Count => _items.Length;

        public KeyValuePair<string, object?> this[int index] => _items[index];

        public bool Matches(in SpanContext context, SpanId parentSpanId, ActivityTrackingOptions tracking)
            => _tracking == tracking && _parentSpanId == parentSpanId && _context.SpanId == context.SpanId
                && _context.TraceId == context.TraceId && _context.TraceFlags == context.TraceFlags && ReferenceEquals(_context.TraceState, context.TraceState);

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)_items).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString()
        {
            if (_text is null)
            {
                var text = new StringBuilder();
                foreach (var item in _items)
                {
                    if (text.Length > 0)
                    {
                        text.Append(", ");
                    }

                    text.Append(item.Key).Append(':').Append(item.Value);
                }

                _text = text.ToString();
            }

            return _text;
        }

        private static KeyValuePair<string, object?>[] Build(ActivityTrackingOptions tracking, string spanId, string traceId, string parentId, string? traceState, ActivityTraceFlags flags)
        {
            // Exactly as many items as fields asked for: this array is most of what a record in a new span costs.
            var items = new KeyValuePair<string, object?>[BitOperations.PopCount((uint)(tracking & IdOptions))];
            int count = 0;
            if ((tracking & ActivityTrackingOptions.SpanId) != 0)
            {
                items[count++] = new("SpanId", spanId);
            }

            if ((tracking & ActivityTrackingOptions.TraceId) != 0)
            {
                items[count++] = new("TraceId", traceId);
            }

            if ((tracking & ActivityTrackingOptions.ParentId) != 0)
            {
                items[count++] = new("ParentId", parentId);
            }

            if ((tracking & ActivityTrackingOptions.TraceState) != 0)
            {
                items[count++] = new("TraceState", traceState);
            }

            if ((tracking & ActivityTrackingOptions.TraceFlags) != 0)
            {
                items[count++] = new("TraceFlags", flags);
            }

            return items;
        }
    }

    /// <summary>An Activity's baggage as a log scope whose text is <c>key:value, …</c>.</summary>
    private sealed class BaggageScopeState(IEnumerable<KeyValuePair<string, string?>> items) : IEnumerable<KeyValuePair<string, string?>>
    {
        public IEnumerator<KeyValuePair<string, string?>> GetEnumerator() => items.GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString()
        {
            var text = new StringBuilder();
            foreach (var item in items)
            {
                if (text.Length > 0)
                {
                    text.Append(", ");
                }

                text.Append(item.Key).Append(':').Append(item.Value);
            }

            return text.ToString();
        }
    }
}

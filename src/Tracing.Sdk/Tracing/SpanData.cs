using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;

// Why one file of ~450 lines: the pooled span record is one invariant set — the stamp (generation << 1 | ended) that
// every setter checks and End flips with one CAS, the limits and dropped counts, and the reset for reuse. Its fields and
// the methods that guard them belong together (docs/design.md, "The span handle and its stamp").

namespace Tracing.Sdk;

/// <summary>
/// The recorded data of one span: what processors and exporters read. Records are pooled and reused once every
/// processor is done with them, so an exporter must not keep a <see cref="SpanData"/> (or anything read from its
/// spans) after <c>Export</c> returns; <see cref="Clone"/> makes a copy that is safe to keep.
/// </summary>
public sealed class SpanData
{
    // Buffers bigger than this are not kept when a record goes back to the pool, so the pool's memory stays small
    // even after a span that hit every limit.
    private const int MaxPooledBufferLength = 64;

    // _stamp = generation << 1 | ended. A Span handle holds generation << 1 and acts only while the stamp equals it:
    // End flips the low bit with one CAS, and recycling moves to the next generation, so a stale handle (ended, or
    // from an earlier generation) can never touch the record's next span.
    private int _stamp;
    private int _refCount;
    private readonly SpanDataPool? _home;
    internal SpanData? _nextFree;

    private TracerProvider? _provider;
    private string _name = string.Empty;
    private SpanContext _context;
    private SpanId _parentSpanId;
    private bool _hasRemoteParent;
    private SpanKind _kind;
    private long _startUnixNano;
    private long _endUnixNano;
    private SpanStatus _status;
    private InstrumentationScope _scope = s_noScope;
    private Resource _resource = Resource.Empty;
    private SpanLimits _limits = SpanLimits.Default;

    private KeyValue[] _attributes = [];

    // A cheap fingerprint of each attribute's key (see KeyTag), parallel to _attributes: the duplicate-key check compares
    // ints and calls string equality only on a match, so n attributes cost n int compares each instead of n string calls.
    private int[] _keyTags = [];
    private int _attributeCount;
    private int _droppedAttributes;

    private SpanEvent[] _events = [];
    private int _eventCount;
    private int _droppedEvents;
    private KeyValue[] _eventAttributes = [];
    private int _eventAttributeCount;

    private Link[] _links = [];
    private int _linkCount;
    private int _droppedLinks;
    private KeyValue[] _linkAttributes = [];
    private int _linkAttributeCount;

    private static readonly InstrumentationScope s_noScope = new(string.Empty);

    internal SpanData(SpanDataPool? home) => _home = home;

    /// <summary>The span name.</summary>
    public string Name => _name;

    /// <summary>The span's own context.</summary>
    public SpanContext Context => _context;

    /// <summary>The trace id.</summary>
    public TraceId TraceId => _context.TraceId;

    /// <summary>The span id.</summary>
    public SpanId SpanId => _context.SpanId;

    /// <summary>The parent's span id; invalid for a root span.</summary>
    public SpanId ParentSpanId => _parentSpanId;

    /// <summary>Whether the parent came from another process.</summary>
    public bool HasRemoteParent => _hasRemoteParent;

    /// <summary>The span kind.</summary>
    public SpanKind Kind => _kind;

    /// <summary>Start time in nanoseconds since the Unix epoch.</summary>
    public long StartTimeUnixNano => _startUnixNano;

    /// <summary>End time in nanoseconds since the Unix epoch; 0 while the span is open.</summary>
    public long EndTimeUnixNano => _endUnixNano;

    /// <summary>Start time.</summary>
    public DateTimeOffset StartTime => Clock.ToDateTimeOffset(_startUnixNano);

    /// <summary>End time.</summary>
    public DateTimeOffset EndTime => Clock.ToDateTimeOffset(_endUnixNano);

    /// <summary>The span's duration (zero while open).</summary>
    public TimeSpan Duration => _endUnixNano == 0 ? TimeSpan.Zero : TimeSpan.FromTicks((_endUnixNano - _startUnixNano) / 100);

    /// <summary>The status.</summary>
    public SpanStatus Status => _status;

    /// <summary>The attributes.</summary>
    public ReadOnlySpan<KeyValue> Attributes => new(_attributes, 0, _attributeCount);

    /// <summary>The events, in the order they were added.</summary>
    public ReadOnlySpan<SpanEvent> Events => new(_events, 0, _eventCount);

    /// <summary>The links.</summary>
    public ReadOnlySpan<Link> Links => new(_links, 0, _linkCount);

    /// <summary>Attributes dropped by the limits.</summary>
    public int DroppedAttributeCount => _droppedAttributes;

    /// <summary>Events dropped by the limits.</summary>
    public int DroppedEventCount => _droppedEvents;

    /// <summary>Links dropped by the limits.</summary>
    public int DroppedLinkCount => _droppedLinks;

    /// <summary>The tracer's instrumentation scope.</summary>
    public InstrumentationScope Scope => _scope;

    /// <summary>The provider's resource.</summary>
    public Resource Resource => _resource;

    /// <summary>Whether the span has ended.</summary>
    public bool HasEnded => (Volatile.Read(ref _stamp) & 1) != 0;

    /// <summary>The value of attribute <paramref name="key"/>, or null.</summary>
    /// <param name="key">The attribute key.</param>
    public AttributeValue? GetAttribute(string key)
    {
        foreach (var kv in Attributes)
        {
            if (kv.Key == key)
            {
                return kv.Value;
            }
        }

        return null;
    }

    /// <summary>A copy that is not pooled: safe to keep after export.</summary>
    public SpanData Clone()
    {
        var c = new SpanData(null)
        {
            _stamp = _stamp | 1,
            _name = _name,
            _context = _context,
            _parentSpanId = _parentSpanId,
            _hasRemoteParent = _hasRemoteParent,
            _kind = _kind,
            _startUnixNano = _startUnixNano,
            _endUnixNano = _endUnixNano,
            _status = _status,
            _scope = _scope,
            _resource = _resource,
            _limits = _limits,
            _attributes = Attributes.ToArray(),
            _keyTags = _keyTags.AsSpan(0, _attributeCount).ToArray(),
            _attributeCount = _attributeCount,
            _droppedAttributes = _droppedAttributes,
            _droppedEvents = _droppedEvents,
            _droppedLinks = _droppedLinks,
            _eventCount = _eventCount,
            _linkCount = _linkCount,
            _events = new SpanEvent[_eventCount],
            _links = new Link[_linkCount],
        };

        for (int i = 0; i < _eventCount; i++)
        {
            var e = _events[i];
            var attrs = e.Attributes.ToArray();
            c._events[i] = new SpanEvent(e.Name, e.TimestampUnixNano, attrs, 0, attrs.Length, e.DroppedAttributeCount);
        }

        for (int i = 0; i < _linkCount; i++)
        {
            var l = _links[i];
            var attrs = l.Attributes.ToArray();
            c._links[i] = new Link(l.Context, attrs, 0, attrs.Length, l.DroppedAttributeCount);
        }

        return c;
    }

    /// <summary>The record's generation stamp while live; a <see cref="Span"/> handle remembers it.</summary>
    internal int LiveStamp => Volatile.Read(ref _stamp) & ~1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool IsLive(int stamp) => Volatile.Read(ref _stamp) == stamp;

    internal TracerProvider? Provider => _provider;

    internal void Start(
        TracerProvider provider,
        InstrumentationScope scope,
        string name,
        SpanKind kind,
        in SpanContext context,
        SpanId parentSpanId,
        bool hasRemoteParent,
        long startUnixNano)
    {
        // A record is usually rented again by the same thread for the same tracer, so scope, resource and limits are
        // already the ones it holds: compare before writing, since every reference store into this (old, pooled) object
        // goes through the GC write barrier, a helper call each.
        _provider = provider;
        if (!ReferenceEquals(_scope, scope))
        {
            _scope = scope;
        }

        if (!ReferenceEquals(_resource, provider.Resource))
        {
            _resource = provider.Resource;
        }

        if (!ReferenceEquals(_limits, provider.SpanLimits))
        {
            _limits = provider.SpanLimits;
        }

        _name = name;
        _kind = kind;
        _context = context;
        _parentSpanId = parentSpanId;
        _hasRemoteParent = hasRemoteParent;
        _startUnixNano = startUnixNano;
        SamplingDeferred = false;
    }

    /// <summary>
    /// Recorded provisionally: the sampler deferred its decision until more is known about the span (the route a
    /// server chose). Cleared once the Activity bridge's <c>ActivitySpans.CompleteSampling</c> decides.
    /// </summary>
    internal bool SamplingDeferred { get; set; }

    /// <summary>The parent's trace flags, kept for the late decision of a deferred span.</summary>
    internal TraceFlags DeferredParentFlags { get; set; }

    /// <summary>Marks the span sampled after a deferred decision, with the trace state the late decision chose.</summary>
    internal void PromoteToSampled(in SpanContext context) => _context = context;

    internal void SetAttribute(string key, in AttributeValue value)
    {
        if (key is null)
        {
            return;
        }

        var v = _limits.AttributeValueLengthLimit == int.MaxValue ? value : value.Truncate(_limits.AttributeValueLengthLimit);
        int tag = KeyTag(key);
        var tags = _keyTags;
        for (int i = 0; i < _attributeCount; i++)
        {
            if (tags[i] == tag && (ReferenceEquals(_attributes[i].Key, key) || _attributes[i].Key == key))
            {
                _attributes[i] = new KeyValue(key, v);
                return;
            }
        }

        if (_attributeCount >= _limits.AttributeCountLimit)
        {
            _droppedAttributes++;
            return;
        }

        if (_attributeCount == _attributes.Length)
        {
            Array.Resize(ref _attributes, Math.Max(8, _attributes.Length * 2));
            Array.Resize(ref _keyTags, _attributes.Length);
        }

        _keyTags[_attributeCount] = tag;
        _attributes[_attributeCount++] = new KeyValue(key, v);
    }

    /// <summary>
    /// The key's length, middle and last characters in one int: equal keys have equal tags, and keys that differ only
    /// in a numeric suffix or in length (most attribute names) have different ones.
    /// </summary>
    private static int KeyTag(string key) =>
        key.Length == 0 ? 0 : (key.Length << 16) ^ (key[^1] << 7) ^ key[key.Length >> 1];

    internal void AddEvent(string name, long timestampUnixNano, ReadOnlySpan<KeyValue> attributes)
    {
        if (_eventCount >= _limits.EventCountLimit)
        {
            _droppedEvents++;
            return;
        }

        int count = Math.Min(attributes.Length, _limits.AttributePerEventCountLimit);
        int offset = Append(ref _eventAttributes, ref _eventAttributeCount, attributes[..count]);
        if (_eventCount == _events.Length)
        {
            Array.Resize(ref _events, Math.Max(4, _events.Length * 2));
        }

        _events[_eventCount++] = new SpanEvent(name ?? string.Empty, timestampUnixNano, _eventAttributes, offset, count, attributes.Length - count);
    }

    internal void AddLink(in Link link)
    {
        if (!link.Context.IsValid)
        {
            return;
        }

        if (_linkCount >= _limits.LinkCountLimit)
        {
            _droppedLinks++;
            return;
        }

        var attributes = link.Attributes;
        int count = Math.Min(attributes.Length, _limits.AttributePerLinkCountLimit);
        int offset = Append(ref _linkAttributes, ref _linkAttributeCount, attributes[..count]);
        if (_linkCount == _links.Length)
        {
            Array.Resize(ref _links, Math.Max(2, _links.Length * 2));
        }

        _links[_linkCount++] = new Link(link.Context, _linkAttributes, offset, count, link.DroppedAttributeCount + attributes.Length - count);
    }

    // Appends to a flat attribute buffer shared by all events (or links) of this record. When the buffer grows, earlier
    // events keep pointing at the old array, whose contents never change again, so every event stays valid.
    private int Append(ref KeyValue[] buffer, ref int used, ReadOnlySpan<KeyValue> items)
    {
        if (items.IsEmpty)
        {
            return 0;
        }

        if (used + items.Length > buffer.Length)
        {
            var bigger = new KeyValue[Math.Max(Math.Max(8, buffer.Length * 2), used + items.Length)];
            buffer.AsSpan(0, used).CopyTo(bigger);
            buffer = bigger;
        }

        int offset = used;
        int limit = _limits.AttributeValueLengthLimit;
        for (int i = 0; i < items.Length; i++)
        {
            var kv = items[i];
            buffer[used++] = limit == int.MaxValue ? kv : new KeyValue(kv.Key, kv.Value.Truncate(limit));
        }

        return offset;
    }

    internal void SetStatus(SpanStatus status)
    {
        // Ok is final; Unset never overrides; a description is only kept with Error.
        if (_status.Code == StatusCode.Ok || status.Code == StatusCode.Unset)
        {
            return;
        }

        _status = status.Code == StatusCode.Error ? status : new SpanStatus(StatusCode.Ok);
    }

    internal void UpdateName(string name) => _name = name ?? _name;

    /// <summary>Marks the span ended (one CAS, so concurrent or repeated End calls end it once) and hands it to the processors.</summary>
    internal bool TryEnd(int stamp, long endUnixNano)
    {
        if (Interlocked.CompareExchange(ref _stamp, stamp | 1, stamp) != stamp)
        {
            return false;
        }

        _endUnixNano = endUnixNano == 0 ? Clock.NowUnixNano() : endUnixNano;
        if (_endUnixNano < _startUnixNano)
        {
            _endUnixNano = _startUnixNano;
        }

        _provider!.OnEnd(this);
        return true;
    }

    /// <summary>Sets the number of owners before the record is handed to processors.</summary>
    internal void SetOwners(int count) => _refCount = count;

    /// <summary>Adds an owner (a processor that keeps the record past <c>OnEnd</c>).</summary>
    internal void Retain() => Interlocked.Increment(ref _refCount);

    /// <summary>Drops an owner; the last one returns the record to its pool.</summary>
    internal void Release()
    {
        if (ReleaseReference())
        {
            _home?.Return(this);
        }
    }

    /// <summary>
    /// Drops an owner without returning the record; true when this was the last owner, and the caller must then hand
    /// the record to <see cref="Home"/> (the batch processor returns a whole batch's records with one operation per pool).
    /// </summary>
    internal bool ReleaseReference()
    {
        // With a single owner nobody else can touch the count, so skip the interlocked operation.
        if (Volatile.Read(ref _refCount) == 1 || Interlocked.Decrement(ref _refCount) == 0)
        {
            _refCount = 0;

            // Do not keep the provider (and through it processors and exporters) alive from a pooled record.
            _provider = null;
            if (_home is not null)
            {
                DropReferences();
            }

            return true;
        }

        return false;
    }

    /// <summary>The pool this record returns to; null for clones.</summary>
    internal SpanDataPool? Home => _home;

    /// <summary>
    /// The last owner let go of a pooled record: drop what it references (attribute, event and link slots, the name,
    /// the status description) now rather than when the record is rented again. A pooled record is old (gen2) and the
    /// span's strings and arrays are young; left referenced until the next rent, they survive gen0 collections through
    /// the record's card-table entries and get promoted. Measured with the web-service benchmark: about 15-28 µs of GC
    /// pause per request with the references kept, about 4 µs with them dropped at release (OpenTelemetry ~5 µs).
    /// Runs on the releasing thread (usually the exporter's), which has just read these slots; the counts stay until
    /// <see cref="ResetForReuse"/>, so the record's count fields are written by the renting thread only.
    /// </summary>
    private void DropReferences()
    {
        // Most spans have no events or links; skipping empty clears saves a call each.
        if (_attributeCount != 0)
        {
            Array.Clear(_attributes, 0, _attributeCount);
        }

        if ((_eventCount | _eventAttributeCount) != 0)
        {
            Array.Clear(_events, 0, _eventCount);
            Array.Clear(_eventAttributes, 0, _eventAttributeCount);
        }

        if ((_linkCount | _linkAttributeCount) != 0)
        {
            Array.Clear(_links, 0, _linkCount);
            Array.Clear(_linkAttributes, 0, _linkAttributeCount);
        }

        _name = string.Empty;
        _status = default;
    }

    /// <summary>
    /// Resets the counts of the previous span (whose references <see cref="DropReferences"/> dropped when it was
    /// released) and moves to the next generation. Runs on the renting thread when the pool hands the record out again,
    /// not on the releasing thread: the releasing thread is usually the exporter's, and writing the count fields there
    /// would move the record's cache lines to the exporter's core only for the producer to pull them back at its next
    /// span. Until then the stamp keeps its ended bit, so every handle to the old span is a no-op.
    /// </summary>
    internal void ResetForReuse()
    {
        if (_attributes.Length > MaxPooledBufferLength)
        {
            _attributes = [];
            _keyTags = [];
        }

        if (_events.Length > MaxPooledBufferLength || _eventAttributes.Length > MaxPooledBufferLength)
        {
            _events = [];
            _eventAttributes = [];
        }

        if (_links.Length > MaxPooledBufferLength || _linkAttributes.Length > MaxPooledBufferLength)
        {
            _links = [];
            _linkAttributes = [];
        }

        _attributeCount = _droppedAttributes = 0;
        _eventCount = _droppedEvents = _eventAttributeCount = 0;
        _linkCount = _droppedLinks = _linkAttributeCount = 0;
        _endUnixNano = 0;

        // Next generation, live. Written last: from here on a stale handle's stamp can never match.
        Volatile.Write(ref _stamp, (_stamp & ~1) + 2);
    }

    /// <summary>For diagnostics.</summary>
    public override string ToString() => $"{_name} {_context}";

    [Conditional("DEBUG")]
    internal void AssertOwned() => Debug.Assert(_refCount > 0);
}

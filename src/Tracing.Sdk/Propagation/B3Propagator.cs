using System;
using System.Collections.Generic;

namespace Tracing.Sdk.Propagation;

/// <summary>
/// Zipkin B3: the single <c>b3</c> header (<c>{traceid}-{spanid}-{sampling}-{parentspanid}</c>) and the multi-header
/// form (<c>X-B3-TraceId</c>, <c>X-B3-SpanId</c>, <c>X-B3-ParentSpanId</c>, <c>X-B3-Sampled</c>, <c>X-B3-Flags</c>).
/// <para>
/// Extraction tries the single header first, then the multiple headers. Ids are 16 or 32 hex digits (a 64-bit trace id
/// is padded on the left to 128 bits); the specification asks for lower case but common tracers send upper case, so
/// either is accepted. <c>X-B3-Sampled</c> accepts <c>1</c>/<c>0</c> and the legacy <c>true</c>/<c>false</c>. The
/// debug decision (<c>d</c>, <c>X-B3-Flags: 1</c>) means sampled, and is kept for the rest of the trace in a reserved
/// trace-state entry that child spans inherit, so it is propagated onward; the W3C propagator never writes it. An
/// absent ("deferred") sampling state is read as not sampled. The parent span id is validated but not used.
/// </para>
/// <para>
/// <c>b3: 0</c> (or <c>X-B3-Sampled: 0</c> without ids) is a deny decision without ids. It is honoured by returning a
/// remote, not-sampled context with fresh random ids: a parent-based sampler then drops the trace, and services further
/// down receive the deny decision with the new ids. <c>b3: 1</c> and <c>b3: d</c> without ids are ignored (the local
/// sampler decides): honouring them the same way would record spans under a parent no one ever reports.
/// </para>
/// <para>
/// Injection writes the single header by default, or the multiple headers; a 64-bit trace id (upper half zero) is
/// written as 16 digits, anything else as 32, always lower case. The parent span id is not written.
/// </para>
/// </summary>
public sealed class B3Propagator : TextMapPropagator
{
    /// <summary>The single header.</summary>
    public const string SingleHeader = "b3";

    /// <summary>The multi-header trace id.</summary>
    public const string TraceIdHeader = "X-B3-TraceId";

    /// <summary>The multi-header span id.</summary>
    public const string SpanIdHeader = "X-B3-SpanId";

    /// <summary>The multi-header parent span id.</summary>
    public const string ParentSpanIdHeader = "X-B3-ParentSpanId";

    /// <summary>The multi-header sampling decision.</summary>
    public const string SampledHeader = "X-B3-Sampled";

    /// <summary>The multi-header debug flag.</summary>
    public const string FlagsHeader = "X-B3-Flags";

    /// <summary>Longest single header: 32 + 1 + 16 + 1 + 1 + 1 + 16 characters.</summary>
    private const int MaxSingleLength = 68;

    private static readonly IReadOnlyCollection<string> s_singleFields = Array.AsReadOnly([SingleHeader]);
    private static readonly IReadOnlyCollection<string> s_multiFields =
        Array.AsReadOnly([TraceIdHeader, SpanIdHeader, ParentSpanIdHeader, SampledHeader, FlagsHeader]);

    private readonly bool _singleHeader;

    /// <summary>Creates a B3 propagator.</summary>
    /// <param name="singleHeader">Whether injection writes the single <c>b3</c> header (default) or the multiple headers.</param>
    public B3Propagator(bool singleHeader = true) => _singleHeader = singleHeader;

    /// <summary>A propagator that writes the single <c>b3</c> header.</summary>
    public static B3Propagator Single { get; } = new(singleHeader: true);

    /// <summary>A propagator that writes the multiple <c>X-B3-*</c> headers.</summary>
    public static B3Propagator Multi { get; } = new(singleHeader: false);

    /// <summary>Whether injection writes the single header.</summary>
    public bool InjectsSingleHeader => _singleHeader;

    /// <inheritdoc/>
    public override IReadOnlyCollection<string> Fields => _singleHeader ? s_singleFields : s_multiFields;

    /// <inheritdoc/>
    public override void Inject<TCarrier>(in PropagationContext context, TCarrier carrier, Action<TCarrier, string, string> setter)
    {
        var span = context.SpanContext;
        if (!span.IsValid || setter is null)
        {
            return;
        }

        bool debug = DebugMarker.IsSet(span.TraceState);
        char sampling = debug ? 'd' : span.IsSampled ? '1' : '0';
        int traceIdLength = span.TraceId.High == 0 ? 16 : 32;
        if (_singleHeader)
        {
            string value = string.Create(traceIdLength + 1 + 16 + 2, (span.TraceId, span.SpanId, sampling), static (chars, s) =>
            {
                int n = WriteTraceId(s.TraceId, chars);
                chars[n++] = '-';
                Hex.WriteLower(s.SpanId.Value, chars[n..]);
                n += 16;
                chars[n++] = '-';
                chars[n] = s.sampling;
            });
            setter(carrier, SingleHeader, value);
            return;
        }

        setter(carrier, TraceIdHeader, string.Create(traceIdLength, span.TraceId, static (chars, id) => WriteTraceId(id, chars)));
        setter(carrier, SpanIdHeader, span.SpanId.ToString());
        if (debug)
        {
            // B3: debug implies accept, so X-B3-Sampled is not sent alongside X-B3-Flags.
            setter(carrier, FlagsHeader, "1");
        }
        else
        {
            setter(carrier, SampledHeader, span.IsSampled ? "1" : "0");
        }
    }

    /// <inheritdoc/>
    public override PropagationContext Extract<TCarrier>(in PropagationContext context, TCarrier carrier, Func<TCarrier, string, string?> getter)
    {
        if (getter is null)
        {
            return context;
        }

        if (getter(carrier, SingleHeader) is { } single && TryParseSingle(single, out var fromSingle))
        {
            return new PropagationContext(fromSingle, context.Baggage);
        }

        return TryExtractMulti(carrier, getter, out var fromMulti) ? new PropagationContext(fromMulti, context.Baggage) : context;
    }

    /// <summary>Parses a <c>b3</c> header value; false when it is malformed or carries no usable decision.</summary>
    internal static bool TryParseSingle(ReadOnlySpan<char> value, out SpanContext context)
    {
        context = default;
        if (value.Length > MaxSingleLength + 8)
        {
            return false;
        }

        value = value.Trim(" \t");
        if (value.Length == 1)
        {
            // Sampling state alone: only a deny is honoured (see the type's remarks).
            if (value[0] == '0')
            {
                context = DenyContext();
                return true;
            }

            return false;
        }

        int dash = value.IndexOf('-');
        if (dash < 0 || !TraceId.TryParseLenient(value[..dash], allowUpperCase: true, out var traceId) || !traceId.IsValid)
        {
            return false;
        }

        value = value[(dash + 1)..];
        if (value.Length < 16 || !SpanId.TryParse(value[..16], allowUpperCase: true, out var spanId) || !spanId.IsValid)
        {
            return false;
        }

        value = value[16..];
        char sampling = '\0';
        if (!value.IsEmpty)
        {
            // "-{sampling}" and optionally "-{parentspanid}"
            if (value.Length < 2 || value[0] != '-')
            {
                return false;
            }

            sampling = value[1];
            if (sampling is not ('0' or '1' or 'd'))
            {
                return false;
            }

            value = value[2..];
            if (!value.IsEmpty && (value.Length != 17 || value[0] != '-' || !SpanId.TryParse(value[1..], allowUpperCase: true, out _)))
            {
                return false;
            }
        }

        context = Create(traceId, spanId, sampled: sampling is '1' or 'd', debug: sampling == 'd');
        return true;
    }

    private static bool TryExtractMulti<TCarrier>(TCarrier carrier, Func<TCarrier, string, string?> getter, out SpanContext context)
    {
        context = default;
        bool debug = getter(carrier, FlagsHeader) is { } flags && flags.AsSpan().Trim(" \t") is "1";
        bool? sampled = ParseSampled(getter(carrier, SampledHeader));
        string? traceIdValue = getter(carrier, TraceIdHeader);
        if (traceIdValue is null)
        {
            // No ids: only a deny decision is honoured, as for the single header.
            if (sampled == false && !debug && getter(carrier, SpanIdHeader) is null)
            {
                context = DenyContext();
                return true;
            }

            return false;
        }

        if (!TraceId.TryParseLenient(traceIdValue.AsSpan().Trim(" \t"), allowUpperCase: true, out var traceId) || !traceId.IsValid
            || getter(carrier, SpanIdHeader) is not { } spanIdValue
            || !SpanId.TryParse(spanIdValue.AsSpan().Trim(" \t"), allowUpperCase: true, out var spanId) || !spanId.IsValid)
        {
            return false;
        }

        if (getter(carrier, ParentSpanIdHeader) is { } parent && !SpanId.TryParse(parent.AsSpan().Trim(" \t"), allowUpperCase: true, out _))
        {
            return false;
        }

        context = Create(traceId, spanId, sampled: debug || sampled == true, debug);
        return true;
    }

    private static bool? ParseSampled(string? value)
    {
        if (value is null)
        {
            return null;
        }

        var v = value.AsSpan().Trim(" \t");
        if (v is "1" || v.Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (v is "0" || v.Equals("false", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return null;
    }

    private static SpanContext Create(TraceId traceId, SpanId spanId, bool sampled, bool debug) =>
        new(traceId, spanId, sampled ? TraceFlags.Sampled : TraceFlags.None, debug ? DebugMarker.Mark(null) : null, isRemote: true);

    private static SpanContext DenyContext() =>
        new(IdGenerator.Random.NewTraceId(), IdGenerator.Random.NewSpanId(), TraceFlags.None, null, isRemote: true);

    /// <summary>Writes 16 digits when the upper half is zero (a 64-bit id), else 32; returns the count.</summary>
    private static int WriteTraceId(TraceId id, Span<char> chars)
    {
        if (id.High == 0)
        {
            Hex.WriteLower(id.Low, chars);
            return 16;
        }

        Hex.WriteLower(id.High, chars);
        Hex.WriteLower(id.Low, chars[16..]);
        return 32;
    }
}

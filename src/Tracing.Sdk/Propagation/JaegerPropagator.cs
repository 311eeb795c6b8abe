using System;
using System.Collections.Generic;
using System.Globalization;

namespace Tracing.Sdk.Propagation;

/// <summary>
/// Jaeger: <c>uber-trace-id: {trace-id}:{span-id}:{parent-span-id}:{flags}</c>, <c>uberctx-{key}</c> baggage, and the
/// extract-only <c>jaeger-debug-id</c> and <c>jaeger-baggage</c> headers.
/// <para>
/// Extraction accepts the value URL-encoded (<c>%3A</c> for <c>:</c>), hex of either case, and ids with their leading
/// zeros omitted, as Jaeger clients write them (a trace id of up to 16 digits is a 64-bit id, padded to 128 bits).
/// Flags are a hex bitmap: 1 sampled, 2 debug (debug implies sampled). A <c>jaeger-debug-id</c> beside a valid
/// <c>uber-trace-id</c> marks the trace debug and sampled; on its own it is ignored, since a propagator cannot start
/// the trace or tag its span. The debug decision is carried as <see cref="B3Propagator"/> carries it, so both formats
/// propagate it onward. The deprecated parent span id is validated but not used.
/// </para>
/// <para>
/// <c>uberctx-{key}</c> names are not fixed, so <see cref="Fields"/> lists only <c>uber-trace-id</c>, and baggage is
/// extracted only through the overload that can list the carrier's keys; values are URL-decoded (<c>+</c> is a space)
/// and must decode to valid UTF-8. Injection writes <c>uber-trace-id</c> with 16 or 32 lower-case digits (16 when the
/// upper half of the trace id is zero), parent <c>0</c>, and one <c>uberctx-{key}</c> per baggage member whose name is
/// an HTTP token, its value URL-encoded; at most 64 members and 8192 characters of values.
/// </para>
/// </summary>
public sealed class JaegerPropagator : TextMapPropagator
{
    /// <summary>The trace context header.</summary>
    public const string TraceIdHeader = "uber-trace-id";

    /// <summary>The prefix of baggage headers.</summary>
    public const string BaggageHeaderPrefix = "uberctx-";

    /// <summary>The header that asks for a debug (force-sampled) trace.</summary>
    public const string DebugIdHeader = "jaeger-debug-id";

    /// <summary>The extract-only header of comma-separated <c>key=value</c> baggage.</summary>
    public const string BaggageHeader = "jaeger-baggage";

    /// <summary>Longest accepted value: 32 + 16 + 16 + 2 digits and three separators of up to 3 characters, with room for white space.</summary>
    private const int MaxTraceIdHeaderLength = 96;

    private const int MaxBaggageLength = 8192;

    private static readonly IReadOnlyCollection<string> s_fields = Array.AsReadOnly([TraceIdHeader]);

    /// <summary>The shared instance; the propagator is stateless.</summary>
    public static JaegerPropagator Instance { get; } = new();

    /// <summary>The fixed header this propagator writes: <c>uber-trace-id</c>. It also writes <c>uberctx-{key}</c> headers.</summary>
    public override IReadOnlyCollection<string> Fields => s_fields;

    /// <inheritdoc/>
    public override void Inject<TCarrier>(in PropagationContext context, TCarrier carrier, Action<TCarrier, string, string> setter)
    {
        if (setter is null)
        {
            return;
        }

        var span = context.SpanContext;
        if (span.IsValid)
        {
            char flags = DebugMarker.IsSet(span.TraceState) ? '3' : span.IsSampled ? '1' : '0';
            int traceIdLength = span.TraceId.High == 0 ? 16 : 32;
            setter(carrier, TraceIdHeader, string.Create(traceIdLength + 1 + 16 + 3 + 1, (span.TraceId, span.SpanId, flags), static (chars, s) =>
            {
                int n = 0;
                if (s.TraceId.High != 0)
                {
                    Hex.WriteLower(s.TraceId.High, chars);
                    n = 16;
                }

                Hex.WriteLower(s.TraceId.Low, chars[n..]);
                n += 16;
                chars[n++] = ':';
                Hex.WriteLower(s.SpanId.Value, chars[n..]);
                n += 16;
                chars[n++] = ':';
                chars[n++] = '0';
                chars[n++] = ':';
                chars[n] = s.flags;
            }));
        }

        if (context.Baggage is { Count: > 0 } baggage)
        {
            int total = 0;
            int written = 0;
            foreach (var m in baggage.Members)
            {
                if (written == Baggage.MaxMembers)
                {
                    break;
                }

                if (!BaggagePropagator.IsToken(m.Name))
                {
                    continue;
                }

                string value = Uri.EscapeDataString(m.Value);
                if (total + value.Length > MaxBaggageLength)
                {
                    continue;
                }

                total += value.Length;
                written++;
                setter(carrier, BaggageHeaderPrefix + m.Name, value);
            }
        }
    }

    /// <inheritdoc/>
    public override PropagationContext Extract<TCarrier>(in PropagationContext context, TCarrier carrier, Func<TCarrier, string, string?> getter)
    {
        if (getter is null)
        {
            return context;
        }

        var result = context;
        if (getter(carrier, TraceIdHeader) is { } value && TryParseTraceId(value, out var span))
        {
            if (!DebugMarker.IsSet(span.TraceState) && getter(carrier, DebugIdHeader) is { Length: > 0 })
            {
                span = new SpanContext(span.TraceId, span.SpanId, span.TraceFlags | TraceFlags.Sampled, DebugMarker.Only, isRemote: true);
            }

            result = new PropagationContext(span, context.Baggage);
        }

        if (getter(carrier, BaggageHeader) is { Length: > 0 } jaegerBaggage)
        {
            result = new PropagationContext(result.SpanContext, MergeJaegerBaggage(result.Baggage, jaegerBaggage));
        }

        return result;
    }

    /// <inheritdoc/>
    public override PropagationContext Extract<TCarrier>(in PropagationContext context, TCarrier carrier, Func<TCarrier, string, string?> getter, Func<TCarrier, IEnumerable<string>> keys)
    {
        var result = Extract(context, carrier, getter);
        if (getter is null || keys is null)
        {
            return result;
        }

        Baggage? baggage = result.Baggage;
        int total = 0;
        int added = 0;
        foreach (var key in keys(carrier))
        {
            if (added == Baggage.MaxMembers)
            {
                break;
            }

            if (key is null || key.Length <= BaggageHeaderPrefix.Length || !key.StartsWith(BaggageHeaderPrefix, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var name = key.AsSpan(BaggageHeaderPrefix.Length);
            if (!BaggagePropagator.IsToken(name) || getter(carrier, key) is not { } raw || total + raw.Length > MaxBaggageLength
                || !TryUrlDecode(raw, out string? decoded))
            {
                continue;
            }

            total += raw.Length;
            added++;
            baggage = (baggage ?? Baggage.Empty).SetItem(name.ToString().ToLowerInvariant(), decoded);
        }

        return ReferenceEquals(baggage, result.Baggage) ? result : new PropagationContext(result.SpanContext, baggage);
    }

    /// <summary>Parses an <c>uber-trace-id</c> value; false when it is malformed or has an all-zero id.</summary>
    internal static bool TryParseTraceId(ReadOnlySpan<char> value, out SpanContext context)
    {
        context = default;
        if (value.Length > MaxTraceIdHeaderLength)
        {
            return false;
        }

        scoped ReadOnlySpan<char> text = value.Trim(" \t");
        Span<char> decoded = stackalloc char[MaxTraceIdHeaderLength];
        if (text.Contains('%'))
        {
            // URL-encoded form: only "%3A" (the separator) may appear escaped.
            int n = 0;
            for (int i = 0; i < text.Length; i++)
            {
                if (text[i] != '%')
                {
                    decoded[n++] = text[i];
                }
                else if (i + 2 < text.Length && text[i + 1] == '3' && text[i + 2] is 'A' or 'a')
                {
                    decoded[n++] = ':';
                    i += 2;
                }
                else
                {
                    return false;
                }
            }

            text = decoded[..n];
        }

        Span<Range> parts = stackalloc Range[5];
        if (text.Split(parts, ':') != 4)
        {
            return false;
        }

        var traceIdHex = text[parts[0]];
        var spanIdHex = text[parts[1]];
        var parentHex = text[parts[2]];
        var flagsHex = text[parts[3]];
        if (traceIdHex.Length is 0 or > 32 || spanIdHex.Length is 0 or > 16 || parentHex.Length is 0 or > 16 || flagsHex.Length is 0 or > 2)
        {
            return false;
        }

        // Jaeger omits leading zeros: the last 16 digits are the low half, whatever precedes them the high half.
        int split = Math.Max(0, traceIdHex.Length - 16);
        if (!Hex.TryParseUInt64(traceIdHex[..split], allowUpperCase: true, out ulong high)
            || !Hex.TryParseUInt64(traceIdHex[split..], allowUpperCase: true, out ulong low)
            || !Hex.TryParseUInt64(spanIdHex, allowUpperCase: true, out ulong spanId)
            || !Hex.TryParseUInt64(parentHex, allowUpperCase: true, out _)
            || !Hex.TryParseUInt64(flagsHex, allowUpperCase: true, out ulong flags)
            || (high | low) == 0 || spanId == 0)
        {
            return false;
        }

        bool debug = (flags & 2) != 0;
        bool sampled = debug || (flags & 1) != 0;
        context = new SpanContext(new TraceId(high, low), new SpanId(spanId), sampled ? TraceFlags.Sampled : TraceFlags.None,
            debug ? DebugMarker.Only : null, isRemote: true);
        return true;
    }

    /// <summary>URL-decodes a value (<c>+</c> is a space); false for a malformed escape, non-ASCII text or invalid UTF-8.</summary>
    internal static bool TryUrlDecode(string raw, out string value)
    {
        value = string.Empty;
        foreach (char c in raw)
        {
            if (c is < ' ' or > '~')
            {
                return false;
            }
        }

        return BaggagePropagator.TryPercentDecode(raw.Contains('+', StringComparison.Ordinal) ? raw.Replace('+', ' ') : raw, out value);
    }

    /// <summary><c>jaeger-baggage: k1=v1, k2=v2</c>: plain (not encoded) values; malformed pairs are skipped.</summary>
    private static Baggage? MergeJaegerBaggage(Baggage? baggage, string header)
    {
        ReadOnlySpan<char> all = header.Length > MaxBaggageLength ? header.AsSpan(0, MaxBaggageLength) : header;
        int added = 0;
        foreach (var range in all.Split(','))
        {
            if (added == Baggage.MaxMembers)
            {
                break;
            }

            var pair = all[range];
            int eq = pair.IndexOf('=');
            if (eq <= 0)
            {
                continue;
            }

            var name = pair[..eq].Trim(" \t");
            var value = pair[(eq + 1)..].Trim(" \t");
            if (!BaggagePropagator.IsToken(name) || !IsPrintableAscii(value))
            {
                continue;
            }

            added++;
            baggage = (baggage ?? Baggage.Empty).SetItem(name.ToString().ToLower(CultureInfo.InvariantCulture), value.ToString());
        }

        return baggage;
    }

    private static bool IsPrintableAscii(ReadOnlySpan<char> s)
    {
        foreach (char c in s)
        {
            if (c is < ' ' or > '~')
            {
                return false;
            }
        }

        return true;
    }
}

using System;

namespace Tracing.Sdk.Sampling;

/// <summary>
/// The OpenTelemetry consistent-probability encoding carried in the <c>ot</c> trace-state member: <c>th</c>, the
/// rejection threshold (1 to 14 lowercase hex digits, trailing zeros removed, read as the top digits of a 56-bit
/// number), and <c>rv</c>, explicit randomness (exactly 14 lowercase hex digits) that replaces the trace id's random
/// bits. A span is sampled when its randomness R is at or above the threshold T; the probability is
/// <c>1 - T / 2^56</c>. Malformed sub-values are ignored, as the specification asks: they never fail a span.
/// </summary>
internal static class ConsistentProbability
{
    public const string Key = "ot";

    /// <summary>2^56: the threshold that rejects every span (probability 0; never written).</summary>
    public const ulong NeverSample = 1UL << 56;

    public const ulong RandomnessMask = NeverSample - 1;

    /// <summary>The rejection threshold for <paramref name="ratio"/>: <c>(1 - ratio) * 2^56</c>.</summary>
    /// <remarks>Computed as <c>2^56 - round(ratio * 2^56)</c>: scaling by a power of two is exact, so only one rounding happens.</remarks>
    public static ulong ThresholdFor(double ratio) => ratio >= 1 ? 0 : ratio <= 0 ? NeverSample : NeverSample - (ulong)Math.Round(ratio * NeverSample);

    /// <summary>The probability a threshold stands for.</summary>
    public static double RatioOf(ulong threshold) => 1.0 - ((double)threshold / NeverSample);

    /// <summary>The <c>th</c> text of a threshold below 2^56: 14 hex digits with trailing zeros removed (<c>0</c> for always).</summary>
    public static string Encode(ulong threshold)
    {
        if (threshold == 0)
        {
            return "0";
        }

        Span<char> digits = stackalloc char[14];
        for (int i = 13; i >= 0; i--)
        {
            digits[i] = "0123456789abcdef"[(int)(threshold & 0xF)];
            threshold >>= 4;
        }

        return new string(digits.TrimEnd('0'));
    }

    /// <summary>Parses a <c>th</c> value: 1 to 14 lowercase hex digits, padded on the right with zeros.</summary>
    public static bool TryParseThreshold(ReadOnlySpan<char> text, out ulong threshold)
    {
        threshold = 0;
        if (text.IsEmpty || text.Length > 14 || !TryParseHex(text, out ulong value))
        {
            return false;
        }

        threshold = value << (4 * (14 - text.Length));
        return true;
    }

    /// <summary>Parses an <c>rv</c> value: exactly 14 lowercase hex digits.</summary>
    public static bool TryParseRandomness(ReadOnlySpan<char> text, out ulong randomness)
    {
        randomness = 0;
        return text.Length == 14 && TryParseHex(text, out randomness);
    }

    /// <summary>The <c>ot</c> member's value in <paramref name="state"/> without allocating; empty when absent.</summary>
    public static ReadOnlySpan<char> OtValue(TraceState? state) => state is null ? default : state.GetValueSpan(Key);

    /// <summary>Reads the <c>th</c> and <c>rv</c> sub-keys of an <c>ot</c> value; a malformed one reads as absent.</summary>
    public static void Read(ReadOnlySpan<char> ot, out bool hasThreshold, out ulong threshold, out bool hasRandomness, out ulong randomness)
    {
        hasThreshold = false;
        hasRandomness = false;
        threshold = 0;
        randomness = 0;
        while (!ot.IsEmpty)
        {
            int semi = ot.IndexOf(';');
            var item = semi < 0 ? ot : ot[..semi];
            ot = semi < 0 ? default : ot[(semi + 1)..];
            if (item.Length > 3 && item[2] == ':')
            {
                if (item.StartsWith("th", StringComparison.Ordinal) && !hasThreshold)
                {
                    hasThreshold = TryParseThreshold(item[3..], out threshold);
                }
                else if (item.StartsWith("rv", StringComparison.Ordinal) && !hasRandomness)
                {
                    hasRandomness = TryParseRandomness(item[3..], out randomness);
                }
            }
        }
    }

    /// <summary>
    /// The <c>ot</c> value with <c>th</c> set to <paramref name="threshold"/> (or removed when it is null), the other
    /// sub-keys kept in order; null when nothing is left.
    /// </summary>
    public static string? WithThreshold(ReadOnlySpan<char> ot, string? threshold)
    {
        var sb = new System.Text.StringBuilder();
        if (threshold is not null)
        {
            sb.Append("th:").Append(threshold);
        }

        while (!ot.IsEmpty)
        {
            int semi = ot.IndexOf(';');
            var item = semi < 0 ? ot : ot[..semi];
            ot = semi < 0 ? default : ot[(semi + 1)..];
            if (item.IsEmpty || item.StartsWith("th:", StringComparison.Ordinal))
            {
                continue;
            }

            if (sb.Length > 0)
            {
                sb.Append(';');
            }

            sb.Append(item);
        }

        return sb.Length == 0 ? null : sb.ToString();
    }

    /// <summary>
    /// <paramref name="state"/> with the <c>ot</c> member's <c>th</c> replaced (or removed), or the state unchanged
    /// when the result would break the W3C grammar (a hostile <c>ot</c> value is then left as it came).
    /// </summary>
    public static TraceState? Rewrite(TraceState? state, string? threshold)
    {
        var ot = OtValue(state);
        string? value = WithThreshold(ot, threshold);
        var baseState = state ?? TraceState.Empty;
        if (value is null)
        {
            return baseState.Without(Key);
        }

        return TraceState.IsValidValue(value) ? baseState.With(Key, value) : state;
    }

    private static bool TryParseHex(ReadOnlySpan<char> text, out ulong value)
    {
        value = 0;
        foreach (char c in text)
        {
            int d = c is >= '0' and <= '9' ? c - '0' : c is >= 'a' and <= 'f' ? c - 'a' + 10 : -1;
            if (d < 0)
            {
                return false;
            }

            value = (value << 4) | (uint)d;
        }

        return true;
    }
}

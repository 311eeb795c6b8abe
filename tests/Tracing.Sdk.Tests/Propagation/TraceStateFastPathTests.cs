using System;
using System.Linq;
using System.Runtime.Intrinsics;
using System.Text;
using Tracing.Sdk.Propagation;
using Xunit;

namespace Tracing.Sdk.Tests.Propagation;

/// <summary>
/// The vectorized path that accepts a canonical <c>tracestate</c> (ASCII, <c>key=value</c> joined by single commas,
/// at most 512 characters) must answer exactly as the general parsers do: these tests compare it with
/// <see cref="TraceState.TryParse"/>, an independent scalar implementation, around every block boundary of the
/// 16- and 64-character classifiers.
/// </summary>
public class TraceStateFastPathTests
{
    private const string TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    // Every character a key may hold, and every one a value may hold (a value may not end in a space).
    private const string AllKeyChars = "abcdefghijklmnopqrstuvwxyz0123456789_-*/@";
    private const string AllValueChars = " !\"#$%&'()*+-./0123456789:;<>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";

    private static readonly char[] s_badChars = ['\t', ' ', ',', '=', 'A', '\u007f', '\u0000', '\u0080', '\u00e9', '\u0100', '\u2028', '\uffff'];

    /// <summary>A canonical header of exactly <paramref name="length"/> characters (at least 4), keys k0, k1, ...</summary>
    private static string CanonicalOfLength(int length)
    {
        var sb = new StringBuilder();
        int i = 0;
        while (length - sb.Length > 0)
        {
            if (sb.Length > 0)
            {
                sb.Append(',');
            }

            string key = "k" + i++;
            int room = length - sb.Length - key.Length - 1;
            int value = room > 24 + 5 ? 24 : room; // leave room for one more member, or take all that is left
            sb.Append(key).Append('=').Append(new string('v', Math.Max(1, Math.Min(value, 256))));
        }

        return sb.ToString();
    }

    private static void AssertAgreesWithTheReferenceParser(string header)
    {
        bool valid = TraceStateHeader.TryParse(header, dropDebugMarker: false, out var state);
        bool referenceValid = TraceState.TryParse(header, out var reference);

        Assert.True(referenceValid == valid, $"valid {valid}, reference {referenceValid}: \"{header}\"");
        if (valid)
        {
            Assert.Equal(reference.ToString(), state?.ToString() ?? string.Empty);
            Assert.Equal(reference.Count, state?.Count ?? 0);
        }

        // The Activity bridge's entry point takes the fast path too, and must answer exactly as TryParse does.
        Assert.Equal(referenceValid, TraceState.TryParseHeader(header, out var fromString));
        Assert.Equal(reference.ToString(), fromString.ToString());
        Assert.Equal(reference.Count, fromString.Count);
        Assert.Equal(reference.Members.ToArray(), fromString.Members.ToArray());
    }

    public static TheoryData<int> Lengths()
    {
        var data = new TheoryData<int>();
        foreach (int length in Enumerable.Range(4, 140).Concat(Enumerable.Range(180, 20)).Concat(Enumerable.Range(496, 17)))
        {
            data.Add(length);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void AnInvalidCharacterAtAnyPosition_IsJudgedAsTheReferenceParserJudgesIt(int length)
    {
        string header = CanonicalOfLength(length);
        Assert.Equal(length, header.Length);
        AssertAgreesWithTheReferenceParser(header);

        var chars = header.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            foreach (char bad in s_badChars)
            {
                char was = chars[i];
                chars[i] = bad;
                AssertAgreesWithTheReferenceParser(new string(chars));
                chars[i] = was;
            }
        }
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void ACanonicalHeader_IsForwardedAsTheSameString(int length)
    {
        string header = CanonicalOfLength(length);

        Assert.True(TraceStateHeader.TryParse(header, dropDebugMarker: true, out var state));

        Assert.Same(header, state!.ToString());
    }

    [Fact]
    public void EveryAllowedCharacterClass_IsAccepted_AndForwardedUnchanged()
    {
        string header = $"{AllKeyChars}={AllValueChars},0{AllKeyChars[..^1]}=x,z@y={AllValueChars.Trim()}";

        Assert.True(TraceStateHeader.TryParse(header, dropDebugMarker: true, out var state));

        Assert.Same(header, state!.ToString());
        Assert.Equal(3, state.Count);
        Assert.Equal(AllValueChars, state.Get(AllKeyChars));
        AssertAgreesWithTheReferenceParser(header);
    }

    [Theory]
    [InlineData(256, 255, true)] // 512 characters: forwarded whole
    [InlineData(255, 256, true)]
    [InlineData(257, 1, false)]
    [InlineData(1, 257, false)]
    [InlineData(200, 250, true)]
    public void KeyAndValueLengths_AreLimitedTo256(int keyLength, int valueLength, bool valid)
    {
        string header = new string('k', keyLength) + "=" + new string('v', valueLength);

        Assert.Equal(valid, TraceStateHeader.TryParse(header, dropDebugMarker: true, out var state));
        Assert.Equal(valid, state is not null);
        AssertAgreesWithTheReferenceParser(header);
    }

    [Theory]
    [InlineData(32, true)]
    [InlineData(33, false)]
    public void AtMost32Members_AreAccepted(int members, bool valid)
    {
        string header = string.Join(",", Enumerable.Range(0, members).Select(i => $"k{i}=v"));

        Assert.Equal(valid, TraceStateHeader.TryParse(header, dropDebugMarker: true, out _));
        AssertAgreesWithTheReferenceParser(header);
    }

    [Fact]
    public void AHeaderOf513Characters_IsTruncated_NotForwardedWhole()
    {
        string header = CanonicalOfLength(513);

        Assert.True(TraceStateHeader.TryParse(header, dropDebugMarker: true, out var state));

        Assert.NotSame(header, state!.ToString());
        Assert.True(state.ToString().Length <= TraceStateHeader.MaxPropagatedLength);
    }

    [Theory]
    [InlineData("axb=1,ayb=2", 2)] // same length, first and last character: the fingerprint matches, the text does not
    [InlineData("ab=1,cd=2,ab=3", 2)]
    [InlineData("ab=1,ab=1", 1)]
    [InlineData("k0=1,k1=2,k2=3,k1=4,k3=5", 4)]
    public void KeysWithTheSameFingerprint_AreComparedByText(string header, int count)
    {
        Assert.True(TraceStateHeader.TryParse(header, dropDebugMarker: true, out var state));

        Assert.Equal(count, state!.Count);
        AssertAgreesWithTheReferenceParser(header);
    }

    [Theory]
    [InlineData("a=1,b=\u00e9")]
    [InlineData("\u00e9=1")]
    [InlineData("a=1,b=\u0131")] // dotless i: becomes 'i' only under a culture-sensitive comparison
    [InlineData("a=\u0100\u0100\u0100\u0100\u0100\u0100\u0100\u0100\u0100\u0100\u0100\u0100\u0100\u0100\u0100\u0100\u0100")]
    public void NonAsciiCharacters_MakeTheHeaderInvalid(string header)
    {
        Assert.False(TraceStateHeader.TryParse(header, dropDebugMarker: true, out var state));
        Assert.Null(state);
    }

    [Theory]
    [InlineData("a=1,,b=2", "a=1,b=2")]
    [InlineData(",a=1", "a=1")]
    [InlineData("a=1,", "a=1")]
    [InlineData("a=1 , b=2", "a=1,b=2")]
    [InlineData("a=1,\tb=2", "a=1,b=2")]
    [InlineData("a=x y,b=2", "a=x y,b=2")]
    public void NonCanonicalButValidHeaders_AreStillAccepted(string header, string expected)
    {
        Assert.True(TraceStateHeader.TryParse(header, dropDebugMarker: true, out var state));

        Assert.Equal(expected, state!.ToString());
    }

    [Fact]
    public void TryParseHeader_KeepsADebugMarker_AsTryParseDoes()
    {
        Assert.True(TraceState.TryParseHeader("a=1,debug@tracing-sdk=1", out var state));

        Assert.Equal("1", state.Get(DebugMarker.Key));
        Assert.True(DebugMarker.IsSet(state));
    }

    [Fact]
    public void AReceivedDebugMarker_IsDropped_AndTheRestForwarded()
    {
        var ctx = TraceContextPropagator.Instance.Extract(default, Carrier.Of(("traceparent", TraceParent), ("tracestate", "a=1,debug@tracing-sdk=1,b=2")), Carrier.Get);
        var carrier = Carrier.Of();

        TraceContextPropagator.Instance.Inject(ctx, carrier, Carrier.Set);

        Assert.False(ctx.SpanContext.IsDebug);
        Assert.Equal("a=1,b=2", carrier["tracestate"]);
    }

    [Fact]
    public void EveryClassifierWidth_AgreesWithAScalarClassification()
    {
        // Every ASCII character and a few beyond, at every position of headers around the block sizes.
        string alphabet = new string(Enumerable.Range(0, 128).Select(c => (char)c).ToArray()) + "\u0080\u00ff\u0100\uffff";
        var random = new Random(13);
        foreach (int length in Enumerable.Range(1, 140).Concat(Enumerable.Range(500, 13)))
        {
            for (int round = 0; round < 8; round++)
            {
                // Mostly printable, so that most headers are classified through to the end.
                var chars = Enumerable.Range(0, length).Select(_ => random.Next(8) == 0 ? alphabet[random.Next(alphabet.Length)] : (char)random.Next(0x20, 0x7F)).ToArray();
                var header = new string(chars);
                bool printable = header.All(c => c is >= ' ' and <= '~');
                var sets16 = new ulong[24];
                var sets64 = new ulong[24];

                Assert.Equal(printable, CanonicalTraceState.Classify(header, sets16.AsSpan(0, 8), sets16.AsSpan(8, 8), sets16.AsSpan(16, 8), 16));
                if (!printable)
                {
                    Assert.False(Vector256.IsHardwareAccelerated && CanonicalTraceState.Classify(header, new ulong[8], new ulong[8], new ulong[8], 32));
                    Assert.False(Vector512.IsHardwareAccelerated && CanonicalTraceState.Classify(header, new ulong[8], new ulong[8], new ulong[8], 64));
                    continue;
                }

                for (int i = 0; i < length; i++)
                {
                    Assert.Equal(header[i] == ',', IsSet(sets16, 0, i));
                    Assert.Equal(header[i] == '=', IsSet(sets16, 8, i));
                    Assert.Equal(!AllKeyChars.Contains(header[i], StringComparison.Ordinal), IsSet(sets16, 16, i));
                }

                if (Vector256.IsHardwareAccelerated)
                {
                    var sets32 = new ulong[24];
                    Assert.True(CanonicalTraceState.Classify(header, sets32.AsSpan(0, 8), sets32.AsSpan(8, 8), sets32.AsSpan(16, 8), 32));
                    Assert.Equal(sets16, sets32);
                }

                if (Vector512.IsHardwareAccelerated)
                {
                    Assert.True(CanonicalTraceState.Classify(header, sets64.AsSpan(0, 8), sets64.AsSpan(8, 8), sets64.AsSpan(16, 8), 64));
                    Assert.Equal(sets16, sets64);
                }
            }
        }

        static bool IsSet(ulong[] sets, int first, int bit) => (sets[first + (bit >> 6)] & (1UL << (bit & 63))) != 0;
    }
}

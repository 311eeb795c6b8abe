using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using Tracing.Sdk.Propagation;
using Xunit;

namespace Tracing.Sdk.Tests.Propagation;

/// <summary>
/// Seeded random mutations of valid headers, checked against independent oracles (regular expressions written from the
/// specifications): an extractor never throws, accepts exactly what the oracle accepts, reads the ids the oracle reads,
/// and a re-injected context extracts to the same thing.
/// </summary>
public class PropagationFuzzTests
{
    private const int Mutations = 100_000;
    private const string Alphabet = "0123456789abcdefABCDEF-:;,=%  \tdgxz3";

    private static readonly Regex s_traceParent = new(
        @"^(?<v>[0-9a-f]{2})-(?<t>[0-9a-f]{32})-(?<s>[0-9a-f]{16})-(?<f>[0-9a-f]{2})(?<rest>-.*)?\z",
        RegexOptions.Singleline | RegexOptions.CultureInvariant);

    private static readonly Regex s_b3 = new(
        @"^(?<t>[0-9a-fA-F]{16}|[0-9a-fA-F]{32})-(?<s>[0-9a-fA-F]{16})(-(?<x>[01d])(-[0-9a-fA-F]{16})?)?\z",
        RegexOptions.CultureInvariant);

    private static readonly Regex s_uber = new(
        @"^(?<t>[0-9a-fA-F]{1,32}):(?<s>[0-9a-fA-F]{1,16}):[0-9a-fA-F]{1,16}:(?<f>[0-9a-fA-F]{1,2})\z",
        RegexOptions.CultureInvariant);

    private static readonly string[] s_validTraceParents =
    [
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-03",
        "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future",
    ];

    private static readonly string[] s_validB3 =
    [
        "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90",
        "64fe8b2a57d3eff7-e457b5a2e4d86bd1-d",
        "80F198EE56343BA864FE8B2A57D3EFF7-E457B5A2E4D86BD1",
        "0",
    ];

    private static readonly string[] s_validUber =
    [
        "4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0:1",
        "abc:f067aa0ba902b7:0:3",
        "4bf92f3577b34da6a3ce929d0e0e4736%3A00f067aa0ba902b7%3A0%3A1",
    ];

    private static readonly string[] s_validBaggage =
    [
        "key1=value1;property1;property2, key2 = value2, key3=value3; propertyKey=propertyValue",
        "userId=alice,serverNode=DF%2028,name=J%C3%BCrgen",
    ];

    [Fact]
    public void TraceContext_AcceptsExactlyWhatTheSpecificationAccepts()
    {
        var random = new Random(4242);
        int accepted = 0;
        for (int i = 0; i < Mutations; i++)
        {
            string header = Mutate(s_validTraceParents[i % s_validTraceParents.Length], random);
            var ctx = TraceContextPropagator.Instance.Extract(default, Carrier.Of(("traceparent", header)), Carrier.Get).SpanContext;

            var m = s_traceParent.Match(header.Trim(' ', '\t'));
            bool valid = m.Success && m.Groups["v"].Value != "ff" && header.Trim(' ', '\t').Length <= 512
                && !(m.Groups["v"].Value == "00" && m.Groups["rest"].Success)
                && m.Groups["t"].Value != new string('0', 32) && m.Groups["s"].Value != new string('0', 16);
            Assert.True(valid == ctx.IsValid, $"'{header}': oracle {valid}, extractor {ctx.IsValid}");
            accepted += valid ? 1 : 0;
            if (valid)
            {
                Assert.Equal(m.Groups["t"].Value, ctx.TraceId.ToString());
                Assert.Equal(m.Groups["s"].Value, ctx.SpanId.ToString());
                Assert.Equal(Convert.ToByte(m.Groups["f"].Value, 16) & 3, (int)ctx.TraceFlags);
                AssertReinjectionIsConsistent(TraceContextPropagator.Instance, ctx);
            }
        }

        // Both sides of the oracle were exercised.
        Assert.InRange(accepted, Mutations / 100, Mutations - (Mutations / 10));
    }

    [Fact]
    public void B3Single_AcceptsExactlyWhatTheSpecificationAccepts()
    {
        var random = new Random(3131);
        int accepted = 0;
        for (int i = 0; i < Mutations; i++)
        {
            string header = Mutate(s_validB3[i % s_validB3.Length], random);
            var ctx = B3Propagator.Single.Extract(default, Carrier.Of(("b3", header)), Carrier.Get).SpanContext;

            string trimmed = header.Trim(' ', '\t');
            var m = s_b3.Match(trimmed);
            bool deny = trimmed == "0" && header.Length <= 76;
            bool valid = deny || (header.Length <= 76 && m.Success && !IsZero(m.Groups["t"].Value) && !IsZero(m.Groups["s"].Value));
            Assert.True(valid == ctx.IsValid, $"'{header}': oracle {valid}, extractor {ctx.IsValid}");
            accepted += valid ? 1 : 0;
            if (valid && !deny)
            {
                Assert.Equal(m.Groups["t"].Value.ToLowerInvariant().PadLeft(32, '0'), ctx.TraceId.ToString());
                Assert.Equal(m.Groups["s"].Value.ToLowerInvariant(), ctx.SpanId.ToString());
                Assert.Equal(m.Groups["x"].Value is "1" or "d", ctx.IsSampled);
            }

            if (valid)
            {
                AssertReinjectionIsConsistent(B3Propagator.Single, ctx);
                AssertReinjectionIsConsistent(B3Propagator.Multi, ctx);
            }
        }

        // Both sides of the oracle were exercised.
        Assert.InRange(accepted, Mutations / 100, Mutations - (Mutations / 10));
    }

    [Fact]
    public void Jaeger_AcceptsExactlyWhatTheSpecificationAccepts()
    {
        var random = new Random(2727);
        int accepted = 0;
        for (int i = 0; i < Mutations; i++)
        {
            string header = Mutate(s_validUber[i % s_validUber.Length], random);
            var ctx = JaegerPropagator.Instance.Extract(default, Carrier.Of(("uber-trace-id", header)), Carrier.Get).SpanContext;

            string? decoded = DecodeColons(header.Trim(' ', '\t'));
            var m = decoded is null ? Match.Empty : s_uber.Match(decoded);
            bool valid = header.Length <= 96 && m.Success && !IsZero(m.Groups["t"].Value) && !IsZero(m.Groups["s"].Value);
            Assert.True(valid == ctx.IsValid, $"'{header}': oracle {valid}, extractor {ctx.IsValid}");
            accepted += valid ? 1 : 0;
            if (valid)
            {
                Assert.Equal(m.Groups["t"].Value.ToLowerInvariant().PadLeft(32, '0'), ctx.TraceId.ToString());
                Assert.Equal(m.Groups["s"].Value.ToLowerInvariant().PadLeft(16, '0'), ctx.SpanId.ToString());
                Assert.Equal((Convert.ToByte(m.Groups["f"].Value, 16) & 3) != 0, ctx.IsSampled);
                AssertReinjectionIsConsistent(JaegerPropagator.Instance, ctx);
            }
        }

        // Both sides of the oracle were exercised.
        Assert.InRange(accepted, Mutations / 100, Mutations - (Mutations / 10));
    }

    [Fact]
    public void Baggage_NeverThrows_AndWhatItAcceptsRoundTrips()
    {
        var random = new Random(1919);
        for (int i = 0; i < Mutations; i++)
        {
            string header = Mutate(s_validBaggage[i % s_validBaggage.Length], random);
            var baggage = BaggagePropagator.Instance.Extract(default, Carrier.Of(("baggage", header)), Carrier.Get).Baggage;
            if (baggage is null)
            {
                continue;
            }

            Assert.InRange(baggage.Count, 1, Baggage.MaxMembers);
            var carrier = Carrier.Of();
            BaggagePropagator.Instance.Inject(new PropagationContext(default, baggage), carrier, Carrier.Set);
            var back = BaggagePropagator.Instance.Extract(default, carrier, Carrier.Get).Baggage!;
            Assert.Equal(baggage.Members.ToArray(), back.Members.ToArray());
        }
    }

    [Fact]
    public void TraceStateHeader_AcceptsExactlyWhatTheCoreTraceStateParserAccepts()
    {
        var random = new Random(6161);
        string[] seeds =
        [
            "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE",
            " a=1 ,, b@c=2\t,0t@s=x y",
            "vendor0=opaque-value-00000000,vendor1=opaque-value-00000001,vendor2=opaque-value-00000002",
        ];
        int accepted = 0;
        for (int i = 0; i < Mutations; i++)
        {
            string header = Mutate(seeds[i % seeds.Length], random);
            bool reference = TraceState.TryParse(header, out var expected);
            bool ours = TraceStateHeader.TryParse(header, dropDebugMarker: false, out var state);

            Assert.True(reference == ours, $"'{header}': core {reference}, propagator {ours}");
            if (ours)
            {
                accepted++;
                Assert.Equal(expected.ToString(), state?.ToString() ?? string.Empty);
                Assert.Equal(expected.Members.ToArray(), state is null ? [] : state.Members.ToArray());
            }
        }

        Assert.InRange(accepted, Mutations / 100, Mutations - (Mutations / 10));
    }

    [Fact]
    public void FastValidators_AgreeWithTheReferenceOnes()
    {
        var random = new Random(5151);
        string[] seeds = ["vendor", "tenant@system", "0abc@sys", "rojo", "opaque-value-00f067aa0ba902b7", "t61rcWkgMzE", "a@b", "x y", new('k', 256)];
        for (int i = 0; i < Mutations; i++)
        {
            string s = Mutate(seeds[i % seeds.Length], random);
            Assert.Equal(TraceState.IsValidKey(s), TraceStateHeader.IsValidKey(s));
            Assert.Equal(TraceState.IsValidValue(s), TraceStateHeader.IsValidValue(s));

            string hex = Mutate("4bf92f3577b34da6", random);
            bool fast = Hex.TryParseLower16(hex, out ulong a);
            bool scalar = hex.Length == 16 & Hex.TryParseUInt64(hex, allowUpperCase: false, out ulong b);
            Assert.Equal(scalar, fast);
            Assert.True(!fast || a == b, hex);
        }
    }

    [Fact]
    public void VectorHexEncoder_AgreesWithTheScalarOne_AndWritesSixteenCharsOnly()
    {
        var random = new Random(4242);
        ulong[] edges = [0, 1, 0xF, 0x10, 0xFF, ulong.MaxValue, 0x8000_0000_0000_0000, 0x0123_4567_89AB_CDEF, 0xFEDC_BA98_7654_3210];
        Span<char> expected = stackalloc char[16];
        Span<char> actual = stackalloc char[20];
        for (int i = 0; i < 10_000 + edges.Length; i++)
        {
            ulong value = i < edges.Length ? edges[i] : (ulong)random.NextInt64() ^ ((ulong)random.Next() << 40);
            Hex.WriteUInt64(value, expected);
            actual.Fill('#');
            Hex.WriteLower(value, actual[2..18]);
            Assert.Equal(expected.ToString(), actual[2..18].ToString());
            Assert.Equal("##", actual[..2].ToString());
            Assert.Equal("##", actual[18..].ToString());
        }
    }

    [Fact]
    public void ExtractOfInject_RoundTripsRandomValidContexts_InEveryFormat()
    {
        var random = new Random(777);
        TextMapPropagator[] formats = [TraceContextPropagator.Instance, B3Propagator.Single, B3Propagator.Multi, JaegerPropagator.Instance];
        Func<Dictionary<string, string>, IEnumerable<string>> keys = static c => c.Keys;
        for (int i = 0; i < 10_000; i++)
        {
            var traceId = new TraceId(random.Next(4) == 0 ? 0 : (ulong)random.NextInt64(), (ulong)random.NextInt64() | 1);
            var spanId = new SpanId((ulong)random.NextInt64() | 0x100);
            var flags = (TraceFlags)random.Next(4);
            bool debug = random.Next(5) == 0;
            TraceState? state = random.Next(3) == 0 ? TraceState.Empty.With("vendor", "v" + random.Next()).With("other@sys", "x y") : null;
            if (debug)
            {
                state = (state ?? TraceState.Empty).With("debug@tracing-sdk", "1");
            }

            var baggage = Baggage.Empty;
            for (int b = random.Next(4); b > 0; b--)
            {
                baggage = baggage.SetItem("k" + random.Next(100), RandomText(random));
            }

            var sent = new PropagationContext(new SpanContext(traceId, spanId, flags, state), baggage.Count > 0 ? baggage : null);
            foreach (var format in formats)
            {
                var carrier = Carrier.Of();
                format.Inject(sent, carrier, Carrier.Set);
                BaggagePropagator.Instance.Inject(sent, carrier, Carrier.Set);
                var got = BaggagePropagator.Instance.Extract(format.Extract(default, carrier, Carrier.Get, keys), carrier, Carrier.Get);

                Assert.Equal(traceId, got.SpanContext.TraceId);
                Assert.Equal(spanId, got.SpanContext.SpanId);
                Assert.True(got.SpanContext.IsRemote);
                Assert.Equal(baggage.Members.ToArray(), got.Baggage?.Members.ToArray() ?? []);
                if (format is TraceContextPropagator)
                {
                    Assert.Equal(flags, got.SpanContext.TraceFlags);
                    Assert.Equal(state?.Without("debug@tracing-sdk").ToString() ?? string.Empty, got.SpanContext.TraceState?.ToString() ?? string.Empty);
                }
                else
                {
                    Assert.Equal(flags.HasFlag(TraceFlags.Sampled) || debug, got.SpanContext.IsSampled);
                    Assert.Equal(debug, got.SpanContext.TraceState?.Get("debug@tracing-sdk") is not null);
                }
            }
        }
    }

    private static void AssertReinjectionIsConsistent(TextMapPropagator propagator, in SpanContext ctx)
    {
        var carrier = Carrier.Of();
        propagator.Inject(new PropagationContext(ctx), carrier, Carrier.Set);
        var again = propagator.Extract(default, carrier, Carrier.Get).SpanContext;
        Assert.Equal(ctx.TraceId, again.TraceId);
        Assert.Equal(ctx.SpanId, again.SpanId);
        Assert.Equal(ctx.TraceFlags & TraceFlags.Sampled, again.TraceFlags & TraceFlags.Sampled);
    }

    private static bool IsZero(string hex) => hex.All(c => c == '0');

    private static string? DecodeColons(string s)
    {
        if (!s.Contains('%'))
        {
            return s;
        }

        var sb = new StringBuilder();
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] != '%')
            {
                sb.Append(s[i]);
            }
            else if (i + 2 < s.Length && s[i + 1] == '3' && (s[i + 2] == 'A' || s[i + 2] == 'a'))
            {
                sb.Append(':');
                i += 2;
            }
            else
            {
                return null;
            }
        }

        return sb.ToString();
    }

    private static string RandomText(Random random)
    {
        const string pool = "abcXYZ019 %,;=\"\\+é✓😀";
        var sb = new StringBuilder();
        for (int n = random.Next(0, 12); n > 0; n--)
        {
            var e = System.Globalization.StringInfo.GetTextElementEnumerator(pool);
            int pick = random.Next(new System.Globalization.StringInfo(pool).LengthInTextElements);
            for (int k = 0; k <= pick; k++)
            {
                e.MoveNext();
            }

            sb.Append(e.GetTextElement());
        }

        return sb.ToString();
    }

    private static char RandomChar(Random random) => random.Next(10) switch
    {
        0 => (char)random.Next(0, 0x10000),
        1 => (char)random.Next(0x20, 0x7F),
        _ => Alphabet[random.Next(Alphabet.Length)],
    };

    /// <summary>One to three edits: flip, insert, delete, truncate, case change, repetition, swap.</summary>
    internal static string Mutate(string s, Random random)
    {
        var sb = new StringBuilder(s);
        for (int edits = random.Next(1, 4); edits > 0; edits--)
        {
            int at = sb.Length == 0 ? 0 : random.Next(sb.Length);
            switch (random.Next(9))
            {
                case 0:
                case 1:
                    if (sb.Length > 0)
                    {
                        sb[at] = RandomChar(random);
                    }

                    break;
                case 2:
                    sb.Insert(at, RandomChar(random));
                    break;
                case 3:
                    if (sb.Length > 0)
                    {
                        sb.Remove(at, 1);
                    }

                    break;
                case 4:
                    sb.Length = at;
                    break;
                case 5:
                    if (sb.Length > 0)
                    {
                        sb[at] = char.IsUpper(sb[at]) ? char.ToLowerInvariant(sb[at]) : char.ToUpperInvariant(sb[at]);
                    }

                    break;
                case 6:
                    string all = sb.ToString();
                    sb.Clear().Append(random.Next(2) == 0 ? all.ToUpperInvariant() : all.ToLowerInvariant());
                    break;
                case 7:
                    string copy = sb.ToString();
                    sb.Append(',').Append(copy);
                    break;
                default:
                    if (sb.Length > 1)
                    {
                        int other = random.Next(sb.Length);
                        (sb[at], sb[other]) = (sb[other], sb[at]);
                    }

                    break;
            }
        }

        return sb.ToString();
    }
}

using System.Linq;
using Tracing.Sdk.Propagation;
using Xunit;

namespace Tracing.Sdk.Tests.Propagation;

/// <summary>
/// Regression tests for the three cases the official W3C Trace Context suite (STRICT_LEVEL=2, SPEC_LEVEL=2) found:
/// <c>test_tracestate_duplicated_keys</c>, <c>test_tracestate_key_illegal_vendor_format</c> and
/// <c>test_tracestate_key_length_limit</c>. Level 2's key grammar is <c>(lcalpha / DIGIT) 0*255(keychar)</c> with
/// '@' among the key characters, and a vendor may discard duplicated keys while inheriting the rest.
/// </summary>
public class TraceStateLevel2Tests
{
    private const string TraceParent = "00-12345678901234567890123456789012-1234567890123456-00";

    private static TraceState? Extract(params (string, string)[] headers) =>
        TraceContextPropagator.Instance.Extract(default, Carrier.Of(headers), Carrier.Get).SpanContext.TraceState;

    [Theory]
    [InlineData("foo=1,foo=1", "foo=1")]
    [InlineData("foo=1,foo=2", "foo=1")]
    [InlineData("foo=1, foo=2 ,bar=3", "foo=1,bar=3")]
    public void Extract_InheritsATraceStateWithDuplicatedKeys_KeepingTheFirst(string header, string expected)
    {
        Assert.Equal(expected, Extract(("traceparent", TraceParent), ("tracestate", header))!.ToString());
    }

    [Fact]
    public void Extract_InheritsDuplicatedKeysSentAsSeparateHeaders()
    {
        var state = Extract(("traceparent", TraceParent), ("tracestate", "foo=1"), ("tracestate", "foo=2"))!;

        Assert.Equal("1", state.Get("foo"));
        Assert.Equal(1, state.Count);
    }

    [Fact]
    public void Extract_CountsDuplicatesTowardsThe32MemberLimit()
    {
        string header = string.Join(",", Enumerable.Repeat("foo=1", 33));

        Assert.Null(Extract(("traceparent", TraceParent), ("tracestate", header)));
    }

    [Theory]
    [InlineData("foo@")]
    [InlineData("foo@@bar")]
    [InlineData("foo@bar@baz")]
    [InlineData("1tenant@vendor")]
    [InlineData("t@vvvvvvvvvvvvvvv")] // a "system" part longer than level 1's 14 characters
    public void Extract_KeepsKeysWithAtSignsAnywhereAfterTheFirstCharacter(string key)
    {
        var state = Extract(("traceparent", TraceParent), ("tracestate", key + "=1,bar=2"))!;

        Assert.Equal("1", state.Get(key));
        Assert.Equal("2", state.Get("bar"));
    }

    [Fact]
    public void Extract_DiscardsTheTraceState_WhenAKeyStartsWithAnAtSign()
    {
        Assert.Null(Extract(("traceparent", TraceParent), ("tracestate", "@foo=1,bar=2")));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(256)]
    public void Extract_KeepsKeysOfOneTo256Characters(int length)
    {
        string key = new('z', length);

        var state = Extract(("traceparent", TraceParent), ("tracestate", "foo=1"), ("tracestate", key + "=1"))!;

        Assert.Equal("1", state.Get("foo"));
        Assert.Equal("1", state.Get(key));
    }

    [Fact]
    public void Extract_DiscardsTheTraceState_WhenAKeyHas257Characters()
    {
        Assert.Null(Extract(("traceparent", TraceParent), ("tracestate", "foo=1"), ("tracestate", new string('z', 257) + "=1")));
    }

    [Theory]
    [InlineData(241, 14)] // level 1's largest tenant@system
    [InlineData(242, 1)] // 242 't' + "@v": 244 characters, within the 256-character key limit
    [InlineData(1, 254)] // '@' near the start, 256 characters in all
    public void Extract_KeepsAtSignKeysWithin256Characters(int before, int after)
    {
        string key = new string('t', before) + "@" + new string('v', after);

        var state = Extract(("traceparent", TraceParent), ("tracestate", "foo=1"), ("tracestate", key + "=1"))!;

        Assert.Equal("1", state.Get("foo"));
        Assert.Equal("1", state.Get(key));
    }

    [Fact]
    public void Extract_DiscardsTheTraceState_WhenAnAtSignKeyExceeds256Characters()
    {
        string key = new string('t', 200) + "@" + new string('v', 56);

        Assert.Null(Extract(("traceparent", TraceParent), ("tracestate", "foo=1," + key + "=1")));
    }

    [Theory]
    [InlineData("foo@", true)]
    [InlineData("foo@@bar", true)]
    [InlineData("0abc", true)]
    [InlineData("@foo", false)]
    [InlineData("Foo", false)]
    [InlineData("_foo", false)]
    [InlineData("", false)]
    public void IsValidKey_FollowsTheLevel2Grammar_InBothParsers(string key, bool valid)
    {
        Assert.Equal(valid, TraceState.IsValidKey(key));
        Assert.Equal(valid, TraceStateHeader.IsValidKey(key));
    }

    [Fact]
    public void TraceStateTryParse_KeepsTheFirstOfDuplicatedKeys()
    {
        Assert.True(TraceState.TryParse("foo=1,bar=2,foo=3", out var state));

        Assert.Equal("foo=1,bar=2", state.ToString());
    }
}

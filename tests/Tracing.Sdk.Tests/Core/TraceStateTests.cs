using System.Linq;
using Xunit;

namespace Tracing.Sdk.Tests.Core;

public class TraceStateTests
{
    [Fact]
    public void TryParse_KeepsMembersInOrder()
    {
        Assert.True(TraceState.TryParse("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE", out var ts));
        Assert.Equal(2, ts.Count);
        Assert.Equal("rojo", ts.Members[0].Key);
        Assert.Equal("t61rcWkgMzE", ts.Get("congo"));
        Assert.Equal("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE", ts.ToString());
    }

    [Fact]
    public void TryParse_AllowsEmptyMembersAndOptionalWhiteSpace()
    {
        Assert.True(TraceState.TryParse(" rojo=1 ,, \t congo=2 ,", out var ts));
        Assert.Equal(new[] { "rojo", "congo" }, ts.Members.ToArray().Select(m => m.Key));
    }

    [Fact]
    public void TryParse_AcceptsMultiTenantKeys()
    {
        Assert.True(TraceState.TryParse("fw529a3039@dt=abc,1tenant@vendor=x", out var ts));
        Assert.Equal("abc", ts.Get("fw529a3039@dt"));
    }

    [Theory]
    [InlineData("Rojo=1")] // upper-case key
    [InlineData("rojo")] // no '='
    [InlineData("=1")]
    [InlineData("rojo=")] // empty value
    [InlineData("rojo=a\tb")] // tab inside a value
    [InlineData("rojo=a=b")]
    [InlineData("ro jo=1")]
    [InlineData("@rojo=1")] // a key must start with a letter or a digit
    [InlineData("rojo=\u00e9")] // non-ASCII value
    public void TryParse_RejectsInvalidMembers(string header)
    {
        Assert.False(TraceState.TryParse(header, out var ts));
        Assert.Same(TraceState.Empty, ts);
    }

    [Fact]
    public void TryParse_RejectsMoreThan32Members()
    {
        string ok = string.Join(",", Enumerable.Range(0, 32).Select(i => $"k{i}=v"));
        string tooMany = ok + ",k32=v";
        Assert.True(TraceState.TryParse(ok, out var ts));
        Assert.Equal(32, ts.Count);
        Assert.False(TraceState.TryParse(tooMany, out _));
    }

    [Fact]
    public void TryParse_RejectsHugeInputQuickly()
    {
        Assert.False(TraceState.TryParse(new string('a', 1_000_000), out _));
        Assert.False(TraceState.TryParse("k=" + new string('v', 257), out _));
    }

    [Fact]
    public void With_MovesTheKeyToTheFrontAndStaysImmutable()
    {
        Assert.True(TraceState.TryParse("a=1,b=2,c=3", out var ts));
        var updated = ts.With("c", "9");
        Assert.Equal("c=9,a=1,b=2", updated.ToString());
        Assert.Equal("a=1,b=2,c=3", ts.ToString());
        Assert.Equal("a=1,c=3", ts.Without("b").ToString());
    }

    [Fact]
    public void With_DropsTheRightMostMemberPast32()
    {
        Assert.True(TraceState.TryParse(string.Join(",", Enumerable.Range(0, 32).Select(i => $"k{i}=v")), out var ts));
        var updated = ts.With("new", "x");
        Assert.Equal(32, updated.Count);
        Assert.Equal("new", updated.Members[0].Key);
        Assert.Null(updated.Get("k31"));
    }

    [Fact]
    public void With_RejectsInvalidKeysAndValues()
    {
        Assert.Throws<System.ArgumentException>(() => TraceState.Empty.With("Bad", "v"));
        Assert.Throws<System.ArgumentException>(() => TraceState.Empty.With("ok", "a,b"));
    }
}

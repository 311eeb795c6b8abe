using System;
using System.Collections.Generic;
using Xunit;

namespace Tracing.Sdk.Tests.Core;

public class IdTests
{
    [Fact]
    public void TraceId_RoundTripsThroughHex()
    {
        Assert.True(TraceId.TryParse("4bf92f3577b34da6a3ce929d0e0e4736", out var id));
        Assert.True(id.IsValid);
        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", id.ToString());
        Assert.Equal(0x4bf92f3577b34da6UL, id.High);
        Assert.Equal(0xa3ce929d0e0e4736UL, id.Low);
    }

    [Theory]
    [InlineData("")]
    [InlineData("4bf92f3577b34da6a3ce929d0e0e473")] // 31 chars
    [InlineData("4bf92f3577b34da6a3ce929d0e0e47366")] // 33 chars
    [InlineData("4BF92F3577B34DA6A3CE929D0E0E4736")] // upper case
    [InlineData("4bf92f3577b34da6a3ce929d0e0e473g")] // non-hex
    [InlineData("4bf92f3577b34da6-3ce929d0e0e4736")]
    [InlineData("                                ")]
    [InlineData("４bf92f3577b34da6a3ce929d0e0e4736")] // full-width digit
    public void TraceId_TryParse_RejectsMalformedInput(string text)
    {
        Assert.False(TraceId.TryParse(text, out var id));
        Assert.Equal(default, id);
    }

    [Fact]
    public void TraceId_AllZeros_ParsesButIsInvalid()
    {
        Assert.True(TraceId.TryParse(new string('0', 32), out var id));
        Assert.False(id.IsValid);
    }

    [Fact]
    public void TraceId_TryParse_HandlesAHugeInputWithoutScanningIt()
    {
        Assert.False(TraceId.TryParse(new string('a', 1_000_000), out _));
    }

    [Fact]
    public void TraceId_Bytes_RoundTrip()
    {
        var id = new TraceId(0x0102030405060708, 0x090a0b0c0d0e0f10);
        Span<byte> bytes = stackalloc byte[16];
        id.CopyTo(bytes);
        Assert.Equal(1, bytes[0]);
        Assert.Equal(16, bytes[15]);
        Assert.Equal(id, TraceId.FromBytes(bytes));
        Assert.Equal(id, TraceId.FromActivityTraceId(id.ToActivityTraceId()));
    }

    [Fact]
    public void TraceId_LenientParse_Pads64BitIds()
    {
        Assert.True(TraceId.TryParseLenient("a3ce929d0e0e4736", allowUpperCase: false, out var id));
        Assert.Equal("0000000000000000a3ce929d0e0e4736", id.ToString());
        Assert.True(TraceId.TryParseLenient("A3CE929D0E0E4736", allowUpperCase: true, out _));
        Assert.False(TraceId.TryParseLenient("A3CE929D0E0E4736", allowUpperCase: false, out _));
    }

    [Fact]
    public void SpanId_RoundTripsAndRejectsMalformedInput()
    {
        Assert.True(SpanId.TryParse("00f067aa0ba902b7", out var id));
        Assert.Equal("00f067aa0ba902b7", id.ToString());
        Assert.Equal(id, SpanId.FromActivitySpanId(id.ToActivitySpanId()));
        Assert.False(SpanId.TryParse("00F067AA0BA902B7", out _));
        Assert.False(SpanId.TryParse("00f067aa0ba902b", out _));
        Assert.False(SpanId.TryParse("00f067aa0ba902b7a", out _));
        Assert.False(SpanId.TryParse("00f067aa0ba902bx", out _));
        Assert.True(SpanId.TryParse("0000000000000000", out var zero));
        Assert.False(zero.IsValid);
    }

    [Fact]
    public void TryFormat_WritesHexOrReportsShortBuffer()
    {
        var id = new SpanId(0xff);
        Span<char> small = stackalloc char[15];
        Assert.False(id.TryFormat(small, out int written, default, null));
        Assert.Equal(0, written);
        Span<char> buffer = stackalloc char[16];
        Assert.True(id.TryFormat(buffer, out written, default, null));
        Assert.Equal("00000000000000ff", buffer.ToString());
    }

    [Fact]
    public void RandomIdGenerator_MakesValidDistinctIds()
    {
        var seen = new HashSet<TraceId>();
        var spans = new HashSet<SpanId>();
        for (int i = 0; i < 10_000; i++)
        {
            var t = IdGenerator.Random.NewTraceId();
            var s = IdGenerator.Random.NewSpanId();
            Assert.True(t.IsValid);
            Assert.True(s.IsValid);
            Assert.True(seen.Add(t));
            Assert.True(spans.Add(s));
        }

        Assert.True(IdGenerator.Random.TraceIdsAreRandom);
    }
}

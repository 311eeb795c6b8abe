using System;
using System.Collections.Generic;
using Tracing.Sdk.Exporter.Otlp.Transport.Http2;

namespace Tracing.Sdk.Exporter.Otlp.Tests;

public sealed class HPackDecoderTests
{
    [Fact]
    public void Decode_ReadsTheRfc7541HuffmanRequestExamples_WithTheDynamicTableAcrossBlocks()
    {
        // RFC 7541 Appendix C.4: three requests on one connection, Huffman-coded, indexing into the dynamic table.
        var decoder = new HPackDecoder(4096);
        var first = Decode(decoder, "828684418cf1e3c2e5f23a6ba0ab90f4ff");
        var second = Decode(decoder, "828684be5886a8eb10649cbf");
        var third = Decode(decoder, "828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf");

        Assert.Equal([(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com")], first);
        Assert.Equal([(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com"), ("cache-control", "no-cache")], second);
        Assert.Equal([(":method", "GET"), (":scheme", "https"), (":path", "/index.html"), (":authority", "www.example.com"), ("custom-key", "custom-value")], third);
    }

    [Fact]
    public void Decode_ReadsTheRfc7541PlainLiteralExample()
    {
        // RFC 7541 Appendix C.2.1: a literal with indexing and a new name, no Huffman.
        var fields = Decode(new HPackDecoder(4096), "400a637573746f6d2d6b65790d637573746f6d2d686561646572");

        Assert.Equal([("custom-key", "custom-header")], fields);
    }

    [Fact]
    public void Encoder_RoundTripsThroughTheDecoder()
    {
        byte[] block = HPackEncoder.Encode("http", "collector:4317", "/opentelemetry.proto.collector.trace.v1.TraceService/Export", [("content-type", "application/grpc"), ("te", "trailers"), ("x-api-key", new string('k', 300))]);

        var fields = new List<(string Name, string Value)>();
        new HPackDecoder(4096).Decode(block, fields);

        Assert.Equal(
            [(":method", "POST"), (":scheme", "http"), (":path", "/opentelemetry.proto.collector.trace.v1.TraceService/Export"), (":authority", "collector:4317"),
             ("content-type", "application/grpc"), ("te", "trailers"), ("x-api-key", new string('k', 300))],
            fields);
    }

    [Theory]
    [InlineData("80")]                 // index 0
    [InlineData("ff")]                 // truncated integer
    [InlineData("ffffffffff0f")]       // integer overflow
    [InlineData("be")]                 // dynamic index into an empty table
    [InlineData("4085")]               // string longer than the block
    [InlineData("0081ff8100")]         // Huffman padding longer than 7 bits / not all ones
    [InlineData("008400")]             // truncated literal
    [InlineData("3fe21f")]             // table size update above the announced 4096
    [InlineData("82 3f00")]            // table size update after a field
    public void Decode_RejectsMalformedBlocks_WithAProtocolError(string hex)
    {
        var decoder = new HPackDecoder(4096);

        Assert.Throws<Http2Exception>(() => decoder.Decode(Convert.FromHexString(hex.Replace(" ", string.Empty, StringComparison.Ordinal)), []));
    }

    [Fact]
    public void Decode_NeverThrowsAnythingButAProtocolError_OnRandomInput()
    {
        var random = new Random(7541);
        for (int i = 0; i < 20_000; i++)
        {
            var block = new byte[random.Next(0, 64)];
            random.NextBytes(block);
            var decoder = new HPackDecoder(4096);
            try
            {
                decoder.Decode(block, []);
            }
            catch (Http2Exception)
            {
            }
        }
    }

    private static List<(string Name, string Value)> Decode(HPackDecoder decoder, string hex)
    {
        var fields = new List<(string Name, string Value)>();
        decoder.Decode(Convert.FromHexString(hex), fields);
        return fields;
    }
}

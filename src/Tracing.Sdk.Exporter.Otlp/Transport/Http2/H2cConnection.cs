using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Net.Sockets;
using System.Text;
using System.Threading;

namespace Tracing.Sdk.Exporter.Otlp.Transport.Http2;

/// <summary>
/// A synchronous HTTP/2 client connection over cleartext TCP (h2c with prior knowledge, RFC 9113 §3.3) for one unary
/// request at a time: the calling thread writes the frames and blocks in the socket's receive until its response has
/// ended. No thread-pool work runs for a request, so an export costs the export thread's time and one wake-up.
/// </summary>
/// <remarks>
/// One file over 400 lines on purpose: the frame loop is one state machine (a stream's frames, the connection's
/// settings, windows and HPACK table), and its invariants are easier to check in one place.
/// Invariants: one request at a time (the caller serialises them); stream ids are odd and increase; any protocol or
/// I/O error, timeout or cancellation closes the connection (the next request opens a new one), so its state never
/// has to be repaired. Flow control: DATA is sent only within both the connection's and the stream's send windows;
/// received DATA is acknowledged with WINDOW_UPDATE frames before the receive windows run low.
/// </remarks>
internal sealed class H2cConnection : IDisposable
{
    private const int FrameHeader = 9;
    private const int MaxFrameIn = 16_384;       // SETTINGS_MAX_FRAME_SIZE we accept (the default).
    private const int ReceiveWindow = 1 << 20;   // Per stream and per connection.
    private const int HeaderTableSize = 4096;
    private static readonly byte[] s_preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    private readonly Socket _socket;
    private readonly HPackDecoder _decoder = new(HeaderTableSize);
    private readonly byte[] _in = new byte[FrameHeader + MaxFrameIn + 256];
    private byte[] _out = new byte[32 * 1024];
    private int _outLength;
    private int _inStart;
    private int _inEnd;

    private int _nextStreamId = 1;
    private int _peerMaxFrame = 16_384;
    private int _peerInitialWindow = 65_535;
    private long _connectionSendWindow = 65_535;
    private long _connectionReceived;
    private bool _goAway;

    private H2cConnection(Socket socket)
    {
        _socket = socket;
    }

    /// <summary>True while new requests may be sent (no GOAWAY received, stream ids left).</summary>
    public bool IsUsable => !_goAway && _nextStreamId < int.MaxValue - 2;

    /// <summary>Connects and sends the preface and our settings (the server's arrive with the first response).</summary>
    public static H2cConnection Open(string host, int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using (var connect = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                connect.CancelAfter(timeout);
                socket.ConnectAsync(host, port, connect.Token).AsTask().GetAwaiter().GetResult();
            }

            var connection = new H2cConnection(socket);
            connection.WriteRaw(s_preface);

            // SETTINGS: HEADER_TABLE_SIZE, ENABLE_PUSH = 0, INITIAL_WINDOW_SIZE; then the connection window's raise.
            Span<byte> settings = stackalloc byte[18];
            WriteSetting(settings, 0x1, HeaderTableSize);
            WriteSetting(settings[6..], 0x2, 0);
            WriteSetting(settings[12..], 0x4, ReceiveWindow);
            connection.WriteFrame(0x4, 0, 0, settings);
            connection.WriteWindowUpdate(0, ReceiveWindow - 65_535);
            return connection;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Sends one request (a header block already encoded by <see cref="HPackEncoder"/>, and a body) and reads its
    /// response: the header fields (response headers and trailers, in order) and the body.
    /// </summary>
    /// <exception cref="Http2Exception">The peer broke the protocol, reset the stream or went away first.</exception>
    /// <exception cref="SocketException">The connection failed or timed out.</exception>
    public int Send(ReadOnlySpan<byte> headerBlock, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> body, TimeSpan timeout, List<(string Name, string Value)> fields, List<byte> responseBody)
    {
        int ms = (int)Math.Clamp(timeout.TotalMilliseconds, 1, int.MaxValue);
        _socket.SendTimeout = ms;
        _socket.ReceiveTimeout = ms;

        int stream = _nextStreamId;
        _nextStreamId += 2;

        // HEADERS (+ CONTINUATION) with END_HEADERS on the last fragment.
        int first = Math.Min(headerBlock.Length, _peerMaxFrame);
        WriteFrame(0x1, first == headerBlock.Length ? (byte)0x4 : (byte)0, stream, headerBlock[..first]);
        for (int at = first; at < headerBlock.Length;)
        {
            int n = Math.Min(headerBlock.Length - at, _peerMaxFrame);
            WriteFrame(0x9, at + n == headerBlock.Length ? (byte)0x4 : (byte)0, stream, headerBlock.Slice(at, n));
            at += n;
        }

        // DATA within the send windows; END_STREAM on the last frame.
        long streamWindow = _peerInitialWindow;
        int total = prefix.Length + body.Length;
        int sent = 0;
        var state = new StreamState(stream);
        while (sent < total || total == 0)
        {
            long room = Math.Min(Math.Min(_connectionSendWindow, streamWindow), _peerMaxFrame);
            if (room <= 0)
            {
                Flush();
                ReadFrame(ref state, ref streamWindow);
                if (state.Ended)
                {
                    // The server answered (an error, typically) before taking the whole body.
                    return Finish(ref state, fields, responseBody);
                }

                continue;
            }

            int n = (int)Math.Min(room, total - sent);
            bool last = sent + n == total;
            WriteDataFrame(stream, last, prefix, body, sent, n);
            sent += n;
            _connectionSendWindow -= n;
            streamWindow -= n;
            if (last)
            {
                break;
            }
        }

        Flush();
        while (!state.Ended)
        {
            ReadFrame(ref state, ref streamWindow);
        }

        return Finish(ref state, fields, responseBody);
    }

    public void Dispose() => _socket.Dispose();

    private static int Finish(ref StreamState state, List<(string Name, string Value)> fields, List<byte> responseBody)
    {
        fields.AddRange(state.Fields);
        responseBody.AddRange(state.Body);
        if (state.ResetCode >= 0)
        {
            throw new Http2Exception("stream reset by the server, error code " + state.ResetCode);
        }

        foreach (var (name, value) in state.Fields)
        {
            if (name == ":status" && int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int status))
            {
                return status;
            }
        }

        throw new Http2Exception("response without :status");
    }

    private void ReadFrame(ref StreamState state, ref long streamWindow)
    {
        Fill(FrameHeader);
        var header = _in.AsSpan(_inStart, FrameHeader);
        int length = (header[0] << 16) | (header[1] << 8) | header[2];
        byte type = header[3];
        byte flags = header[4];
        int streamId = (int)(BinaryPrimitives.ReadUInt32BigEndian(header[5..]) & 0x7fffffff);
        if (length > MaxFrameIn)
        {
            throw new Http2Exception("frame larger than SETTINGS_MAX_FRAME_SIZE");
        }

        Fill(FrameHeader + length);
        var payload = _in.AsSpan(_inStart + FrameHeader, length);
        _inStart += FrameHeader + length;

        bool ours = streamId == state.Id;
        switch (type)
        {
            case 0x0: // DATA
                if (streamId == 0)
                {
                    throw new Http2Exception("DATA on stream 0");
                }

                var data = Unpad(payload, flags);
                _connectionReceived += length;
                if (_connectionReceived >= ReceiveWindow / 2)
                {
                    WriteWindowUpdate(0, (int)_connectionReceived);
                    _connectionReceived = 0;
                    Flush();
                }

                if (ours)
                {
                    if (state.HeaderPending || !state.HeadersSeen)
                    {
                        throw new Http2Exception("DATA before the response headers");
                    }

                    if (state.Body.Count + data.Length > 1 << 20)
                    {
                        throw new Http2Exception("response body too large");
                    }

                    foreach (byte b in data)
                    {
                        state.Body.Add(b);
                    }

                    state.Received += length;
                    if (state.Received >= ReceiveWindow / 2 && (flags & 0x1) == 0)
                    {
                        WriteWindowUpdate(state.Id, (int)state.Received);
                        state.Received = 0;
                        Flush();
                    }

                    state.Ended |= (flags & 0x1) != 0;
                }

                break;

            case 0x1: // HEADERS
            case 0x9: // CONTINUATION
                if (streamId == 0 || (type == 0x9) != state.ContinuationExpected)
                {
                    throw new Http2Exception("unexpected HEADERS/CONTINUATION");
                }

                var fragment = type == 0x1 ? HeadersFragment(payload, flags) : payload;
                state.Block.AddRange(fragment.ToArray());
                if (type == 0x1)
                {
                    state.EndStreamAfterBlock = (flags & 0x1) != 0;
                    state.BlockStream = streamId;
                }

                if ((flags & 0x4) == 0)
                {
                    state.ContinuationExpected = true;
                    state.HeaderPending = true;
                    break;
                }

                // Every block is decoded, whatever its stream: the dynamic table is the connection's.
                state.ContinuationExpected = false;
                state.HeaderPending = false;
                var fields = new List<(string Name, string Value)>();
                _decoder.Decode(state.Block.ToArray(), fields);
                state.Block.Clear();
                if (state.BlockStream == state.Id)
                {
                    state.Fields.AddRange(fields);
                    state.HeadersSeen = true;
                    state.Ended |= state.EndStreamAfterBlock;
                }

                break;

            case 0x3: // RST_STREAM
                if (length != 4)
                {
                    throw new Http2Exception("bad RST_STREAM");
                }

                if (ours)
                {
                    state.ResetCode = (int)BinaryPrimitives.ReadUInt32BigEndian(payload);
                    state.Ended = true;
                }

                break;

            case 0x4: // SETTINGS
                if (streamId != 0 || length % 6 != 0)
                {
                    throw new Http2Exception("bad SETTINGS");
                }

                if ((flags & 0x1) == 0)
                {
                    ApplySettings(payload, ref streamWindow);
                    WriteFrame(0x4, 0x1, 0, default);
                    Flush();
                }

                break;

            case 0x5: // PUSH_PROMISE: we disabled push.
                throw new Http2Exception("PUSH_PROMISE although push is disabled");

            case 0x6: // PING
                if (length != 8 || streamId != 0)
                {
                    throw new Http2Exception("bad PING");
                }

                if ((flags & 0x1) == 0)
                {
                    WriteFrame(0x6, 0x1, 0, payload);
                    Flush();
                }

                break;

            case 0x7: // GOAWAY
                if (length < 8)
                {
                    throw new Http2Exception("bad GOAWAY");
                }

                _goAway = true;
                int lastStream = (int)(BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7fffffff);
                if (state.Id > lastStream)
                {
                    throw new Http2Exception("server going away before our request (GOAWAY)");
                }

                break;

            case 0x8: // WINDOW_UPDATE
                if (length != 4)
                {
                    throw new Http2Exception("bad WINDOW_UPDATE");
                }

                int increment = (int)(BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7fffffff);
                if (streamId == 0)
                {
                    _connectionSendWindow += increment;
                }
                else if (ours)
                {
                    streamWindow += increment;
                }

                break;

            default:
                // PRIORITY and unknown frame types are ignored (RFC 9113 §4.1, §5.5).
                if (state.ContinuationExpected)
                {
                    throw new Http2Exception("frame inside a header block");
                }

                break;
        }
    }

    private void ApplySettings(ReadOnlySpan<byte> payload, ref long streamWindow)
    {
        for (int i = 0; i < payload.Length; i += 6)
        {
            int id = BinaryPrimitives.ReadUInt16BigEndian(payload[i..]);
            uint value = BinaryPrimitives.ReadUInt32BigEndian(payload[(i + 2)..]);
            switch (id)
            {
                case 0x4: // INITIAL_WINDOW_SIZE: applies to open streams as a delta.
                    if (value > int.MaxValue)
                    {
                        throw new Http2Exception("bad SETTINGS_INITIAL_WINDOW_SIZE");
                    }

                    streamWindow += (int)value - _peerInitialWindow;
                    _peerInitialWindow = (int)value;
                    break;
                case 0x5: // MAX_FRAME_SIZE
                    if (value < 16_384 || value > 16_777_215)
                    {
                        throw new Http2Exception("bad SETTINGS_MAX_FRAME_SIZE");
                    }

                    _peerMaxFrame = (int)Math.Min(value, 64 * 1024);
                    break;
            }
        }
    }

    private static ReadOnlySpan<byte> Unpad(ReadOnlySpan<byte> payload, byte flags)
    {
        if ((flags & 0x8) == 0)
        {
            return payload;
        }

        if (payload.IsEmpty || payload[0] >= payload.Length)
        {
            throw new Http2Exception("bad padding");
        }

        return payload.Slice(1, payload.Length - 1 - payload[0]);
    }

    private static ReadOnlySpan<byte> HeadersFragment(ReadOnlySpan<byte> payload, byte flags)
    {
        var rest = Unpad(payload, flags);
        if ((flags & 0x20) != 0)
        {
            // PRIORITY: stream dependency (4) and weight (1).
            if (rest.Length < 5)
            {
                throw new Http2Exception("bad HEADERS priority");
            }

            rest = rest[5..];
        }

        return rest;
    }

    /// <summary>Blocks until <paramref name="count"/> bytes of the current frame are in the input buffer.</summary>
    private void Fill(int count)
    {
        if (_inEnd - _inStart >= count)
        {
            return;
        }

        if (_inStart > 0)
        {
            Buffer.BlockCopy(_in, _inStart, _in, 0, _inEnd - _inStart);
            _inEnd -= _inStart;
            _inStart = 0;
        }

        while (_inEnd < count)
        {
            int n = _socket.Receive(_in, _inEnd, _in.Length - _inEnd, SocketFlags.None);
            if (n == 0)
            {
                throw new Http2Exception("connection closed by the server");
            }

            _inEnd += n;
        }
    }

    private static void WriteSetting(Span<byte> destination, ushort id, int value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, id);
        BinaryPrimitives.WriteUInt32BigEndian(destination[2..], (uint)value);
    }

    private void WriteWindowUpdate(int stream, int increment)
    {
        Span<byte> payload = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)increment);
        WriteFrame(0x8, 0, stream, payload);
    }

    private void WriteFrame(byte type, byte flags, int stream, ReadOnlySpan<byte> payload)
    {
        var destination = Reserve(FrameHeader + payload.Length);
        WriteHeader(destination, payload.Length, type, flags, stream);
        payload.CopyTo(destination[FrameHeader..]);
        _outLength += FrameHeader + payload.Length;
    }

    /// <summary>One DATA frame carrying bytes [offset, offset + count) of prefix + body, without joining them first.</summary>
    private void WriteDataFrame(int stream, bool endStream, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> body, int offset, int count)
    {
        var destination = Reserve(FrameHeader + count);
        WriteHeader(destination, count, 0x0, endStream ? (byte)0x1 : (byte)0, stream);
        int at = FrameHeader;
        if (offset < prefix.Length)
        {
            int n = Math.Min(prefix.Length - offset, count);
            prefix.Slice(offset, n).CopyTo(destination[at..]);
            at += n;
            offset += n;
            count -= n;
        }

        body.Slice(offset - prefix.Length, count).CopyTo(destination[at..]);
        _outLength += at + count;
    }

    private static void WriteHeader(Span<byte> destination, int length, byte type, byte flags, int stream)
    {
        destination[0] = (byte)(length >> 16);
        destination[1] = (byte)(length >> 8);
        destination[2] = (byte)length;
        destination[3] = type;
        destination[4] = flags;
        BinaryPrimitives.WriteUInt32BigEndian(destination[5..], (uint)stream);
    }

    private void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(Reserve(bytes.Length));
        _outLength += bytes.Length;
    }

    private Span<byte> Reserve(int count)
    {
        if (_outLength + count > _out.Length)
        {
            Flush();
            if (count > _out.Length)
            {
                _out = new byte[count];
            }
        }

        return _out.AsSpan(_outLength, count);
    }

    private void Flush()
    {
        int at = 0;
        while (at < _outLength)
        {
            at += _socket.Send(_out, at, _outLength - at, SocketFlags.None);
        }

        _outLength = 0;
    }

    /// <summary>What the connection knows of the one stream in progress.</summary>
    private struct StreamState
    {
        public StreamState(int id)
        {
            Id = id;
            ResetCode = -1;
        }

        public int Id;
        public bool Ended;
        public bool HeadersSeen;
        public bool HeaderPending;
        public bool ContinuationExpected;
        public bool EndStreamAfterBlock;
        public int BlockStream;
        public int ResetCode;
        public long Received;
        public List<(string Name, string Value)> Fields = [];
        public List<byte> Block = [];
        public List<byte> Body = [];
    }
}

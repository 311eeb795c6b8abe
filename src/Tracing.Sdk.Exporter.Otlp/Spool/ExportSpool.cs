using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Threading;
using Tracing.Sdk.Exporter.Otlp.Diagnostics;
using Tracing.Sdk.Exporter.Otlp.Serialization;

namespace Tracing.Sdk.Exporter.Otlp.Spool;

/// <summary>
/// A bounded on-disk queue of encoded export requests, one file per batch, oldest first by name.
/// A file is written to a temporary name and renamed, so a reader only ever sees complete files; each has a header
/// (magic, version, encoding, span count, payload length, CRC-32 of the payload) so a damaged file is recognised,
/// counted and deleted instead of being sent. Used from the export thread only.
/// </summary>
internal sealed class ExportSpool
{
    internal const int HeaderLength = 20;
    private const uint Magic = 0x50535354; // "TSSP" little-endian
    private const byte Version = 1;
    private const string Extension = ".otlpspool";
    private const string TempPrefix = ".tmp-";
    private static long s_sequence;

    private readonly string _directory;
    private readonly long _maxBytes;
    private readonly byte _encoding;

    public ExportSpool(string directory, long maxBytes, byte encoding)
    {
        _directory = Path.GetFullPath(directory);
        _maxBytes = Math.Max(HeaderLength + 1, maxBytes);
        _encoding = encoding;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(_directory);
        }
        else
        {
            // Spooled spans may hold sensitive attributes: owner-only access.
            Directory.CreateDirectory(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    public string DirectoryPath => _directory;

    /// <summary>Spans dropped from the spool: evicted by the size cap, or in files found damaged.</summary>
    public long DroppedSpans { get; private set; }

    /// <summary>Files found damaged (bad header, checksum or length) and deleted.</summary>
    public long CorruptFiles { get; private set; }

    /// <summary>The pending files, oldest first.</summary>
    public List<string> PendingFiles()
    {
        var files = new List<string>(Directory.GetFiles(_directory, "*" + Extension));
        files.Sort(StringComparer.Ordinal);
        return files;
    }

    /// <summary>Writes one request; evicts the oldest files first when the cap would be exceeded. Returns the file name.</summary>
    public string Write(ReadOnlySpan<byte> payload, int spanCount)
    {
        long needed = HeaderLength + payload.Length;
        if (needed > _maxBytes)
        {
            throw new IOException("The batch is larger than the spool's size cap.");
        }

        EvictFor(needed);
        string name = string.Create(
            CultureInfo.InvariantCulture,
            $"{DateTime.UtcNow.Ticks:D19}-{Environment.ProcessId:D10}-{Interlocked.Increment(ref s_sequence):D10}{Extension}");
        string final = Path.Combine(_directory, name);
        string temp = Path.Combine(_directory, TempPrefix + name);
        Span<byte> header = stackalloc byte[HeaderLength];
        BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
        header[4] = Version;
        header[5] = _encoding;
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], spanCount);
        BinaryPrimitives.WriteInt32LittleEndian(header[12..], payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], Crc32.Compute(payload));
        using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.None))
        {
            stream.Write(header);
            stream.Write(payload);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, final);
        return final;
    }

    /// <summary>
    /// Loads a file into <paramref name="buffer"/>. A damaged or unreadable file is deleted and counted and false is
    /// returned; a file of another encoding (written by an exporter with another protocol) is left alone.
    /// </summary>
    public bool TryRead(string file, ExportBuffer buffer, out int spanCount)
    {
        spanCount = 0;
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(file);
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (IOException ex)
        {
            Discard(file, 0, "unreadable: " + ex.Message);
            return false;
        }
        catch (UnauthorizedAccessException ex)
        {
            Discard(file, 0, "unreadable: " + ex.Message);
            return false;
        }

        if (bytes.Length < HeaderLength || BinaryPrimitives.ReadUInt32LittleEndian(bytes) != Magic || bytes[4] != Version)
        {
            Discard(file, 0, "not a spool file or truncated header");
            return false;
        }

        int count = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8));
        int length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12));
        uint crc = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(16));
        if (count < 0 || length != bytes.Length - HeaderLength || Crc32.Compute(bytes.AsSpan(HeaderLength)) != crc)
        {
            Discard(file, Math.Max(count, 0), "truncated or corrupt");
            return false;
        }

        if (bytes[5] != _encoding)
        {
            return false;
        }

        buffer.SetContents(bytes.AsSpan(HeaderLength));
        spanCount = count;
        return true;
    }

    public static void Delete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private void Discard(string file, int spans, string reason)
    {
        CorruptFiles++;
        DroppedSpans += spans;
        OtlpExporterEventSource.Log.SpoolFileDropped(file, spans, reason);
        Delete(file);
    }

    private void EvictFor(long needed)
    {
        var files = PendingFiles();
        long used = 0;
        var sizes = new long[files.Count];
        for (int i = 0; i < files.Count; i++)
        {
            try
            {
                sizes[i] = new FileInfo(files[i]).Length;
            }
            catch (IOException)
            {
                sizes[i] = 0;
            }

            used += sizes[i];
        }

        for (int i = 0; i < files.Count && used + needed > _maxBytes; i++)
        {
            int spans = ReadSpanCount(files[i]);
            DroppedSpans += spans;
            OtlpExporterEventSource.Log.SpoolFileDropped(files[i], spans, "spool size cap reached; oldest batch dropped");
            Delete(files[i]);
            used -= sizes[i];
        }
    }

    private static int ReadSpanCount(string file)
    {
        try
        {
            Span<byte> header = stackalloc byte[HeaderLength];
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return stream.ReadAtLeast(header, HeaderLength, throwOnEndOfStream: false) == HeaderLength
                ? Math.Max(0, BinaryPrimitives.ReadInt32LittleEndian(header[8..]))
                : 0;
        }
        catch (IOException)
        {
            return 0;
        }
        catch (UnauthorizedAccessException)
        {
            return 0;
        }
    }
}

using System;
using System.Buffers;
using System.IO;

namespace Tracing.Sdk;

/// <summary>
/// Finds the id of the container the process runs in, the usual way (the OpenTelemetry container resource detectors
/// of other languages do the same): a 64-character hex id in a <c>/proc/self/cgroup</c> path (cgroup v1, and v2 with a
/// host cgroup namespace, the path segment nearest the end that holds one: <c>/docker/&lt;id&gt;</c>, <c>/kubepods/…/&lt;id&gt;</c>, <c>docker-&lt;id&gt;.scope</c>,
/// <c>cri-containerd-&lt;id&gt;.scope</c>, <c>crio-&lt;id&gt;.scope</c>, <c>libpod-&lt;id&gt;.scope</c>), else in a
/// <c>/proc/self/mountinfo</c> mount root (cgroup v2: <c>…/containers/&lt;id&gt;/hostname</c>,
/// <c>…/overlay-containers/&lt;id&gt;/…</c>, <c>…/sandboxes/&lt;id&gt;/…</c>). The parsers take text and never throw.
/// </summary>
internal static class ContainerId
{
    /// <summary>The most read from either file: real ones are a few KiB; anything longer is cut, not trusted whole.</summary>
    public const int MaxFileLength = 256 * 1024;

    private const int IdLength = 64;

    private static readonly SearchValues<char> s_hex = SearchValues.Create("0123456789abcdefABCDEF");

    /// <summary>Reads the two files of this process (Linux only); null when not in a container or on any failure.</summary>
    public static string? Detect()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        return Detect("/proc/self/cgroup", "/proc/self/mountinfo");
    }

    /// <summary>The id from the given cgroup file, else from the given mountinfo file (each read up to <see cref="MaxFileLength"/>).</summary>
    internal static string? Detect(string cgroupPath, string mountInfoPath) =>
        FromCgroup(ReadBounded(cgroupPath)) ?? FromMountInfo(ReadBounded(mountInfoPath));

    /// <summary>The container id in <c>/proc/self/cgroup</c> text (<c>hierarchy:controllers:path</c> lines), or null.</summary>
    public static string? FromCgroup(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        foreach (var rawLine in text.AsSpan().EnumerateLines())
        {
            var line = rawLine.Trim();

            // The path is what follows the second ':' (it may itself contain ':').
            int first = line.IndexOf(':');
            if (first < 0)
            {
                continue;
            }

            int second = line[(first + 1)..].IndexOf(':');
            if (second < 0)
            {
                continue;
            }

            // The segment nearest the end that names a container (Podman nests a "container" cgroup below its scope).
            var path = line[(first + 1 + second + 1)..];
            while (!path.IsEmpty)
            {
                int slash = path.LastIndexOf('/');
                var segment = slash >= 0 ? path[(slash + 1)..] : path;
                path = slash >= 0 ? path[..slash] : default;
                if (segment.EndsWith(".scope", StringComparison.Ordinal))
                {
                    segment = segment[..^".scope".Length];
                }

                // "docker-<id>", "cri-containerd-<id>", "crio-<id>", "libpod-<id>": the id follows the last '-'.
                int dash = segment.LastIndexOf('-');
                if (dash >= 0)
                {
                    segment = segment[(dash + 1)..];
                }

                if (IsId(segment))
                {
                    return segment.ToString().ToLowerInvariant();
                }
            }
        }

        return null;
    }

    /// <summary>The container id in <c>/proc/self/mountinfo</c> text, or null.</summary>
    public static string? FromMountInfo(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        string? sandbox = null;
        foreach (var rawLine in text.AsSpan().EnumerateLines())
        {
            // "mount-id parent-id major:minor root mount-point options ...": the root is the fourth field.
            var rest = rawLine.Trim();
            ReadOnlySpan<char> root = default;
            for (int field = 0; field < 4 && !rest.IsEmpty; field++)
            {
                int space = rest.IndexOf(' ');
                var value = space < 0 ? rest : rest[..space];
                rest = space < 0 ? default : rest[(space + 1)..].TrimStart(' ');
                if (field == 3)
                {
                    root = value;
                }
            }

            ReadOnlySpan<char> previous = default;
            while (!root.IsEmpty)
            {
                int slash = root.IndexOf('/');
                var segment = slash < 0 ? root : root[..slash];
                root = slash < 0 ? default : root[(slash + 1)..];
                if (IsId(segment))
                {
                    if (previous.SequenceEqual("containers") || previous.SequenceEqual("overlay-containers"))
                    {
                        return segment.ToString().ToLowerInvariant();
                    }

                    if (previous.SequenceEqual("sandboxes"))
                    {
                        // A Kubernetes pod's sandbox: kept only if no container's own id shows up.
                        sandbox ??= segment.ToString().ToLowerInvariant();
                    }
                }

                previous = segment;
            }
        }

        return sandbox;
    }

    private static bool IsId(ReadOnlySpan<char> s) => s.Length == IdLength && !s.ContainsAnyExcept(s_hex);

    private static string? ReadBounded(string path)
    {
        try
        {
            using var reader = new StreamReader(path);
            var buffer = new char[MaxFileLength];
            int total = 0;
            int n;
            while (total < buffer.Length && (n = reader.Read(buffer, total, buffer.Length - total)) > 0)
            {
                total += n;
            }

            return new string(buffer, 0, total);
        }
        catch (Exception)
        {
            return null;
        }
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;

namespace Tracing.Sdk;

/// <summary>
/// Runs the <see cref="ResourceDetectors"/> when a provider is built. What cannot change during the process (host,
/// OS, process, runtime, container) is computed once per process and shared; <c>service.instance.id</c> is new for each
/// provider. A detector that fails adds nothing: building a provider never fails because of detection.
/// </summary>
internal static class ResourceDetection
{
    private static readonly Lazy<KeyValue[]> s_host = new(() => Safe(DetectHost));
    private static readonly Lazy<KeyValue[]> s_os = new(() => Safe(DetectOperatingSystem));
    private static readonly Lazy<KeyValue[]> s_process = new(() => Safe(DetectProcess));
    private static readonly Lazy<KeyValue[]> s_runtime = new(() => Safe(DetectRuntime));
    private static readonly Lazy<KeyValue[]> s_container = new(() => Safe(DetectContainer));

    /// <summary>Adds the detected attributes to <paramref name="into"/>.</summary>
    public static void Detect(ResourceDetectors detectors, List<KeyValue> into)
    {
        if ((detectors & ResourceDetectors.ServiceInstance) != 0)
        {
            into.Add(new("service.instance.id", Guid.NewGuid().ToString()));
        }

        if ((detectors & ResourceDetectors.Host) != 0)
        {
            into.AddRange(s_host.Value);
        }

        if ((detectors & ResourceDetectors.OperatingSystem) != 0)
        {
            into.AddRange(s_os.Value);
        }

        if ((detectors & ResourceDetectors.Process) != 0)
        {
            into.AddRange(s_process.Value);
        }

        if ((detectors & ResourceDetectors.ProcessRuntime) != 0)
        {
            into.AddRange(s_runtime.Value);
        }

        if ((detectors & ResourceDetectors.Container) != 0)
        {
            into.AddRange(s_container.Value);
        }
    }

    /// <summary>The semantic-convention <c>host.arch</c> value, or null for an architecture it does not name.</summary>
    internal static string? HostArch(Architecture architecture) => architecture switch
    {
        Architecture.X64 => "amd64",
        Architecture.Arm64 => "arm64",
        Architecture.X86 => "x86",
        Architecture.Arm => "arm32",
        Architecture.S390x => "s390x",
        Architecture.Ppc64le => "ppc64",
        _ => null,
    };

    /// <summary>The semantic-convention <c>os.type</c> of the running system, or null.</summary>
    internal static string? OsType() =>
        OperatingSystem.IsWindows() ? "windows"
        : OperatingSystem.IsLinux() || OperatingSystem.IsAndroid() ? "linux"
        : OperatingSystem.IsMacOS() || OperatingSystem.IsMacCatalyst() || OperatingSystem.IsIOS() || OperatingSystem.IsTvOS() || OperatingSystem.IsWatchOS() ? "darwin"
        : OperatingSystem.IsFreeBSD() ? "freebsd"
        : null;

    private static KeyValue[] DetectHost()
    {
        var list = new List<KeyValue>(2);
        if (Environment.MachineName is { Length: > 0 } name)
        {
            list.Add(new("host.name", name));
        }

        if (HostArch(RuntimeInformation.OSArchitecture) is { } arch)
        {
            list.Add(new("host.arch", arch));
        }

        return [.. list];
    }

    private static KeyValue[] DetectOperatingSystem()
    {
        var list = new List<KeyValue>(2);
        if (OsType() is { } type)
        {
            list.Add(new("os.type", type));
        }

        if (RuntimeInformation.OSDescription is { Length: > 0 } description)
        {
            list.Add(new("os.description", description.Trim()));
        }

        return [.. list];
    }

    private static KeyValue[] DetectProcess()
    {
        var list = new List<KeyValue>(2) { new("process.pid", (long)Environment.ProcessId) };
        if (Environment.ProcessPath is { Length: > 0 } path && Path.GetFileName(path) is { Length: > 0 } executable)
        {
            list.Add(new("process.executable.name", executable));
        }

        return [.. list];
    }

    private static KeyValue[] DetectRuntime() =>
    [
        new("process.runtime.name", ".NET"),
        new("process.runtime.version", Environment.Version.ToString()),
        new("process.runtime.description", RuntimeInformation.FrameworkDescription),
    ];

    private static KeyValue[] DetectContainer() =>
        ContainerId.Detect() is { } id ? [new("container.id", id)] : [];

    private static KeyValue[] Safe(Func<KeyValue[]> detect)
    {
        try
        {
            return detect();
        }
        catch (Exception)
        {
            return [];
        }
    }
}

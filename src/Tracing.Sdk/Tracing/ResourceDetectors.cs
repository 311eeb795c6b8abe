using System;

namespace Tracing.Sdk;

/// <summary>
/// The resource detectors a <see cref="TracerProvider"/> runs once when it is built (see
/// <see cref="TracerProviderBuilder.SetResourceDetectors"/>). Each adds attributes of the OpenTelemetry resource
/// semantic conventions; <c>OTEL_RESOURCE_ATTRIBUTES</c>, <c>OTEL_SERVICE_NAME</c> and attributes set in code override
/// what they detect.
/// </summary>
[Flags]
public enum ResourceDetectors
{
    /// <summary>No detection: only <c>service.name</c>, <c>telemetry.sdk.*</c> and configured attributes.</summary>
    None = 0,

    /// <summary><c>service.instance.id</c>: a random UUID (version 4), new for each provider.</summary>
    ServiceInstance = 1,

    /// <summary><c>host.name</c> and <c>host.arch</c> (<c>amd64</c>, <c>arm64</c>, <c>arm32</c>, <c>x86</c>, <c>s390x</c>, <c>ppc64</c>).</summary>
    Host = 2,

    /// <summary><c>os.type</c> (<c>linux</c>, <c>windows</c>, <c>darwin</c>, …) and <c>os.description</c>.</summary>
    OperatingSystem = 4,

    /// <summary><c>process.pid</c> and <c>process.executable.name</c>.</summary>
    Process = 8,

    /// <summary><c>process.runtime.name</c>, <c>process.runtime.version</c> and <c>process.runtime.description</c>.</summary>
    ProcessRuntime = 16,

    /// <summary>
    /// <c>container.id</c> when the process runs in a container: read from <c>/proc/self/cgroup</c> (cgroup v1, or v2
    /// with a host cgroup namespace), else from <c>/proc/self/mountinfo</c> (cgroup v2). Linux only.
    /// </summary>
    Container = 32,

    /// <summary>Every detector (the default).</summary>
    All = ServiceInstance | Host | OperatingSystem | Process | ProcessRuntime | Container,
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using Tracing.Sdk.Exporting;
using Xunit;

namespace Tracing.Sdk.Tests.Core;

public class ResourceDetectionTests
{
    private const string Id = "3d6f3f1e8a2b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5";

    private static readonly string[] s_detectedKeys =
    [
        "service.instance.id", "host.name", "host.arch", "os.type", "os.description", "process.pid", "process.executable.name",
        "process.runtime.name", "process.runtime.version", "process.runtime.description",
    ];

    private static Resource Build(Action<TracerProviderBuilder>? configure = null, Dictionary<string, string>? settings = null)
    {
        var builder = new TracerProviderBuilder().SetSettingsSource(n => settings is not null && settings.TryGetValue(n, out var v) ? v : null);
        configure?.Invoke(builder);
        using var provider = builder.Build();
        return provider.Resource;
    }

    private static string? Text(Resource r, string key) => r.Get(key) is { } v ? v.AsString() : null;

    [Fact]
    public void Build_DetectsHostOsProcessAndRuntime_ByDefault()
    {
        var r = Build();

        Assert.Equal(Environment.MachineName, Text(r, "host.name"));
        if (RuntimeInformation.OSArchitecture == Architecture.X64)
        {
            Assert.Equal("amd64", Text(r, "host.arch"));
        }
        else if (RuntimeInformation.OSArchitecture == Architecture.Arm64)
        {
            Assert.Equal("arm64", Text(r, "host.arch"));
        }

        Assert.Equal(OperatingSystem.IsLinux() ? "linux" : OperatingSystem.IsWindows() ? "windows" : OperatingSystem.IsMacOS() ? "darwin" : Text(r, "os.type"), Text(r, "os.type"));
        Assert.Equal(RuntimeInformation.OSDescription.Trim(), Text(r, "os.description"));
        Assert.Equal(AttributeType.Long, r.Get("process.pid")!.Value.Type);
        Assert.Equal(Environment.ProcessId, r.Get("process.pid")!.Value.AsLong());
        Assert.Equal(Path.GetFileName(Environment.ProcessPath), Text(r, "process.executable.name"));
        Assert.Equal(".NET", Text(r, "process.runtime.name"));
        Assert.Equal(Environment.Version.ToString(), Text(r, "process.runtime.version"));
        Assert.Equal(RuntimeInformation.FrameworkDescription, Text(r, "process.runtime.description"));
    }

    [Fact]
    public void ServiceInstanceId_IsARandomUuidV4_NewForEachProvider()
    {
        string a = Text(Build(), "service.instance.id")!;
        string b = Text(Build(), "service.instance.id")!;

        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", a);
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void ServiceInstanceId_IsTheSameForEverySpanOfOneProvider()
    {
        var spans = new List<SpanData>();
        using var provider = new TracerProviderBuilder().SetSettingsSource(_ => null).AddInMemoryExporter(spans).Build();
        var tracer = provider.GetTracer("t");
        tracer.StartRootSpan("a").End();
        tracer.StartRootSpan("b").End();

        Assert.Same(spans[0].Resource, spans[1].Resource);
        Assert.Same(provider.Resource, spans[0].Resource);
    }

    [Theory]
    [InlineData(ResourceDetectors.ServiceInstance, new[] { "service.instance.id" })]
    [InlineData(ResourceDetectors.Host, new[] { "host.name", "host.arch" })]
    [InlineData(ResourceDetectors.OperatingSystem, new[] { "os.type", "os.description" })]
    [InlineData(ResourceDetectors.Process, new[] { "process.pid", "process.executable.name" })]
    [InlineData(ResourceDetectors.ProcessRuntime, new[] { "process.runtime.name", "process.runtime.version", "process.runtime.description" })]
    public void EachDetector_CanBeTurnedOff(ResourceDetectors detector, string[] keys)
    {
        var without = Build(b => b.SetResourceDetectors(ResourceDetectors.All & ~detector));
        var only = Build(b => b.SetResourceDetectors(detector));

        foreach (string key in keys)
        {
            Assert.Null(without.Get(key));
        }

        foreach (string key in s_detectedKeys.Except(keys))
        {
            Assert.Null(only.Get(key));
        }

        Assert.NotNull(only.Get("process.runtime.name") ?? only.Get("service.instance.id") ?? only.Get("os.description") ?? only.Get("process.pid") ?? only.Get("host.name"));
    }

    [Fact]
    public void None_LeavesOnlyTheServiceNameAndSdkAttributes()
    {
        var r = Build(b => b.SetResourceDetectors(ResourceDetectors.None));

        Assert.Equal(
            new[] { "service.name", "telemetry.sdk.language", "telemetry.sdk.name", "telemetry.sdk.version" },
            r.Attributes.ToArray().Select(a => a.Key).Order().ToArray());
    }

    [Fact]
    public void OtelResourceAttributes_AndCode_WinOverDetectedValues()
    {
        var settings = new Dictionary<string, string> { ["OTEL_RESOURCE_ATTRIBUTES"] = "host.name=from-env,service.instance.id=pod-7,container.id=abc" };

        var fromEnv = Build(settings: settings);
        var fromCode = Build(b => b.AddResourceAttributes([new("host.name", "from-code")]), settings);

        Assert.Equal("from-env", Text(fromEnv, "host.name"));
        Assert.Equal("pod-7", Text(fromEnv, "service.instance.id"));
        Assert.Equal("abc", Text(fromEnv, "container.id"));
        Assert.Equal("from-code", Text(fromCode, "host.name"));
    }

    [Fact]
    public void ServiceName_PrecedenceIsUnchanged_WithDetection()
    {
        var settings = new Dictionary<string, string> { ["OTEL_RESOURCE_ATTRIBUTES"] = "service.name=attrs", ["OTEL_SERVICE_NAME"] = "env" };

        Assert.StartsWith("unknown_service", Build().ServiceName);
        Assert.Equal("env", Build(settings: settings).ServiceName);
        Assert.Equal("code", Build(b => b.SetServiceName("code"), settings).ServiceName);
    }

    // Samples in the shape the kernel and the usual runtimes write them.
    [Theory]
    [InlineData("12:memory:/docker/" + Id + "\n11:cpu:/docker/" + Id + "\n0::/docker/" + Id)] // Docker, cgroup v1
    [InlineData("1:name=systemd:/system.slice/docker-" + Id + ".scope")] // Docker with the systemd driver
    [InlineData("11:memory:/kubepods/besteffort/pod0b3c4f63-6a5b-4a0f-9d21-3c1e8f8e1b7a/" + Id)] // Kubernetes (cgroupfs)
    [InlineData("0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0b3c4f63.slice/cri-containerd-" + Id + ".scope")]
    [InlineData("0::/kubepods.slice/kubepods-pod1.slice/crio-" + Id + ".scope")] // CRI-O
    [InlineData("0::/machine.slice/libpod-" + Id + ".scope/container")] // Podman nests a cgroup below its scope
    [InlineData("3:cpu,cpuacct:/ecs/55091c13-b8cf-4801-b527-f4601742204d/" + Id)] // ECS
    public void FromCgroup_FindsTheContainerId(string text)
    {
        Assert.Equal(Id, ContainerId.FromCgroup(text));
    }

    [Fact]
    public void FromCgroup_NormalizesUpperCaseHexToLowerCase()
    {
        Assert.Equal(Id, ContainerId.FromCgroup("4:memory:/docker/" + Id.ToUpperInvariant()));
    }

    [Theory]
    [InlineData("0::/")] // cgroup v2 in its own namespace: the id is only in mountinfo
    [InlineData("4:memory:/process_api/90634f0f0799fba1afa948b07c42b035\n0::/")] // 32 hex: not a container id
    [InlineData("1:name=systemd:/user.slice/user-1000.slice/session-2.scope")]
    [InlineData("12:memory:/docker/" + "3d6f3f1e8a2b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d")] // 63 hex
    [InlineData("12:memory:/docker/" + Id + "0")] // 65 hex
    [InlineData("12:memory:/docker/" + "zz6f3f1e8a2b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5")]
    [InlineData("/docker/" + Id)] // not "hierarchy:controllers:path"
    [InlineData(":")]
    [InlineData("::::::::")]
    [InlineData("")]
    [InlineData("\n\n\r\n")]
    [InlineData("\0\u00ff\ud800::-.scope")]
    public void FromCgroup_FindsNothing_InHostOrHostileText(string text)
    {
        Assert.Null(ContainerId.FromCgroup(text));
    }

    [Theory]
    [InlineData("695 686 0:50 /docker/containers/" + Id + "/hostname /etc/hostname rw,relatime - ext4 /dev/vda1 rw")]
    [InlineData("1134 1121 253:1 /var/lib/docker/containers/" + Id + "/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/vda1 rw")]
    [InlineData("862 844 0:44 /containers/storage/overlay-containers/" + Id + "/userdata/hostname /etc/hostname rw - xfs /dev/sda rw")]
    public void FromMountInfo_FindsTheContainerId_OnCgroupV2(string line)
    {
        string text = "25 30 0:23 / /sys rw,nosuid - sysfs sysfs rw\n" + line + "\n40 25 0:33 / /sys/fs/cgroup ro - cgroup2 cgroup2 rw\n";

        Assert.Equal(Id, ContainerId.FromMountInfo(text));
    }

    [Fact]
    public void FromMountInfo_PrefersAContainerIdOverAPodSandboxId()
    {
        string sandbox = new('a', 64);
        string text =
            "2001 1990 253:1 /var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/" + sandbox + "/hostname /etc/hostname rw - ext4 /dev/vda1 rw\n" +
            "2002 1990 253:1 /var/lib/docker/containers/" + Id + "/hosts /etc/hosts rw - ext4 /dev/vda1 rw\n";

        Assert.Equal(Id, ContainerId.FromMountInfo(text));
        Assert.Equal(sandbox, ContainerId.FromMountInfo(text.Split('\n')[0]));
    }

    [Theory]
    [InlineData("25 30 0:23 / /sys rw,nosuid - sysfs sysfs rw\n26 30 0:5 / /proc rw - proc proc rw")] // a host
    [InlineData("695 686 0:50 /docker/containers/" + "3d6f3f1e8a2b" + "/hostname /etc/hostname rw")] // too short
    [InlineData("695 686 0:50 /elsewhere/" + Id + "/hostname /etc/hostname rw")] // not under containers/
    [InlineData("1 2 3 /mnt/containers/" + Id)] // fewer than five fields still parsed safely...
    [InlineData("")]
    [InlineData("          ")]
    [InlineData("a b c")]
    [InlineData("////////")]
    [InlineData("\0 \0 \0 \0/containers/\0")]
    public void FromMountInfo_FindsNothing_InHostOrHostileText(string text)
    {
        string? found = ContainerId.FromMountInfo(text);
        if (text.StartsWith("1 2 3 /mnt/containers/", StringComparison.Ordinal))
        {
            Assert.Equal(Id, found); // ...and the fourth field is the root, which names the container
        }
        else
        {
            Assert.Null(found);
        }
    }

    [Fact]
    public void Parsers_StayBounded_OnHugeInput()
    {
        var huge = new StringBuilder();
        huge.Append("4:memory:/").Append('a', 100_000).Append('\n');
        for (int i = 0; i < 10_000; i++)
        {
            huge.Append(i).Append(":x:/").Append('/', 20).Append('\n');
        }

        Assert.Null(ContainerId.FromCgroup(huge.ToString()));
        Assert.Null(ContainerId.FromMountInfo(huge.ToString()));
    }

    [Fact]
    public void Detect_ReadsTheCgroupFileFirst_ThenMountInfo_AndReadsAtMostTheBound()
    {
        string dir = Directory.CreateTempSubdirectory("tracing-sdk-cgroup-").FullName;
        try
        {
            string cgroup = Path.Combine(dir, "cgroup");
            string mountinfo = Path.Combine(dir, "mountinfo");
            File.WriteAllText(cgroup, "0::/\n");
            File.WriteAllText(mountinfo, "695 686 0:50 /docker/containers/" + Id + "/hostname /etc/hostname rw,relatime - ext4 /dev/vda1 rw\n");
            Assert.Equal(Id, ContainerId.Detect(cgroup, mountinfo));

            string other = new('b', 64);
            File.WriteAllText(cgroup, "12:memory:/docker/" + other + "\n");
            Assert.Equal(other, ContainerId.Detect(cgroup, mountinfo));

            // An id beyond the bound is never read.
            File.WriteAllText(cgroup, new string('\n', ContainerId.MaxFileLength) + "12:memory:/docker/" + other + "\n");
            Assert.Equal(Id, ContainerId.Detect(cgroup, mountinfo));

            Assert.Null(ContainerId.Detect(Path.Combine(dir, "missing"), Path.Combine(dir, "missing-too")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData(Architecture.X64, "amd64")]
    [InlineData(Architecture.Arm64, "arm64")]
    [InlineData(Architecture.X86, "x86")]
    [InlineData(Architecture.Arm, "arm32")]
    [InlineData(Architecture.S390x, "s390x")]
    [InlineData(Architecture.Ppc64le, "ppc64")]
    [InlineData(Architecture.Wasm, null)]
    public void HostArch_UsesTheSemanticConventionValues(Architecture architecture, string? expected)
    {
        Assert.Equal(expected, ResourceDetection.HostArch(architecture));
    }
}

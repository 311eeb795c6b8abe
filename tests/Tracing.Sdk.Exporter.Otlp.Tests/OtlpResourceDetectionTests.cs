using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using Tracing.Sdk.Exporter.Otlp.Proto.Common;

namespace Tracing.Sdk.Exporter.Otlp.Tests;

/// <summary>
/// A span exported from a plain process (this one, not in a container) arrives at a real receiver with the detected
/// resource of the OpenTelemetry resource semantic conventions; configured attributes still win.
/// </summary>
public sealed class OtlpResourceDetectionTests
{
    [Theory]
    [InlineData(OtlpExportProtocol.Grpc)]
    [InlineData(OtlpExportProtocol.HttpProtobuf)]
    public async Task ExportedSpans_CarryTheDetectedResource(OtlpExportProtocol protocol)
    {
        await using var receiver = await OtlpReceiver.StartAsync(grpc: protocol == OtlpExportProtocol.Grpc);
        var settings = new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint.GetLeftPart(UriPartial.Authority),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = protocol == OtlpExportProtocol.Grpc ? "grpc" : "http/protobuf",
            ["OTEL_RESOURCE_ATTRIBUTES"] = "deployment.environment.name=test,host.name=configured-host",
        };
        string instanceId;
        using (var provider = new TracerProviderBuilder().SetSettingsSource(n => settings.GetValueOrDefault(n)).SetServiceName("detect").AddOtlpExporter().Build())
        {
            instanceId = provider.Resource.Get("service.instance.id")!.Value.AsString()!;
            provider.GetTracer("t").StartRootSpan("hello").End();
        }

        await receiver.WaitForRequestsAsync(1);
        Assert.True(receiver.Requests.TryDequeue(out var request));
        var resourceSpans = Assert.Single(request!.ResourceSpans);
        var attributes = resourceSpans.Resource.Attributes.ToDictionary(a => a.Key, a => a.Value);
        Assert.Equal("hello", resourceSpans.ScopeSpans.Single().Spans.Single().Name);

        Assert.Equal("detect", attributes["service.name"].StringValue);
        Assert.Equal(instanceId, attributes["service.instance.id"].StringValue);
        Assert.True(Guid.TryParse(instanceId, out _));
        Assert.Equal("configured-host", attributes["host.name"].StringValue); // OTEL_RESOURCE_ATTRIBUTES wins
        Assert.Equal("test", attributes["deployment.environment.name"].StringValue);
        if (RuntimeInformation.OSArchitecture == Architecture.X64)
        {
            Assert.Equal("amd64", attributes["host.arch"].StringValue);
        }

        Assert.Equal(OperatingSystem.IsLinux() ? "linux" : OperatingSystem.IsWindows() ? "windows" : "darwin", attributes["os.type"].StringValue);
        Assert.False(string.IsNullOrEmpty(attributes["os.description"].StringValue));
        Assert.Equal(AnyValue.ValueOneofCase.IntValue, attributes["process.pid"].ValueCase);
        Assert.Equal(Environment.ProcessId, attributes["process.pid"].IntValue);
        Assert.Equal(Path.GetFileName(Environment.ProcessPath), attributes["process.executable.name"].StringValue);
        Assert.Equal(".NET", attributes["process.runtime.name"].StringValue);
        Assert.Equal(Environment.Version.ToString(), attributes["process.runtime.version"].StringValue);
        Assert.Equal(RuntimeInformation.FrameworkDescription, attributes["process.runtime.description"].StringValue);
        Assert.Equal("tracing-sdk", attributes["telemetry.sdk.name"].StringValue);

        // Here no container: the machine's cgroup names none. Where the tests run inside one, the id is a 64-hex one.
        if (attributes.TryGetValue("container.id", out var containerId))
        {
            Assert.Matches("^[0-9a-f]{64}$", containerId.StringValue);
        }
    }
}

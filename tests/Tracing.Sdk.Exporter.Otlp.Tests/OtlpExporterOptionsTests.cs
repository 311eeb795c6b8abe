using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace Tracing.Sdk.Exporter.Otlp.Tests;

public sealed class OtlpExporterOptionsTests
{
    private static OtlpExporterOptions Read(params (string Name, string Value)[] settings)
    {
        var map = settings.ToDictionary(s => s.Name, s => s.Value);
        return OtlpExporterOptions.FromSettings(name => map.GetValueOrDefault(name));
    }

    [Fact]
    public void FromSettings_DefaultsToHttpProtobufOnPort4318()
    {
        var options = Read();

        Assert.Equal(OtlpExportProtocol.HttpProtobuf, options.Protocol);
        Assert.Equal(new Uri("http://localhost:4318/v1/traces"), options.ResolveEndpoint());
        Assert.Equal(TimeSpan.FromMilliseconds(10_000), options.Timeout);
        Assert.True(options.RetryEnabled);
        Assert.Null(options.SpoolDirectory);
    }

    [Theory]
    [InlineData(null, 4)]
    [InlineData("1", 1)]
    [InlineData(" 8 ", 8)]
    [InlineData("64", 64)]
    [InlineData("0", 4)]
    [InlineData("65", 4)]
    [InlineData("-2", 4)]
    [InlineData("four", 4)]
    [InlineData("99999999999999999999", 4)]
    public void FromSettings_ReadsMaxConcurrentExports_AndKeepsTheDefaultForInvalidValues(string? value, int expected)
    {
        var options = value is null ? Read() : Read(("TRACING_OTLP_MAX_CONCURRENT_EXPORTS", value));

        Assert.Equal(expected, options.MaxConcurrentExports);
    }

    [Theory]
    [InlineData(-5, 1)]
    [InlineData(0, 1)]
    [InlineData(3, 3)]
    [InlineData(1000, 64)]
    public void MaxConcurrentExports_IsClampedToOneToSixtyFourSendSlots(int value, int slots)
    {
        Assert.Equal(slots, new OtlpExporterOptions { MaxConcurrentExports = value }.SendSlots);
    }

    [Fact]
    public void FromSettings_DefaultsToPort4317_ForGrpc()
    {
        Assert.Equal(new Uri("http://localhost:4317"), Read(("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")).ResolveEndpoint());
    }

    [Theory]
    [InlineData("http://collector:4318", "http://collector:4318/v1/traces")]
    [InlineData("http://collector:4318/", "http://collector:4318/v1/traces")]
    [InlineData("https://collector/otlp", "https://collector/otlp/v1/traces")]
    public void FromSettings_AppendsTheTracePath_ToTheGenericEndpointForHttp(string endpoint, string expected)
    {
        Assert.Equal(new Uri(expected), Read(("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)).ResolveEndpoint());
    }

    [Fact]
    public void FromSettings_UsesTheGenericEndpointAsIs_ForGrpc()
    {
        var options = Read(("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4317"), ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"));

        Assert.Equal(new Uri("https://collector:4317"), options.ResolveEndpoint());
    }

    [Fact]
    public void FromSettings_UsesTheTracesEndpointAsIs_AndPrefersIt()
    {
        var options = Read(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://generic:4318"), ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://traces:9999/custom"));

        Assert.Equal(new Uri("http://traces:9999/custom"), options.ResolveEndpoint());
    }

    [Fact]
    public void FromSettings_PrefersTracesSpecificValues()
    {
        var options = Read(
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "5000"),
            ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "700"),
            ("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "gzip"));

        Assert.Equal(OtlpExportProtocol.HttpJson, options.Protocol);
        Assert.Equal(TimeSpan.FromMilliseconds(700), options.Timeout);
        Assert.Equal(OtlpCompression.Gzip, options.Compression);
    }

    [Fact]
    public void FromSettings_TracesHeadersReplaceTheGenericOnes_RatherThanMerging()
    {
        var both = Read(("OTEL_EXPORTER_OTLP_HEADERS", "api-key=generic,tenant=t0"), ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "api-key=traces"));
        var genericOnly = Read(("OTEL_EXPORTER_OTLP_HEADERS", "api-key=generic"), ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "  "));

        Assert.Equal([new("api-key", "traces")], both.Headers.ToArray());
        Assert.Equal([new("api-key", "generic")], genericOnly.Headers.ToArray());
    }

    [Fact]
    public void FromSettings_PrefersTracesCertificates_AndFallsBackToGenericOnes()
    {
        var options = Read(
            ("OTEL_EXPORTER_OTLP_CERTIFICATE", "/etc/generic-ca.pem"),
            ("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "/etc/traces-ca.pem"),
            ("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "/etc/generic-cert.pem"),
            ("OTEL_EXPORTER_OTLP_CLIENT_KEY", "/etc/generic-key.pem"),
            ("OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", "/etc/traces-key.pem"));

        Assert.Equal("/etc/traces-ca.pem", options.CertificateFile);
        Assert.Equal("/etc/generic-cert.pem", options.ClientCertificateFile);
        Assert.Equal("/etc/traces-key.pem", options.ClientKeyFile);
    }

    [Fact]
    public void FromSettings_UsesGenericValues_WhenNoTracesValueIsSet()
    {
        var options = Read(
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://generic:4317"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "2500"),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"));

        Assert.Equal(OtlpExportProtocol.Grpc, options.Protocol);
        Assert.Equal(new Uri("http://generic:4317"), options.ResolveEndpoint());
        Assert.Equal(2500, options.TimeoutMilliseconds);
        Assert.Equal(OtlpCompression.Gzip, options.Compression);
    }

    [Fact]
    public void FromSettings_PercentDecodesHeaders_AndSkipsMalformedMembers()
    {
        var options = Read(("OTEL_EXPORTER_OTLP_HEADERS", "api-key=a%20b%3Dc, tenant = t1 ,broken,=novalue"));

        Assert.Equal([new("api-key", "a b=c"), new("tenant", "t1")], options.Headers.ToArray());
    }

    [Theory]
    [InlineData("OTEL_EXPORTER_OTLP_PROTOCOL", "carrier-pigeon")]
    [InlineData("OTEL_EXPORTER_OTLP_TIMEOUT", "-5")]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "not a url")]
    [InlineData("OTEL_EXPORTER_OTLP_COMPRESSION", "brotli")]
    public void FromSettings_FallsBackToDefaults_OnInvalidValues(string name, string value)
    {
        var options = Read((name, value));

        Assert.Equal(OtlpExportProtocol.HttpProtobuf, options.Protocol);
        Assert.Equal(TimeSpan.FromMilliseconds(10_000), options.Timeout);
        Assert.Equal(OtlpExporterOptions.DefaultHttpEndpoint, options.ResolveEndpoint());
        Assert.Equal(OtlpCompression.None, options.Compression);
    }

    [Fact]
    public void FromSettings_ReadsTheSpoolDirectoryAndCertificates()
    {
        var options = Read(("TRACING_SPOOL_DIRECTORY", "/var/spool/traces"), ("OTEL_EXPORTER_OTLP_CERTIFICATE", "/etc/ca.pem"), ("OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", "/etc/key.pem"));

        Assert.Equal("/var/spool/traces", options.SpoolDirectory);
        Assert.Equal("/etc/ca.pem", options.CertificateFile);
        Assert.Equal("/etc/key.pem", options.ClientKeyFile);
    }

    [Fact]
    public void EndpointSetInCode_IsUsedAsIs_EvenAfterAGenericSetting()
    {
        var options = Read(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://generic:4318"));
        options.Endpoint = new Uri("http://mine:1234/path");

        Assert.Equal(new Uri("http://mine:1234/path"), options.ResolveEndpoint());
    }

    [Fact]
    public async Task AddOtlpExporter_ReadsSettingsThroughTheBuilder_AndExportsEndedSpans()
    {
        await using var receiver = await OtlpReceiver.StartAsync(grpc: true);
        var settings = new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint.ToString(),
            ["OTEL_EXPORTER_OTLP_HEADERS"] = "x-tenant=blue",
        };
        using (var provider = new TracerProviderBuilder().SetSettingsSource(n => settings.GetValueOrDefault(n)).SetServiceName("svc").AddOtlpExporter().Build())
        {
            provider.GetTracer("t").StartRootSpan("hello").End();
        }

        await receiver.WaitForRequestsAsync(1);
        Assert.Equal("hello", Assert.Single(receiver.Spans).Name);
        Assert.True(receiver.Headers.TryDequeue(out var headers));
        Assert.Equal("blue", headers!["x-tenant"]);
    }
}

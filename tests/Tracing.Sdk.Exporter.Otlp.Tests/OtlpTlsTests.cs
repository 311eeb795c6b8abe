using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using Tracing.Sdk.Exporting;

namespace Tracing.Sdk.Exporter.Otlp.Tests;

public sealed class OtlpTlsTests : IDisposable
{
    private readonly string _caFile = Path.Combine(Path.GetTempPath(), "otlp-ca-" + Guid.NewGuid().ToString("N") + ".pem");
    private readonly X509Certificate2 _certificate = CreateSelfSigned();

    public void Dispose()
    {
        File.Delete(_caFile);
        _certificate.Dispose();
    }

    [Theory]
    [InlineData(OtlpExportProtocol.Grpc)]
    [InlineData(OtlpExportProtocol.HttpProtobuf)]
    public async Task Export_UsesTls_ForAnHttpsEndpoint_TrustingTheConfiguredCertificate(OtlpExportProtocol protocol)
    {
        File.WriteAllText(_caFile, _certificate.ExportCertificatePem());
        await using var receiver = await OtlpReceiver.StartAsync(protocol == OtlpExportProtocol.Grpc, certificate: _certificate);
        var settings = new System.Collections.Generic.Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = receiver.Endpoint.ToString(),
            ["OTEL_EXPORTER_OTLP_CERTIFICATE"] = _caFile,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = protocol == OtlpExportProtocol.Grpc ? "grpc" : "http/protobuf",
        };
        var options = OtlpExporterOptions.FromSettings(n => settings.GetValueOrDefault(n));
        using var exporter = new OtlpTraceExporter(options);

        Assert.StartsWith("https://", exporter.Endpoint.ToString());
        Assert.Equal(ExportResult.Success, exporter.Export(TestSpans.Batch(TestSpans.Typical(2)), CancellationToken.None));

        await receiver.WaitForRequestsAsync(1);
        Assert.Equal(2, receiver.Spans.Count());
    }

    [Fact]
    public async Task Export_RefusesAnUntrustedCertificate_AndCountsTheDrop()
    {
        await using var receiver = await OtlpReceiver.StartAsync(grpc: false, certificate: _certificate);
        using var exporter = new OtlpTraceExporter(new OtlpExporterOptions
        {
            Endpoint = receiver.Endpoint,
            Timeout = TimeSpan.FromMilliseconds(5_000),
            MaxRetryAttempts = 1,
            InitialBackoff = TimeSpan.FromMilliseconds(10),
        });

        Assert.Equal(ExportResult.Failure, exporter.Export(TestSpans.Batch(TestSpans.Typical(2)), CancellationToken.None));

        Assert.Equal(2, exporter.DroppedSpans);
        Assert.Empty(receiver.Requests);
    }

    private static X509Certificate2 CreateSelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=otlp-test-receiver", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));

        // Round-trip through PKCS#12 so the private key is usable by the TLS stack on every platform.
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
    }
}

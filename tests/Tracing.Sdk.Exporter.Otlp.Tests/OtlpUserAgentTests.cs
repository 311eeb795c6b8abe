using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Tracing.Sdk.Exporter.Otlp.Transport;
using Tracing.Sdk.Exporting;

namespace Tracing.Sdk.Exporter.Otlp.Tests;

/// <summary>
/// The OTLP exporter specification's client rule: every request identifies the exporter, its language and its version
/// in <c>User-Agent</c>. Checked at the real receivers (Kestrel for HTTP, Grpc.AspNetCore for gRPC).
/// </summary>
public sealed class OtlpUserAgentTests
{
    // product/version, then the runtime's product: "Tracing.Sdk.Exporter.Otlp/1.2.3 dotnet/10.0.1".
    private static readonly Regex s_ours = new(@"^Tracing\.Sdk\.Exporter\.Otlp/[0-9A-Za-z.\-]+ dotnet/[0-9.]+( |$)");

    [Theory]
    [InlineData(OtlpExportProtocol.Grpc)]
    [InlineData(OtlpExportProtocol.HttpProtobuf)]
    [InlineData(OtlpExportProtocol.HttpJson)]
    public async Task EveryRequest_CarriesTheExporterUserAgent(OtlpExportProtocol protocol)
    {
        await using var receiver = await OtlpReceiver.StartAsync(grpc: protocol == OtlpExportProtocol.Grpc);
        using var exporter = new OtlpTraceExporter(new OtlpExporterOptions { Endpoint = receiver.Endpoint, Protocol = protocol });

        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(ExportResult.Success, exporter.Export(TestSpans.Batch(TestSpans.Rich()), CancellationToken.None));
        }

        await receiver.WaitForRequestsAsync(3);
        var agents = receiver.Headers.Select(h => h["user-agent"]).ToArray();
        Assert.Equal(3, agents.Length);
        foreach (string agent in agents)
        {
            Assert.Matches(s_ours, agent);
            Assert.Equal(OtlpUserAgent.Value, agent);
        }
    }

    [Fact]
    public async Task TheUserAgent_IsSentOnce_WhenHeadersAreAlsoConfigured()
    {
        await using var receiver = await OtlpReceiver.StartAsync(grpc: false);
        var settings = new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = receiver.Endpoint.ToString(),
            ["OTEL_EXPORTER_OTLP_HEADERS"] = "x-tenant=blue",
        };
        using var exporter = new OtlpTraceExporter(OtlpExporterOptions.FromSettings(n => settings.GetValueOrDefault(n)));

        Assert.Equal(ExportResult.Success, exporter.Export(TestSpans.Batch(TestSpans.Rich()), CancellationToken.None));

        await receiver.WaitForRequestsAsync(1);
        Assert.True(receiver.Headers.TryDequeue(out var headers));
        Assert.Equal("blue", headers!["x-tenant"]);
        Assert.Equal(OtlpUserAgent.Value, headers["user-agent"]);
    }

    [Theory]
    [InlineData("1.4.0+9f2c1ab", "1.4.0")]
    [InlineData("2.0.0-preview.3", "2.0.0-preview.3")]
    [InlineData("1.0 (beta)", "1.0--beta-")]
    [InlineData("", "0.0.0")]
    [InlineData(null, "0.0.0")]
    [InlineData("+abc", "0.0.0")]
    public void Token_MakesAVersionAProductToken(string? version, string expected)
    {
        Assert.Equal(expected, OtlpUserAgent.Token(version));
    }
}

using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading.Tasks;
using Tracing.Sdk.TestSupport;
using Tracing.Sdk.TestSupport.Otlp;
using Xunit;
using Xunit.Abstractions;

namespace Tracing.Sdk.Demo.Tests;

/// <summary>
/// The demo's serve mode, an ASP.NET Core app with <c>AddTracing</c> and the default console log, run as a user would:
/// the SDK's problems show up in that log, secrets never do, and the environment wins over appsettings.json.
/// </summary>
public sealed class ServeDiagnosticsTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Generous = TestTimeouts.ChildProcess;

    [Fact]
    public async Task InvalidSettings_AreLoggedOnceEach_WithTheVariableAndTheValue()
    {
        using var demo = DemoProcess.Start(
            new ConcurrentDictionary<string, string>
            {
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "not-a-url",
                ["OTEL_TRACES_SAMPLER"] = "bogus",
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "thrift",
                ["OTEL_PROPAGATORS"] = "xray",
                ["OTEL_BSP_SCHEDULE_DELAY"] = "-5",
            },
            "serve",
            "--urls",
            "http://127.0.0.1:0");
        await demo.ListeningAddressAsync(Generous);

        foreach (var (name, value) in new[]
        {
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "not-a-url"),
            ("OTEL_TRACES_SAMPLER", "bogus"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "thrift"),
            ("OTEL_BSP_SCHEDULE_DELAY", "-5"),
        })
        {
            await WaitForLineAsync(demo, l => l.Contains(name, StringComparison.Ordinal) && l.Contains("'" + value + "'", StringComparison.Ordinal));
        }

        await WaitForLineAsync(demo, l => l.Contains("OTEL_PROPAGATORS", StringComparison.Ordinal) && l.Contains("xray", StringComparison.Ordinal));
        demo.Terminate();
        Assert.Equal(0, await demo.WaitForExitAsync(Generous));
        output.WriteLine(demo.Output);

        // Reported once, at build time, although the host reads the settings in more than one place.
        string[] lines = demo.Output.Split('\n');
        Assert.Single(lines, l => l.Contains("OTEL_TRACES_SAMPLER", StringComparison.Ordinal) && l.Contains("bogus", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains("OTEL_EXPORTER_OTLP_ENDPOINT", StringComparison.Ordinal) && l.Contains("not-a-url", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("Tracing.Sdk", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ARefusedExport_IsLogged_AndNoSecretEverIs_AndStopEndsWithinTheBound()
    {
        int closed = ClosedPort();
        using var demo = DemoProcess.Start(
            new ConcurrentDictionary<string, string>
            {
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://tracer:pa55word-in-url@127.0.0.1:{closed}",
                ["OTEL_EXPORTER_OTLP_HEADERS"] = "authorization=Bearer%20s3cr3t-t0ken,x-api-key=k3y-v4lue,naked-secret-member",
                ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
            },
            "serve",
            "--urls",
            "http://127.0.0.1:0");
        string address = await demo.ListeningAddressAsync(Generous);
        using (var http = new HttpClient { Timeout = Generous })
        using (var request = new HttpRequestMessage(HttpMethod.Get, address + "/context"))
        {
            request.Headers.Add("baggage", "user=b4ggage-secret");
            using var response = await http.SendAsync(request);
            Assert.Equal(200, (int)response.StatusCode);
        }

        // The refused export is in the console log, with the endpoint (without its credentials).
        await WaitForLineAsync(demo, l => l.Contains("Tracing.Sdk.Exporter.Otlp", StringComparison.Ordinal)
            || (l.Contains("Export to", StringComparison.Ordinal) && l.Contains("127.0.0.1:" + closed, StringComparison.Ordinal)));
        await WaitForLineAsync(demo, l => l.Contains("127.0.0.1:" + closed, StringComparison.Ordinal) && l.Contains("failed", StringComparison.Ordinal));

        var stop = Stopwatch.StartNew();
        demo.Terminate();
        Assert.Equal(0, await demo.WaitForExitAsync(Generous));
        stop.Stop();
        output.WriteLine($"SIGTERM to exit with the receiver refusing: {stop.ElapsedMilliseconds} ms");
        output.WriteLine(demo.Output);

        string log = demo.Output;
        Assert.Contains("OTEL_EXPORTER_OTLP_HEADERS", log, StringComparison.Ordinal); // the malformed member is reported...
        foreach (var secret in new[] { "s3cr3t-t0ken", "k3y-v4lue", "naked-secret-member", "pa55word-in-url", "b4ggage-secret" })
        {
            Assert.DoesNotContain(secret, log, StringComparison.Ordinal); // ...but no secret is ever written
        }
    }

    [Fact]
    public async Task TheEnvironment_WinsOverAppsettingsJson_IncludingItsTracingSection()
    {
        await using var receiver = await OtlpReceiver.StartAsync(grpc: false);
        string contentRoot = Path.Combine(Path.GetTempPath(), "tracing-appsettings-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(contentRoot);
        try
        {
            // The file points at nowhere and names the service one way; the environment says otherwise and must win.
            await File.WriteAllTextAsync(Path.Combine(contentRoot, "appsettings.json"), $$"""
                { "Tracing": { "ServiceName": "from-appsettings", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:{{ClosedPort()}}" } }
                """);
            using var demo = DemoProcess.Start(
                new ConcurrentDictionary<string, string>
                {
                    ["ASPNETCORE_CONTENTROOT"] = contentRoot,
                    ["OTEL_SERVICE_NAME"] = "from-env",
                    ["OTEL_EXPORTER_OTLP_ENDPOINT"] = new Uri(receiver.HttpEndpoint, "/").ToString(),
                    ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
                },
                "serve",
                "--urls",
                "http://127.0.0.1:0");
            string address = await demo.ListeningAddressAsync(Generous);
            using (var http = new HttpClient { Timeout = Generous })
            {
                using var response = await http.GetAsync(address + "/context");
                Assert.Equal(200, (int)response.StatusCode);
            }

            var sw = Stopwatch.StartNew();
            bool SawContext() => receiver.Spans.Any(s => s.Name.Contains("/context", StringComparison.Ordinal)
                || s.Attributes.Any(a => a.Value.StringValue.Contains("/context", StringComparison.Ordinal)));
            while (!SawContext() && sw.Elapsed < Generous)
            {
                await Task.Delay(50);
            }

            demo.Terminate();
            Assert.Equal(0, await demo.WaitForExitAsync(Generous));
            Assert.True(SawContext(), demo.Output);
            var serviceNames = receiver.Requests.SelectMany(r => r.ResourceSpans)
                .SelectMany(r => r.Resource.Attributes).Where(a => a.Key == "service.name").Select(a => a.Value.StringValue).Distinct().ToList();
            Assert.Contains("from-env", serviceNames);
            Assert.DoesNotContain("from-appsettings", serviceNames);
        }
        finally
        {
            Directory.Delete(contentRoot, recursive: true);
        }
    }

    private static async Task WaitForLineAsync(ChildProcess demo, Func<string, bool> match)
    {
        var sw = Stopwatch.StartNew();
        while (!demo.Output.Split('\n').Any(match))
        {
            if (sw.Elapsed > Generous || demo.Process.HasExited)
            {
                Assert.Fail("no such line in the demo's log:\n" + demo.Output);
            }

            await Task.Delay(50);
        }
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

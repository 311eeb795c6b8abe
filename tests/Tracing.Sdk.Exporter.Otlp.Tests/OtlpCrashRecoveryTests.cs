using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Tracing.Sdk.TestSupport;
using Xunit.Abstractions;

namespace Tracing.Sdk.Exporter.Otlp.Tests;

/// <summary>Processes killed with SIGKILL while their batches are spooled or in back-off, and shutdowns against a receiver that is down.</summary>
public sealed class OtlpCrashRecoveryTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Generous = TestTimeouts.ChildProcess;
    private readonly string _spool = Path.Combine(Path.GetTempPath(), "tracing-crash-" + Guid.NewGuid().ToString("N"));
    private readonly ITestOutputHelper _output = output;

    public void Dispose()
    {
        if (Directory.Exists(_spool))
        {
            Directory.Delete(_spool, recursive: true);
        }
    }

    [Fact]
    public async Task SpooledBatches_OfAKilledProcess_AreDeliveredExactlyOnce_ByTheNextStart()
    {
        const int spans = 300;
        int port = OtlpRetryTests.ClosedPort();

        // 1. The receiver is down: the first process spools every span, then is killed outright.
        using (var victim = StartHost("spool", port, spans))
        {
            string line = await victim.WaitForLineAsync(l => l.StartsWith("SPOOLED", StringComparison.Ordinal), Generous);
            Assert.Equal($"SPOOLED {spans}", line);
            victim.Process.Kill(); // SIGKILL: no shutdown, no flush
            await victim.Process.WaitForExitAsync().WaitAsync(Generous);
        }

        Assert.NotEmpty(Directory.GetFiles(_spool));

        // 2. The receiver is back; a new process on the same spool delivers everything, once.
        await using var receiver = await OtlpReceiver.StartAsync(grpc: true, port);
        using (var next = StartHost("deliver", port, 0))
        {
            await next.Process.WaitForExitAsync().WaitAsync(Generous);
            Assert.True(next.Process.ExitCode == 0, next.Output);
        }

        var names = receiver.Spans.Select(s => s.Name).ToList();
        Assert.Equal(spans, names.Count);
        Assert.Equal(Enumerable.Range(0, spans).Select(i => "crash-" + i).Order(), names.Order());
        Assert.Empty(Directory.GetFiles(_spool));
    }

    [Fact]
    public async Task BatchesInBackOff_OfAKilledProcess_AreDeliveredExactlyOnce_ByTheNextProcess_WithoutNewTraffic()
    {
        const int spans = 40;
        int port = OtlpRetryTests.ClosedPort();

        // 1. The receiver refuses connections. The process ends 40 spans in several batches, the exporter backs off
        //    (30 s export timeout, as in the issue) — and is killed while it does, without a flush or shutdown.
        using (var victim = StartHost("backoff", port, spans))
        {
            string line = await victim.WaitForLineAsync(l => l.StartsWith("IN BACKOFF", StringComparison.Ordinal), Generous);
            Assert.StartsWith($"IN BACKOFF spooled={spans} ", line, StringComparison.Ordinal);
            victim.Process.Kill(); // SIGKILL
            await victim.Process.WaitForExitAsync().WaitAsync(Generous);
        }

        Assert.NotEmpty(Directory.GetFiles(_spool));

        // 2. The next process starts on the same spool, with no traffic and no flush; only then does the receiver return.
        using var next = StartHost("idle", port, 0);
        await next.WaitForLineAsync(l => l == "READY", Generous);
        await using var receiver = await OtlpReceiver.StartAsync(grpc: true, port);

        // 3. Its background drain delivers everything, each span once; the spool empties only after acceptance.
        await WaitUntil(() => receiver.Spans.Count() >= spans && Directory.GetFiles(_spool).Length == 0, Generous, () => next.Output);
        await next.WaitForLineAsync(l => l == $"EXPORTED {spans}", Generous);
        var names = receiver.Spans.Select(s => s.Name).ToList();
        Assert.Equal(Enumerable.Range(0, spans).Select(i => "backoff-" + i).Order(), names.Order());
    }

    [Theory]
    [InlineData(true, false, false)]
    [InlineData(true, true, false)]
    [InlineData(false, false, false)]
    [InlineData(false, true, true)]
    public async Task Shutdown_WithTheReceiverDown_EndsWithinItsBound_SpoolingOrDroppingWhatIsLeft(bool withSpool, bool unresponsive, bool dispose)
    {
        const int spans = 50;

        // Refusing: a closed port. Unresponsive: a socket that accepts connections into its backlog and never answers.
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        int port;
        if (unresponsive)
        {
            silent.Start();
            port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
        }
        else
        {
            port = OtlpRetryTests.ClosedPort();
        }

        using var host = StartHost("shutdown", port, spans, withSpool, dispose ? "--dispose" : null);
        string line = await host.WaitForLineAsync(l => l.StartsWith("SHUTDOWN", StringComparison.Ordinal), Generous);
        string final = await host.WaitForLineAsync(l => l.StartsWith("FINAL", StringComparison.Ordinal), Generous);
        await host.Process.WaitForExitAsync().WaitAsync(Generous);
        _output.WriteLine(line);
        _output.WriteLine(final);

        var measured = line.Split(' ').Skip(1).Select(f => f.Split('=')).Where(f => f.Length == 2).ToDictionary(f => f[0], f => f[1]);
        Assert.Equal("5000", measured["bound"]);

        // Not a timing assertion: the measured figure is reported; this only catches a shutdown that hangs.
        Assert.True(long.Parse(measured["ms"], System.Globalization.CultureInfo.InvariantCulture) < Generous.TotalMilliseconds, line);
        var fields = final.Split(' ').Skip(1).Select(f => f.Split('=')).Where(f => f.Length == 2).ToDictionary(f => f[0], f => f[1]);
        if (withSpool)
        {
            Assert.Equal(spans.ToString(System.Globalization.CultureInfo.InvariantCulture), fields["spooled"]);
            Assert.Equal("0", fields["dropped"]);
            Assert.Equal(spans, ReadSpooledSpanCount());
        }
        else
        {
            Assert.Equal(spans.ToString(System.Globalization.CultureInfo.InvariantCulture), fields["dropped"]);
            Assert.Equal(spans.ToString(System.Globalization.CultureInfo.InvariantCulture), fields["processorDropped"]);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task WithoutHosting_TheStderrSwitch_SendsTheSdksWarningsToStderr_WithoutSecrets(bool switchedOn)
    {
        using var host = StartHost("selflog", 1, 0, withSpool: false, environment: switchedOn ? ("TRACING_SDK_SELF_LOG", "stderr") : null);
        await host.WaitForLineAsync(l => l == "SELFLOG DONE", Generous);
        await host.Process.WaitForExitAsync().WaitAsync(Generous);
        string output = host.Output;
        _output.WriteLine(output);

        if (switchedOn)
        {
            Assert.Contains(output.Split('\n'), l => l.Contains("Tracing.Sdk.Exporter.Otlp", StringComparison.Ordinal) && l.Contains("OTEL_EXPORTER_OTLP_ENDPOINT", StringComparison.Ordinal) && l.Contains("'not-a-url'", StringComparison.Ordinal));
            Assert.Contains(output.Split('\n'), l => l.Contains("OTEL_TRACES_SAMPLER", StringComparison.Ordinal) && l.Contains("'bogus'", StringComparison.Ordinal));
            Assert.Contains("OTEL_EXPORTER_OTLP_HEADERS", output, StringComparison.Ordinal);
        }
        else
        {
            Assert.DoesNotContain("not-a-url", output, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("s3cr3t-t0ken", output, StringComparison.Ordinal);
        Assert.DoesNotContain("naked-secret-member", output, StringComparison.Ordinal);
    }

    private int ReadSpooledSpanCount()
        => Directory.GetFiles(_spool).Sum(f => BitConverter.ToInt32(File.ReadAllBytes(f).AsSpan(8, 4)));

    private static async Task WaitUntil(Func<bool> condition, TimeSpan bound, Func<string> describe)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed > bound)
            {
                Assert.Fail("condition not met within " + bound + ":\n" + describe());
            }

            await Task.Delay(50);
        }
    }

    private ChildProcess StartHost(string mode, int port, int spans, bool withSpool = true, string? extra = null, (string Name, string Value)? environment = null)
    {
        var args = new List<string> { mode, "--port", port.ToString(CultureInfo.InvariantCulture), "--spool", withSpool ? _spool : "-", "--spans", spans.ToString(CultureInfo.InvariantCulture) };
        if (extra is not null)
        {
            args.Add(extra);
        }

        var variables = new List<KeyValuePair<string, string?>> { new("TRACING_SDK_SELF_LOG", null) };
        if (environment is { } variable)
        {
            variables.Add(new(variable.Name, variable.Value));
        }

        return ChildProcess.Start(ChildProcess.BuiltDll("tests/Tracing.Sdk.FaultHost", "Tracing.Sdk.FaultHost"), args, variables);
    }
}

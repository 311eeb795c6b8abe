using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Threading.Tasks;

namespace Tracing.Sdk.Exporter.Otlp.Tests;

/// <summary>A process killed with SIGKILL while its batches sit in the spool: the next process delivers them.</summary>
public sealed class OtlpCrashRecoveryTests : IDisposable
{
    private static readonly TimeSpan Generous = TimeSpan.FromMinutes(2);
    private readonly string _spool = Path.Combine(Path.GetTempPath(), "tracing-crash-" + Guid.NewGuid().ToString("N"));

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

    private HostProcess StartHost(string mode, int port, int spans)
    {
        string configuration = typeof(OtlpCrashRecoveryTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Tracing.Sdk.sln")))
        {
            dir = dir.Parent;
        }

        string dll = Path.Combine(dir!.FullName, "tests", "Tracing.Sdk.FaultHost", "bin", configuration, "net10.0", "Tracing.Sdk.FaultHost.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { dll, mode, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--spool", _spool, "--spans", spans.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            psi.ArgumentList.Add(a);
        }

        return new HostProcess(Process.Start(psi)!);
    }

    private sealed class HostProcess : IDisposable
    {
        private readonly StringBuilder _output = new();
        private readonly object _gate = new();
        private Func<string, bool>? _match;
        private TaskCompletionSource<string>? _found;

        public HostProcess(Process process)
        {
            Process = process;
            process.OutputDataReceived += (_, e) => OnLine(e.Data);
            process.ErrorDataReceived += (_, e) => OnLine(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public Process Process { get; }

        public string Output
        {
            get
            {
                lock (_gate)
                {
                    return _output.ToString();
                }
            }
        }

        public Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan bound)
        {
            lock (_gate)
            {
                _match = match;
                _found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
                foreach (var line in _output.ToString().Split('\n'))
                {
                    if (match(line.TrimEnd('\r')))
                    {
                        _found.TrySetResult(line.TrimEnd('\r'));
                    }
                }

                return _found.Task.WaitAsync(bound);
            }
        }

        public void Dispose()
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
                Process.WaitForExit(30_000);
            }

            Process.Dispose();
        }

        private void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_gate)
            {
                _output.AppendLine(line);
                if (_match is not null && _match(line))
                {
                    _found!.TrySetResult(line);
                }
            }
        }
    }
}

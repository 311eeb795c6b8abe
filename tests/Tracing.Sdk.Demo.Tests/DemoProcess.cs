using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Tasks;

namespace Tracing.Sdk.Demo.Tests;

/// <summary>The demo, started as its own process from its build output.</summary>
internal sealed partial class DemoProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<string> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private DemoProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public Process Process => _process;

    public static DemoProcess Start(ConcurrentDictionary<string, string>? environment, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(DemoDll())!,
        };
        psi.ArgumentList.Add(DemoDll());
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var key in new[] { "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_PROPAGATORS", "OTEL_TRACES_SAMPLER", "OTEL_SDK_DISABLED" })
        {
            psi.Environment.Remove(key);
        }

        foreach (var kv in environment ?? new())
        {
            psi.Environment[kv.Key] = kv.Value;
        }

        return new DemoProcess(Process.Start(psi)!);
    }

    /// <summary>The address Kestrel reports once it listens (the demo is started on port 0).</summary>
    public Task<string> ListeningAddress => _listening.Task;

    public async Task<int> WaitForExitAsync(TimeSpan bound)
    {
        await _process.WaitForExitAsync().WaitAsync(bound);
        return _process.ExitCode;
    }

    /// <summary>Sends SIGTERM, as a container runtime does on stop.</summary>
    public void Terminate() => Assert(Kill(_process.Id, 15) == 0, "kill(SIGTERM) failed");

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(30_000);
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        const string marker = "Now listening on: ";
        int i = line.IndexOf(marker, StringComparison.Ordinal);
        if (i >= 0)
        {
            _listening.TrySetResult(line[(i + marker.Length)..].Trim());
        }
    }

    private static void Assert(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }

    private static string DemoDll()
    {
        string configuration = typeof(DemoProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Tracing.Sdk.sln")))
        {
            dir = dir.Parent;
        }

        string dll = Path.Combine(dir!.FullName, "samples", "Demo", "bin", configuration, "net10.0", "Demo.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("The demo is not built.", dll);
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}

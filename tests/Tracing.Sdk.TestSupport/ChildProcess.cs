using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Tasks;

namespace Tracing.Sdk.TestSupport;

/// <summary>
/// An app of this repository started as its own process from its build output (<c>dotnet app.dll …</c>), as a user
/// runs it: the tests' one process harness. Its standard output and error are kept (<see cref="Output"/>) and can be
/// waited on line by line; disposing kills what is still running.
/// </summary>
public sealed partial class ChildProcess : IDisposable
{
    private readonly StringBuilder _output = new();
    private readonly List<string> _lines = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Found)> _waiters = [];

    private ChildProcess(Process process)
    {
        Process = process;
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Process Process { get; }

    /// <summary>Everything the process wrote so far, both streams interleaved as they arrived.</summary>
    public string Output
    {
        get
        {
            lock (_lines)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts <paramref name="dll"/> with <paramref name="args"/>; a null value in <paramref name="environment"/> removes
    /// that variable. The child does not inherit the machine's tracing settings (see <see cref="RemoveTracingSettings"/>):
    /// only what the test passes in <paramref name="environment"/> configures it.
    /// </summary>
    /// <param name="dll">The app's path (see <see cref="BuiltDll"/>).</param>
    /// <param name="args">The command-line arguments.</param>
    /// <param name="environment">Variables to set (or, with a null value, to remove) for the child.</param>
    /// <param name="workingDirectory">The child's working directory; the current one when null.</param>
    public static ChildProcess Start(string dll, IEnumerable<string> args, IEnumerable<KeyValuePair<string, string?>>? environment = null, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null)
        {
            psi.WorkingDirectory = workingDirectory;
        }

        psi.ArgumentList.Add(dll);
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        RemoveTracingSettings(psi.Environment);
        foreach (var (name, value) in environment ?? [])
        {
            if (value is null)
            {
                psi.Environment.Remove(name);
            }
            else
            {
                psi.Environment[name] = value;
            }
        }

        return new ChildProcess(Process.Start(psi)!);
    }

    /// <summary>
    /// Removes the variables that configure a tracing SDK (<c>OTEL_*</c>, <c>TRACING_*</c>, and the hosting
    /// configuration's <c>Tracing__*</c>) from a child's environment, so a test's outcome never depends on how the
    /// machine running it is configured.
    /// </summary>
    /// <param name="environment">A <see cref="ProcessStartInfo.Environment"/> to clean.</param>
    public static void RemoveTracingSettings(IDictionary<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        foreach (string key in environment.Keys.ToList())
        {
            if (key.StartsWith("OTEL_", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith("TRACING_", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith("Tracing__", StringComparison.OrdinalIgnoreCase))
            {
                environment.Remove(key);
            }
        }
    }

    /// <summary>
    /// The build output of a project of this repository, in the configuration the tests were built in:
    /// <c>&lt;repo&gt;/&lt;projectDirectory&gt;/bin/&lt;configuration&gt;/net10.0/&lt;assemblyName&gt;.dll</c>.
    /// </summary>
    /// <param name="projectDirectory">The project's folder under the repository root, for example <c>samples/Demo</c>.</param>
    /// <param name="assemblyName">The app's assembly name.</param>
    public static string BuiltDll(string projectDirectory, string assemblyName)
    {
        string configuration = typeof(ChildProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        string dll = Path.Combine(Repository.Root, projectDirectory, "bin", configuration, "net10.0", assemblyName + ".dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("The app is not built.", dll);
    }

    /// <summary>The first line (already written, or to come) that <paramref name="match"/> accepts; fails after <paramref name="bound"/>.</summary>
    /// <param name="match">Which line.</param>
    /// <param name="bound">How long to wait at most (<see cref="TestTimeouts"/>).</param>
    public Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan bound)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lines)
        {
            foreach (string line in _lines)
            {
                if (match(line))
                {
                    found.TrySetResult(line);
                    return found.Task;
                }
            }

            _waiters.Add((match, found));
        }

        return found.Task.WaitAsync(bound);
    }

    /// <summary>Waits for the process to exit and returns its exit code.</summary>
    /// <param name="bound">How long to wait at most.</param>
    public async Task<int> WaitForExitAsync(TimeSpan bound)
    {
        await Process.WaitForExitAsync().WaitAsync(bound);
        return Process.ExitCode;
    }

    /// <summary>Sends SIGTERM, as a container runtime does on stop.</summary>
    public void Terminate()
    {
        if (Kill(Process.Id, 15) != 0)
        {
            throw new InvalidOperationException("kill(SIGTERM) failed");
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

        lock (_lines)
        {
            _output.AppendLine(line);
            _lines.Add(line);
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(line))
                {
                    _waiters[i].Found.TrySetResult(line);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}

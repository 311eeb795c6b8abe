using BenchmarkDotNet.Running;

namespace Tracing.Sdk.Benchmarks;

/// <summary>
/// Runs the benchmarks named on the command line (BenchmarkDotNet's switcher: <c>--filter '*Span*'</c>), or
/// <c>throughput [--seconds N]</c> for the sustained two-producer throughput comparison.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "throughput")
        {
            return ThroughputCommand.Run(args);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}

using BenchmarkDotNet.Running;

namespace Tracing.Sdk.Benchmarks;

/// <summary>
/// Runs the benchmarks named on the command line (BenchmarkDotNet's switcher: <c>--filter '*Span*'</c>), or
/// <c>throughput [--seconds N]</c> for the sustained two-producer throughput comparison, or <c>cputime [--rounds N]</c>
/// for CPU-time ratios measured with the libraries interleaved.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "throughput")
        {
            return ThroughputCommand.Run(args);
        }

        if (args.Length > 0 && args[0] == "cputime")
        {
            return CpuTimeCommand.Run(args);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}

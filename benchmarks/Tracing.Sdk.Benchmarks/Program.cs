using BenchmarkDotNet.Running;

namespace Tracing.Sdk.Benchmarks;

/// <summary>
/// Runs the benchmarks named on the command line (BenchmarkDotNet's switcher: <c>--filter '*Span*'</c>), or one of the
/// commands: <c>throughput [--seconds N]</c> (sustained two-producer throughput), <c>e2e ...</c> (OTLP end to end
/// against an out-of-process receiver) and its <c>receiver ...</c>.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "throughput")
        {
            return ThroughputCommand.Run(args);
        }

        if (args.Length > 0 && args[0] == "e2e")
        {
            return OtlpEndToEnd.Run(args);
        }

        if (args.Length > 0 && args[0] == "receiver")
        {
            return OtlpEndToEnd.RunReceiver(args);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}

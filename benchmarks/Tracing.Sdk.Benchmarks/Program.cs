using BenchmarkDotNet.Running;

namespace Tracing.Sdk.Benchmarks;

/// <summary>
/// Runs the benchmarks named on the command line (BenchmarkDotNet's switcher: <c>--filter '*Span*'</c>), or the OTLP
/// end-to-end run (<c>e2e ...</c>) and its out-of-process receiver (<c>receiver ...</c>).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
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

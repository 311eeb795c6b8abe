using BenchmarkDotNet.Running;

namespace Tracing.Sdk.Benchmarks;

/// <summary>
/// Runs the benchmarks named on the command line (BenchmarkDotNet's switcher: <c>--filter '*Span*'</c>), or one of the
/// commands: <c>throughput [--seconds N]</c> (sustained two-producer throughput), <c>cputime [--rounds N]</c> (CPU-time
/// ratios with the libraries interleaved), <c>exportcpu</c> (the OTLP export's CPU time, libraries interleaved), <c>soak [--seconds 60]</c> (overload through OTLP), <c>e2e ...</c> (OTLP end to end against an out-of-process receiver) and its
/// <c>receiver ...</c>, <c>web [--rounds 5] [--seconds 10]</c> (what a web service pays: the same ASP.NET Core app
/// untraced, on Tracing.Sdk and on OpenTelemetry, driven in interleaved rounds).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        switch (args.Length > 0 ? args[0] : string.Empty)
        {
            case "throughput":
                return ThroughputCommand.Run(args);
            case "cputime":
                return CpuTimeCommand.Run(args);
            case "exportcpu":
                return ExportCpuCommand.Run(args);
            case "e2e":
                return OtlpEndToEnd.Run(args);
            case "web":
                return WebServiceCommand.Run(args);
            case "soak":
                return SoakCommand.Run(args);
            case "receiver":
                return OtlpEndToEnd.RunReceiver(args);
            default:
                BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
                return 0;
        }
    }
}

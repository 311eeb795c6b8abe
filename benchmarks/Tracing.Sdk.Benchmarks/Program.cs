using BenchmarkDotNet.Running;

namespace Tracing.Sdk.Benchmarks;

/// <summary>Runs the benchmarks named on the command line (BenchmarkDotNet's switcher: <c>--filter '*Span*'</c>).</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}

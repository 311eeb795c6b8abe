using System;
using System.Threading;
using BenchmarkDotNet.Attributes;

namespace Tracing.Sdk.Benchmarks;

/// <summary>
/// Two threads ending sampled spans at the same time into one batch processor: the cost per span when producers
/// contend for the queue. Two long-lived worker threads run each invocation, so thread start-up is not measured.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 8)]
public class ContentionBenchmarks
{
    private const int SpansPerThread = 20_000;

    private Pipelines _pipelines = null!;
    private TwoThreads _otel = null!;
    private TwoThreads _ours = null!;

    [GlobalSetup]
    public void Setup()
    {
        _pipelines = new Pipelines("bench.contention", sampled: true);
        var source = _pipelines.Source;
        var tracer = _pipelines.Tracer;
        _otel = new TwoThreads(() =>
        {
            for (int i = 0; i < SpansPerThread; i++)
            {
                using var activity = source.StartActivity("op");
                activity?.SetTag("http.method", "GET");
                activity?.SetTag("http.status_code", 200);
                activity?.SetTag("cache.hit", true);
            }
        });
        _ours = new TwoThreads(() =>
        {
            for (int i = 0; i < SpansPerThread; i++)
            {
                var span = tracer.StartSpan("op");
                span.SetAttribute("http.method", "GET");
                span.SetAttribute("http.status_code", 200);
                span.SetAttribute("cache.hit", true);
                span.End();
            }
        });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _otel.Dispose();
        _ours.Dispose();
        _pipelines.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = 2 * SpansPerThread)]
    public void OTel_TwoThreads() => _otel.Run();

    [Benchmark(OperationsPerInvoke = 2 * SpansPerThread)]
    public void Ours_TwoThreads() => _ours.Run();

    /// <summary>Two persistent threads that each run the body once per <see cref="Run"/>.</summary>
    private sealed class TwoThreads : IDisposable
    {
        private readonly Barrier _barrier = new(3);
        private readonly Thread[] _threads;
        private volatile bool _stop;

        public TwoThreads(Action body)
        {
            _threads = new Thread[2];
            for (int t = 0; t < 2; t++)
            {
                _threads[t] = new Thread(() =>
                {
                    while (true)
                    {
                        _barrier.SignalAndWait();
                        if (_stop)
                        {
                            return;
                        }

                        body();
                        _barrier.SignalAndWait();
                    }
                })
                { IsBackground = true };
                _threads[t].Start();
            }
        }

        public void Run()
        {
            _barrier.SignalAndWait();
            _barrier.SignalAndWait();
        }

        public void Dispose()
        {
            _stop = true;
            _barrier.SignalAndWait();
            foreach (var t in _threads)
            {
                t.Join();
            }

            _barrier.Dispose();
        }
    }
}

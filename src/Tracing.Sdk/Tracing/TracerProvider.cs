using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using Tracing.Sdk.Diagnostics;
using Tracing.Sdk.Processing;
using Tracing.Sdk.Sampling;

namespace Tracing.Sdk;

/// <summary>
/// Owns the tracing pipeline: resource, sampler, id generator, span limits and processors. Make one per application
/// with <see cref="TracerProviderBuilder"/>, get tracers from it, and shut it down (or dispose it) when the application
/// stops so that every ended span is exported.
/// </summary>
public sealed class TracerProvider : IDisposable
{
    private readonly ConcurrentDictionary<(string Name, string? Version), Tracer> _tracers = new();
    private readonly SpanProcessor[] _processors;
    private readonly SpanProcessor[] _startProcessors;
    private readonly List<IDisposable> _instrumentations = [];
    private volatile bool _isShutdown;
    private int _shutdownStarted;

    internal TracerProvider(
        Resource resource,
        Sampler sampler,
        IdGenerator idGenerator,
        SpanLimits limits,
        SpanProcessor[] processors,
        bool disabled)
    {
        Resource = resource;
        Sampler = disabled ? Sampler.AlwaysOff : sampler;
        IdGenerator = idGenerator;
        RandomTraceIds = idGenerator.TraceIdsAreRandom;
        DefaultIds = idGenerator is RandomIdGenerator;
        SamplingShortcut = Sampling.SamplingShortcut.For(Sampler, DefaultIds);
        SpanLimits = limits;
        _processors = disabled ? [] : processors;

        // Only processors that want OnStart are called at span start: the exporting ones do not, and an empty virtual
        // call in a try block per span is measurable on the hot path.
        _startProcessors = Array.FindAll(_processors, static p => p.WantsOnStart);
        IsDisabled = disabled;
        SdkMeter.EnsureCreated();
    }

    /// <summary>
    /// The default bound of <see cref="Shutdown()"/> and <see cref="Dispose"/>: 5 seconds, well inside a container's stop
    /// grace period (Docker and Kubernetes give 10 s and 30 s by default) with time left for the application itself.
    /// </summary>
    public static TimeSpan DefaultShutdownTimeout { get; } = TimeSpan.FromSeconds(5);

    /// <summary>The default bound of <see cref="ForceFlush()"/>: 30 seconds.</summary>
    public static TimeSpan DefaultForceFlushTimeout { get; } = TimeSpan.FromSeconds(30);

    /// <summary>The resource stamped on every span.</summary>
    public Resource Resource { get; }

    /// <summary>The sampler.</summary>
    public Sampler Sampler { get; }

    /// <summary>The span limits.</summary>
    public SpanLimits SpanLimits { get; }

    /// <summary>The id generator.</summary>
    public IdGenerator IdGenerator { get; }

    /// <summary>Whether <c>OTEL_SDK_DISABLED</c> turned the SDK off: spans still propagate context but nothing is recorded.</summary>
    public bool IsDisabled { get; }

    /// <summary>
    /// The most <see cref="Shutdown()"/> and <see cref="Dispose"/> take, whatever the exporters' receivers do; set with
    /// <see cref="TracerProviderBuilder.SetShutdownTimeout"/>. Default <see cref="DefaultShutdownTimeout"/>.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; internal init; } = DefaultShutdownTimeout;

    /// <summary>The processors, in the order spans reach them.</summary>
    public IReadOnlyList<SpanProcessor> Processors => _processors;

    internal bool RandomTraceIds { get; }

    /// <summary>The built-in generator is in use: the tracer calls it statically, without two virtual calls per span.</summary>
    internal bool DefaultIds { get; }

    /// <summary>The sampler's decision as bits when it is one of the common ones (see <see cref="Sampling.SamplingShortcut"/>).</summary>
    internal int SamplingShortcut { get; }

    internal bool IsShutdown => _isShutdown;

    internal bool HasStartProcessors => _startProcessors.Length != 0;

    /// <summary>A tracer for an instrumentation scope; the same name and version return the same tracer.</summary>
    /// <param name="name">The instrumentation scope name, usually the library's.</param>
    /// <param name="version">Its version.</param>
    public Tracer GetTracer(string name, string? version = null)
    {
        name ??= string.Empty;
        return _tracers.GetOrAdd((name, version), static (key, self) => new Tracer(self, new InstrumentationScope(key.Name, key.Version)), this);
    }

    internal void AddInstrumentation(IDisposable instrumentation)
    {
        lock (_instrumentations)
        {
            _instrumentations.Add(instrumentation);
        }
    }

    internal void OnStart(SpanData span)
    {
        var processors = _startProcessors;
        for (int i = 0; i < processors.Length; i++)
        {
            try
            {
                processors[i].OnStart(span);
            }
            catch (Exception ex)
            {
                SdkEventSource.Log.ProcessorFailed(processors[i].GetType().Name, nameof(SpanProcessor.OnStart), ex.Message);
            }
        }
    }

    internal void OnEnd(SpanData span)
    {
        var processors = _processors;
        var thread = ProducerThread.Current;
        thread.Counts.CountEnded();
        span.SetOwners(1);
        if (processors.Length == 1)
        {
            // The only processor takes over the provider's reference.
            try
            {
                processors[0].OnEndOwned(span, thread);
            }
            catch (Exception ex)
            {
                SdkEventSource.Log.ProcessorFailed(processors[0].GetType().Name, nameof(SpanProcessor.OnEnd), ex.Message);
            }

            return;
        }

        for (int i = 0; i < processors.Length; i++)
        {
            try
            {
                processors[i].OnEnd(span);
            }
            catch (Exception ex)
            {
                SdkEventSource.Log.ProcessorFailed(processors[i].GetType().Name, nameof(SpanProcessor.OnEnd), ex.Message);
            }
        }

        span.Release();
    }

    /// <summary>Exports every span ended before the call, waiting at most <see cref="DefaultForceFlushTimeout"/>; true if all processors finished in time.</summary>
    public bool ForceFlush() => ForceFlush(DefaultForceFlushTimeout);

    /// <summary>Exports every span ended before the call; true if all processors finished within the timeout.</summary>
    /// <param name="timeout">The most to wait overall; <see cref="Timeout.InfiniteTimeSpan"/> waits as long as it takes.</param>
    public bool ForceFlush(TimeSpan timeout)
        => EachProcessor(nameof(ForceFlush), timeout, Stopwatch.StartNew(), static (p, left) => p.ForceFlush(left));

    /// <summary>
    /// Stops instrumentations, flushes and shuts down every processor within <see cref="ShutdownTimeout"/>.
    /// Spans that cannot be delivered in that time go to the exporter's spool when it has one, and are otherwise dropped
    /// and counted (reason <c>shutdown</c>). Idempotent: only the first call works; later calls return false.
    /// </summary>
    public bool Shutdown() => Shutdown(ShutdownTimeout);

    /// <summary>
    /// Stops instrumentations, flushes and shuts down every processor. Idempotent: only the first call works (and
    /// returns whether it finished in time); later calls return false. Spans started afterwards are not recorded.
    /// </summary>
    /// <param name="timeout">The most to wait overall; exporters stop retrying in time to end within it.
    /// <see cref="Timeout.InfiniteTimeSpan"/> waits as long as it takes.</param>
    public bool Shutdown(TimeSpan timeout)
    {
        if (Interlocked.Exchange(ref _shutdownStarted, 1) != 0)
        {
            return false;
        }

        var sw = Stopwatch.StartNew();
        lock (_instrumentations)
        {
            foreach (var i in _instrumentations)
            {
                try
                {
                    i.Dispose();
                }
                catch (Exception ex)
                {
                    SdkEventSource.Log.Error($"Instrumentation {i.GetType().Name} threw on dispose: {ex.Message}");
                }
            }

            _instrumentations.Clear();
        }

        _isShutdown = true;
        return EachProcessor(nameof(Shutdown), timeout, sw, static (p, left) => p.Shutdown(left));
    }

    /// <summary>
    /// Calls <paramref name="call"/> on every processor in turn with what is left of <paramref name="timeout"/>; a
    /// processor that throws is reported and counts as not done, and the others still run.
    /// </summary>
    private bool EachProcessor(string operation, TimeSpan timeout, Stopwatch sw, Func<SpanProcessor, TimeSpan, bool> call)
    {
        bool ok = true;
        foreach (var p in _processors)
        {
            try
            {
                ok &= call(p, Deadline.Remaining(timeout, sw));
            }
            catch (Exception ex)
            {
                SdkEventSource.Log.ProcessorFailed(p.GetType().Name, operation, ex.Message);
                ok = false;
            }
        }

        return ok;
    }

    /// <summary>Shuts down within <see cref="ShutdownTimeout"/> (see <see cref="Shutdown()"/>).</summary>
    public void Dispose() => Shutdown();
}

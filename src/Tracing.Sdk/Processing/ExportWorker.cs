using System;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Threading;
using Tracing.Sdk.Diagnostics;
using Tracing.Sdk.Exporting;

namespace Tracing.Sdk.Processing;

/// <summary>
/// The batch processor's exporter thread: drains the rings into batches and exports them when a full batch is waiting,
/// when the scheduled delay has passed, when a flush asks, when the budget is spent with less than a batch queued (idle
/// threads hold the rest of the credits), and once more at shutdown.
/// </summary>
/// <remarks>
/// Invariants:
/// <list type="bullet">
/// <item>One thread at a time is the worker: the one whose generation equals <c>_generation</c>. Only it drains rings,
/// writes <c>_taken</c> and returns credits. An abandoned thread (see <see cref="WatchedExporter"/>) leaves its loop when
/// its export returns and touches nothing more; the watchdog has already started the next generation.</item>
/// <item>Sleep handshake: the worker clears the wake event, publishes its wake threshold <c>_wakeAt</c>, sets
/// <c>_sleeping</c>, issues a full fence, then reads the queued spans and the outstanding credits; a producer takes
/// credits with a compare-exchange (a full fence), then reads <c>_sleeping</c> and the threshold. So either the
/// producer sees <c>_sleeping</c> and compares its take with the threshold, or the worker sees the take and does not
/// sleep if it reached the threshold. Exactly one waker wins the exchange of <c>_sleeping</c>, so a sleeping worker
/// costs one event set however many producers pass.</item>
/// <item>Wake threshold: producers only see the shared budget, whose outstanding credits (taken from the budget and not
/// yet given back) overestimate the queue by the credits the rings hold unspent. Waking at "outstanding ≥ a batch"
/// therefore woke the worker before a batch was published: it found less, slept, and the next chunk woke it again (1.7
/// wake-ups per 512 spans with one producer; one per chunk while idle threads hold credits). So the worker sets the
/// threshold when it goes to sleep: the outstanding credits it sees, plus the spans a batch still lacks, plus one chunk
/// (the unspent credits of the ring whose take crosses it), capped at the capacity so that the take emptying the budget
/// always wakes it. Credits held before it slept are counted as not published, so with one producer, or with other
/// threads that stop producing, a batch is queued whenever a producer signals: one wake-up per batch. The price is
/// lateness: spans published from credits held before the sleep do not bring the wake-up nearer, so it comes up to
/// those credits plus a chunk after the batch is complete (a ring holds at most a chunk; with producers that stop, the
/// scheduled delay bounds it, as before).</item>
/// <item>Flush tickets: a flush takes a ticket, then wakes the worker; the worker reads the latest ticket, then marks
/// every ring's tail, exports each ring up to its mark, then publishes the ticket as done. Every span published before
/// the ticket was taken is below its ring's mark, so it is exported by then (what producers add later is not waited
/// for, so a flush ends while they keep producing).</item>
/// <item><c>_taken</c> counts spans the worker took out of rings; it is written before their credits go back, so
/// enqueued − taken never undercounts the queue.</item>
/// </list>
/// </remarks>
[SuppressMessage("Reliability", "CA1001", Justification = "The events may be waited on by threads that outlive shutdown; ManualResetEventSlim holds no kernel handle unless asked for one, so the GC reclaims them.")]
internal sealed class ExportWorker
{
    private readonly RingRegistry _rings;
    private readonly CreditBudget _budget;
    private readonly int _maxBatch;
    private readonly int _scheduledDelayMs;

    private readonly ManualResetEventSlim _wake = new(false, spinCount: 0);
    private int _sleeping;
    private long _wakeAt;
    private long _wakeSignals;

    private readonly object _flushLock = new();
    private long _flushRequested;
    private long _flushDone;

    private volatile bool _stopRequested;
    private readonly ManualResetEventSlim _stopped = new(false);
    private int _generation;
    private long _taken;

    public ExportWorker(RingRegistry rings, CreditBudget budget, SpanExporter exporter, int maxBatch, int scheduledDelayMs, int exportTimeoutMs)
    {
        _rings = rings;
        _budget = budget;
        _maxBatch = maxBatch;
        _scheduledDelayMs = scheduledDelayMs;
        Exporter = new WatchedExporter(exporter, exportTimeoutMs, () => Start(Interlocked.Increment(ref _generation)));
    }

    /// <summary>The exporter under its watchdog, with the export counts.</summary>
    public WatchedExporter Exporter { get; }

    /// <summary>Spans taken out of the rings so far (exported, failed, or in the export in progress).</summary>
    public long Taken => Volatile.Read(ref _taken);

    /// <summary>True once the worker has exported everything after a stop request, or died.</summary>
    public bool IsStopped => _stopped.IsSet;

    /// <summary>Times a producer found the worker asleep and set its event (the producer side's only syscall).</summary>
    public long WakeSignals => Volatile.Read(ref _wakeSignals);

    /// <summary>True while the worker sleeps (or is about to) until a producer, a flush or its timer wakes it.</summary>
    public bool IsAsleep => Volatile.Read(ref _sleeping) != 0;

    /// <summary>Starts the first generation's thread.</summary>
    public void Start() => Start(0);

    /// <summary>
    /// Producer, after a take of credits (a full fence, see the sleep handshake): wakes the worker if it sleeps and the
    /// credits outstanding after the take reached its wake threshold.
    /// </summary>
    /// <param name="outstanding">The credits outside the budget right after the producer's take.</param>
    public void WakeIfDue(long outstanding)
    {
        // _wakeAt is read after _sleeping (acquire): a producer that sees this sleep's flag sees its threshold.
        if (Volatile.Read(ref _sleeping) != 0 && outstanding >= Volatile.Read(ref _wakeAt) && Interlocked.Exchange(ref _sleeping, 0) != 0)
        {
            Interlocked.Increment(ref _wakeSignals);
            _wake.Set();
        }
    }

    /// <summary>Exports everything queued now; true if done within the timeout (or the worker has stopped).</summary>
    public bool Flush(int timeoutMilliseconds)
    {
        var sw = Stopwatch.StartNew();
        long ticket = Interlocked.Increment(ref _flushRequested);
        _wake.Set();
        lock (_flushLock)
        {
            while (Volatile.Read(ref _flushDone) < ticket)
            {
                int left = Deadline.Remaining(timeoutMilliseconds, sw);
                if (left == 0 || _stopped.IsSet)
                {
                    break;
                }

                Monitor.Wait(_flushLock, left);
            }
        }

        return Volatile.Read(ref _flushDone) >= ticket || _stopped.IsSet;
    }

    /// <summary>Asks the worker to export everything queued and stop; waits up to the timeout for it to finish.</summary>
    public bool Stop(int timeoutMilliseconds)
    {
        _stopRequested = true;
        _wake.Set();
        return _stopped.Wait(timeoutMilliseconds);
    }

    private void Start(int generation)
    {
        var thread = new Thread(static s => ((ExportWorker)((object[])s!)[0]).Run((int)((object[])s!)[1]))
        {
            IsBackground = true,
            Name = "Tracing.Sdk batch export",
        };
        thread.Start(new object[] { this, generation });
    }

    private void Run(int generation)
    {
        var batch = new SpanData[_maxBatch];
        long nextExport = Stopwatch.GetTimestamp() + MsToTicks(_scheduledDelayMs);
        int start = 0;
        try
        {
            while (Volatile.Read(ref _generation) == generation)
            {
                // Read the requests before draining: what they ask for was queued before they were made.
                bool stop = _stopRequested;
                long ticket = Volatile.Read(ref _flushRequested);
                bool due = Stopwatch.GetTimestamp() >= nextExport;

                if (stop || due || ticket > _flushDone)
                {
                    if (!ExportAll(batch))
                    {
                        return;
                    }

                    _rings.ReleaseDead(_budget);
                    nextExport = Stopwatch.GetTimestamp() + MsToTicks(_scheduledDelayMs);
                    if (ticket > _flushDone)
                    {
                        lock (_flushLock)
                        {
                            Volatile.Write(ref _flushDone, ticket);
                            Monitor.PulseAll(_flushLock);
                        }
                    }

                    if (stop)
                    {
                        return;
                    }

                    continue;
                }

                if (_rings.QueuedCount() >= _maxBatch)
                {
                    // Full batches only; a remainder waits for the timer or the next full batch. A stop or flush request
                    // ends the run, so producers that keep the queue above a batch cannot hold a flush off.
                    while (_rings.QueuedCount() >= _maxBatch && !_stopRequested && Volatile.Read(ref _flushRequested) == _flushDone)
                    {
                        if (!ExportOne(batch, ref start))
                        {
                            return;
                        }
                    }

                    continue;
                }

                if (_budget.Outstanding >= _budget.Capacity && _rings.QueuedCount() > 0)
                {
                    // The budget is spent with less than a batch queued: the other credits sit unspent in rings of threads
                    // that stopped producing, so a full batch cannot come and every span would be dropped until the
                    // scheduled delay. Export what is queued; that gives its credits back.
                    if (!ExportAll(batch))
                    {
                        return;
                    }

                    continue;
                }

                _wake.Reset();

                // The threshold before the flag (release), so a producer that sees the flag sees the threshold.
                long wakeAt = WakeThreshold(out long outstanding);
                Volatile.Write(ref _wakeAt, wakeAt);
                Volatile.Write(ref _sleeping, 1);

                // Full fence, paired with the producers' compare-exchange on the budget (see the sleep handshake). A take
                // that reached the threshold before the flag was visible shows here as outstanding credits; "more than
                // before" keeps a budget already empty (every credit held, none can be taken) from spinning the worker.
                Interlocked.MemoryBarrier();
                long now = _budget.Outstanding;
                if (_rings.QueuedCount() < _maxBatch && !(now >= wakeAt && now > outstanding) && !_stopRequested && Volatile.Read(ref _flushRequested) == _flushDone)
                {
                    long wait = (nextExport - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency;
                    if (wait > 0)
                    {
                        _wake.Wait((int)Math.Min(wait + 1, int.MaxValue));
                    }
                }

                Volatile.Write(ref _sleeping, 0);
            }
        }
        catch (Exception ex)
        {
            SdkEventSource.Log.ProcessorFailed(nameof(BatchExportProcessor), "exporter thread", ex.Message);
        }
        finally
        {
            if (Volatile.Read(ref _generation) == generation)
            {
                _stopped.Set();
                lock (_flushLock)
                {
                    Monitor.PulseAll(_flushLock);
                }
            }
        }
    }

    /// <summary>
    /// The outstanding credits at which a producer's take wakes the worker (see the wake threshold): what a batch lacks,
    /// plus the credits outstanding after the queue was counted, plus one chunk; at most the capacity.
    /// </summary>
    /// <param name="outstanding">The outstanding credits read.</param>
    private long WakeThreshold(out long outstanding)
    {
        // The queue first: it only grows meanwhile (this thread alone drains it), and every queued span holds a credit,
        // so the outstanding credits read next cover at least the spans counted.
        long lacking = Math.Max(0, _maxBatch - _rings.QueuedCount());
        outstanding = _budget.Outstanding;
        return Math.Min(outstanding + lacking + _budget.Chunk, _budget.Capacity);
    }

    /// <summary>
    /// Exports everything queued when called: each ring up to its tail of that moment, so a flush completes while
    /// producers keep adding, and a span published before the request was read cannot be left behind by a busier ring.
    /// False if this thread was abandoned meanwhile (then it must touch nothing).
    /// </summary>
    private bool ExportAll(SpanData[] batch)
    {
        var rings = _rings.Current;
        var marks = new long[rings.Length];
        for (int i = 0; i < rings.Length; i++)
        {
            marks[i] = rings[i].Enqueued;
        }

        int next = 0;
        int n;
        while ((n = RingRegistry.FillUpTo(batch, rings, marks, ref next)) > 0)
        {
            if (!ExportTaken(batch, n))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Fills one batch round-robin and exports it. False if the export was abandoned.</summary>
    private bool ExportOne(SpanData[] batch, ref int start)
    {
        int n = _rings.Fill(batch, ref start);
        return n == 0 || ExportTaken(batch, n);
    }

    /// <summary>Exports the <paramref name="n"/> spans just taken out of the rings. False if the export was abandoned.</summary>
    private bool ExportTaken(SpanData[] batch, int n)
    {
        // The spans are out of the rings: count them taken, then give their credits back (one interlocked operation).
        Volatile.Write(ref _taken, _taken + n);
        _budget.Return(n);
        return Exporter.Export(batch, n);
    }

    private static long MsToTicks(int ms) => ms * Stopwatch.Frequency / 1000;
}

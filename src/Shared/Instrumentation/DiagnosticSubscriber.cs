using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;

namespace Tracing.Sdk.Instrumentation;

/// <summary>
/// The DiagnosticListener plumbing of an instrumentation (linked source from src/Shared): subscribes to the listeners
/// the instrumentation selects (every one in the process, present and future, or one given listener), hands each event
/// to <see cref="OnEvent"/> with any exception logged rather than thrown into the application, and undoes every
/// subscription once on <see cref="Dispose"/>. An instance that never calls <see cref="Start"/> is an observer another
/// subscriber subscribes to a listener of its choice (the HttpClient instrumentation does so for gRPC's).
/// </summary>
internal abstract class DiagnosticSubscriber : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    private readonly List<IDisposable> _subscriptions = [];
    private IDisposable? _allListeners;
    private int _disposed;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _allListeners?.Dispose();
        lock (_subscriptions)
        {
            foreach (var s in _subscriptions)
            {
                s.Dispose();
            }

            _subscriptions.Clear();
        }

        OnDisposed();
    }

    void IObserver<DiagnosticListener>.OnNext(DiagnosticListener value)
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            Add(SubscribeTo(value));
        }
    }

    void IObserver<DiagnosticListener>.OnCompleted()
    {
    }

    void IObserver<DiagnosticListener>.OnError(Exception error)
    {
    }

    void IObserver<KeyValuePair<string, object?>>.OnNext(KeyValuePair<string, object?> value)
    {
        try
        {
            OnEvent(value.Key, value.Value);
        }
        catch (Exception ex)
        {
            InstrumentationEventSource.Log.Failed(value.Key, ex.Message);
        }
    }

    void IObserver<KeyValuePair<string, object?>>.OnCompleted()
    {
    }

    void IObserver<KeyValuePair<string, object?>>.OnError(Exception error)
    {
    }

    /// <summary>
    /// Starts listening: to <paramref name="only"/> when given, else to every listener of the process. Called last by
    /// the derived constructor, because listeners that already exist are offered to <see cref="SubscribeTo"/> at once.
    /// </summary>
    protected void Start(DiagnosticListener? only)
    {
        if (only is not null)
        {
            Add(SubscribeTo(only));
        }
        else
        {
            _allListeners = DiagnosticListener.AllListeners.Subscribe(this);
        }
    }

    /// <summary>The subscription to <paramref name="listener"/> (with its event filter), or null to leave it alone.</summary>
    protected abstract IDisposable? SubscribeTo(DiagnosticListener listener);

    /// <summary>One event of a subscribed listener.</summary>
    protected abstract void OnEvent(string name, object? payload);

    /// <summary>Called once, after every subscription has been undone.</summary>
    protected virtual void OnDisposed()
    {
    }

    private void Add(IDisposable? subscription)
    {
        if (subscription is null)
        {
            return;
        }

        lock (_subscriptions)
        {
            _subscriptions.Add(subscription);
        }
    }
}

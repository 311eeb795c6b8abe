using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;

namespace Tracing.Sdk.Diagnostics;

/// <summary>
/// Answers "why are there no spans from my library?": while someone listens to the SDK's EventSource at warning
/// level, an <see cref="ActivityListener"/> watches every ActivitySource that no provider records (no
/// <c>AddSource</c> pattern matches it) and reports, once a minute per source, one that tries to start Activities.
/// It never makes an Activity exist (its sampling answer is <see cref="ActivitySamplingResult.None"/>). Sources the
/// SDK's instrumentations read through their DiagnosticListeners (<c>System.*</c>, <c>Microsoft.*</c>) are not reported.
/// Nothing runs while nobody listens.
/// </summary>
internal static class UnregisteredSourceWatch
{
    private static readonly object s_lock = new();
    private static readonly List<Func<string, bool>> s_registered = [];
    private static readonly ConcurrentDictionary<string, ReportGate> s_gates = new(StringComparer.Ordinal);
    private static ActivityListener? s_listener;

    /// <summary>Adds a provider's test for the source names it records; pass the same delegate to <see cref="Unregister"/>.</summary>
    public static void Register(Func<string, bool> isRecorded)
    {
        lock (s_lock)
        {
            s_registered.Add(isRecorded);
        }
    }

    public static void Unregister(Func<string, bool> isRecorded)
    {
        lock (s_lock)
        {
            s_registered.Remove(isRecorded);
        }
    }

    public static void Update(bool enabled)
    {
        lock (s_lock)
        {
            if (enabled && s_listener is null)
            {
                s_listener = new ActivityListener
                {
                    ShouldListenTo = static source => IsCandidate(source.Name),
                    Sample = static (ref ActivityCreationOptions<ActivityContext> options) => Observe(options.Source),
                    SampleUsingParentId = static (ref ActivityCreationOptions<string> options) => Observe(options.Source),
                };
                ActivitySource.AddActivityListener(s_listener);
            }
            else if (!enabled && s_listener is not null)
            {
                s_listener.Dispose();
                s_listener = null;
            }
        }
    }

    internal static bool IsRegistered(string name)
    {
        lock (s_lock)
        {
            foreach (var isRecorded in s_registered)
            {
                if (isRecorded(name))
                {
                    return true;
                }
            }
        }

        return false;
    }

    // The platform's own sources — System.*, Microsoft.* and the runtime's networking sources under Experimental.* — are
    // added with AddSource by those who want them; naming them once a minute would be noise in every application (an
    // ASP.NET Core app with HttpClient instrumentation starts Experimental.System.Net.Http.Connections and
    // Experimental.System.Net.Sockets Activities on its first outgoing request).
    private static readonly string[] s_platformPrefixes = ["System.", "Microsoft.", "Experimental.System.", "Experimental.Microsoft."];

    private static bool IsCandidate(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }

        foreach (var prefix in s_platformPrefixes)
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static ActivitySamplingResult Observe(ActivitySource source)
    {
        try
        {
            if (!IsRegistered(source.Name) && s_gates.GetOrAdd(source.Name, static _ => new ReportGate()).TryEnter())
            {
                SdkEventSource.Log.UnregisteredActivitySource(source.Name);
            }
        }
        catch
        {
        }

        return ActivitySamplingResult.None;
    }
}

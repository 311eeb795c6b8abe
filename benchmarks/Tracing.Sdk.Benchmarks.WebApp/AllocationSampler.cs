using System;
using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Tracing.Sdk.Benchmarks.WebApp;

/// <summary>
/// Diagnostics for <c>--alloc-profile</c>: the runtime's allocation-tick events (one about every 100 KB allocated,
/// naming the type that crossed the mark) counted by type, so the types a tracing library adds per request show up
/// beside the untraced app's. Read through <c>GET /__alloc</c>; off by default (listening costs).
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly ConcurrentDictionary<string, long> _bytesByType = new();

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName is not { } name || !name.StartsWith("GCAllocationTick", StringComparison.Ordinal) || eventData.PayloadNames is null)
        {
            return;
        }

        int typeIndex = eventData.PayloadNames.IndexOf("TypeName");
        int amountIndex = eventData.PayloadNames.IndexOf("AllocationAmount64");
        if (typeIndex < 0 || eventData.Payload![typeIndex] is not string type)
        {
            return;
        }

        long amount = amountIndex >= 0 ? Convert.ToInt64(eventData.Payload[amountIndex], CultureInfo.InvariantCulture) : 100_000;
        _bytesByType.AddOrUpdate(type, amount, (_, total) => total + amount);
    }

    /// <summary>Sampled bytes by type, largest first, and resets the counts.</summary>
    public string Report()
    {
        var snapshot = _bytesByType.ToArray();
        _bytesByType.Clear();
        long total = snapshot.Sum(p => p.Value);
        var text = new StringBuilder();
        foreach (var (type, bytes) in snapshot.OrderByDescending(p => p.Value).Take(40))
        {
            text.Append(CultureInfo.InvariantCulture, $"{bytes * 100.0 / Math.Max(total, 1),6:F2}% {type}\n");
        }

        return text.ToString();
    }
}

using System;
using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Linq;
using Tracing.Sdk.Diagnostics;
using Xunit;

namespace Tracing.Sdk.Tests.Core;

/// <summary>The self-log forwarding: generic over every <c>Tracing-Sdk*</c> EventSource, Warning and up, rate-limited.</summary>
public class SelfLogListenerTests
{
    [Fact]
    public void ForwardsAnyTracingSdkSource_AtWarningAndAbove_WithTheFormattedMessage()
    {
        var lines = new ConcurrentQueue<SelfLogMessage>();
        using var source = new TestSource("Tracing-Sdk-Test-" + Guid.NewGuid().ToString("N"));
        using var listener = new SelfLogListener(lines.Enqueue);

        source.Problem("disk full", 3);
        source.Note("only informational");

        var mine = lines.Where(m => m.SourceName == source.Name).ToList();
        var message = Assert.Single(mine);
        Assert.Equal("Problem 'disk full' happened 3 time(s).", message.Message);
        Assert.Equal(EventLevel.Warning, message.Level);
        Assert.Equal(1, message.EventId);
        Assert.Equal("Problem", message.EventName);
        Assert.Equal(source.Name.Replace('-', '.'), message.Category);
    }

    [Fact]
    public void AnOutage_CannotFloodTheLog_AndARepeatedLineIsWrittenOnce()
    {
        var lines = new ConcurrentQueue<SelfLogMessage>();
        using var source = new TestSource("Tracing-Sdk-Test-" + Guid.NewGuid().ToString("N"));
        using var listener = new SelfLogListener(lines.Enqueue, EventLevel.Warning, maxMessagesPerMinute: 3);

        source.Problem("same", 1);
        source.Problem("same", 1);
        for (int i = 0; i < 1000; i++)
        {
            source.Problem("attempt", i);
        }

        var mine = lines.Where(m => m.SourceName == source.Name).Select(m => m.Message).ToList();
        Assert.Equal(3, mine.Count);
        Assert.Equal(1, mine.Count(m => m.Contains("'same'", StringComparison.Ordinal)));
    }

    [Fact]
    public void LinesHeldBack_WithNoLaterLineToCarryTheirCount_AreWrittenOnDispose()
    {
        var lines = new ConcurrentQueue<SelfLogMessage>();
        using var source = new TestSource("Tracing-Sdk-Test-" + Guid.NewGuid().ToString("N"));
        var listener = new SelfLogListener(lines.Enqueue, EventLevel.Warning, maxMessagesPerMinute: 3);

        // Batches dropped at shutdown write the same line more than once; nothing of that event follows. A warning
        // repeated as well (a retry) is not written after the fact.
        source.Lost(30);
        source.Lost(30);
        source.Lost(30);
        source.Problem("retrying", 1);
        source.Problem("retrying", 1);
        Assert.Equal(2, lines.Count(m => m.SourceName == source.Name));

        listener.Dispose();
        source.Lost(1);

        var mine = lines.Where(m => m.SourceName == source.Name).ToList();
        Assert.Equal(3, mine.Count);
        Assert.Equal("Lost 30 span(s).", mine[0].Message);
        Assert.Equal("Problem 'retrying' happened 1 time(s).", mine[1].Message);
        Assert.Equal("Lost 30 span(s). (2 line(s) of this event held back by the rate limit, the last of them this one)", mine[2].Message);
        Assert.Equal(EventLevel.Error, mine[2].Level);
        Assert.Equal(3, mine[2].EventId);
    }

    [Fact]
    public void NothingHeldBack_NothingWrittenOnDispose()
    {
        var lines = new ConcurrentQueue<SelfLogMessage>();
        using var source = new TestSource("Tracing-Sdk-Test-" + Guid.NewGuid().ToString("N"));
        var listener = new SelfLogListener(lines.Enqueue);
        source.Lost(1);
        source.Lost(2);
        listener.Dispose();

        Assert.Equal(2, lines.Count(m => m.SourceName == source.Name));
    }

    [Fact]
    public void OtherSources_AreNotForwarded()
    {
        var lines = new ConcurrentQueue<SelfLogMessage>();
        using var source = new TestSource("Someone-Else-" + Guid.NewGuid().ToString("N"));
        using var listener = new SelfLogListener(lines.Enqueue);

        source.Problem("not ours", 1);

        Assert.DoesNotContain(lines, m => m.SourceName == source.Name);
    }

    private sealed class TestSource(string name) : EventSource(name)
    {
        [Event(1, Level = EventLevel.Warning, Message = "Problem '{0}' happened {1} time(s).")]
        public void Problem(string what, int times) => WriteEvent(1, what, times);

        [Event(2, Level = EventLevel.Informational, Message = "{0}")]
        public void Note(string what) => WriteEvent(2, what);

        [Event(3, Level = EventLevel.Error, Message = "Lost {0} span(s).")]
        public void Lost(int spans) => WriteEvent(3, spans);
    }
}

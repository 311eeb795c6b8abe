using System;

namespace Tracing.Sdk.TestSupport;

/// <summary>
/// The one timeout policy of the tests. A test waits for an event (a request arriving, a span ending, a file leaving
/// the spool) and fails only when it has not happened by a bound far beyond any healthy run on a busy machine; no
/// test asserts how fast something happened. Two bounds, by what is awaited.
/// </summary>
public static class TestTimeouts
{
    /// <summary>Something inside this process: a request on a loopback server, a background thread, a timer.</summary>
    public static readonly TimeSpan InProcess = TimeSpan.FromSeconds(60);

    /// <summary>Something that first starts another process (<c>dotnet</c> building or running an app).</summary>
    public static readonly TimeSpan ChildProcess = TimeSpan.FromMinutes(5);
}

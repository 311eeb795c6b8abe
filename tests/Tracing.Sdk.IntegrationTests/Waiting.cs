using System;
using System.Diagnostics;
using System.Threading;
using Tracing.Sdk.TestSupport;
using Xunit;

namespace Tracing.Sdk.IntegrationTests;

internal static class Waiting
{
    /// <summary>Polls until <paramref name="condition"/> holds, for up to TestTimeouts.InProcess (servers end their spans after responding).</summary>
    public static void Until(Func<bool> condition, string what) => Until(condition, what, static () => string.Empty);

    /// <summary>Like <see cref="Until(Func{bool}, string)"/>, with <paramref name="state"/> in the failure message.</summary>
    public static void Until(Func<bool> condition, string what, Func<string> state)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed > TestTimeouts.InProcess)
            {
                Assert.Fail("Timed out waiting for " + what + " " + state());
            }

            Thread.Sleep(20);
        }
    }
}

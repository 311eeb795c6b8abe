using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Tracing.Sdk.TestSupport;

namespace Tracing.Sdk.Demo.Tests;

/// <summary>The demo, started as its own process from its build output (with the tests' one process harness).</summary>
internal static class DemoProcess
{
    private const string ListeningMarker = "Now listening on: ";

    // Variables of the machine that would change what the demo does; a test sets what it needs.
    private static readonly string[] s_cleared = ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_PROPAGATORS", "OTEL_TRACES_SAMPLER", "OTEL_SDK_DISABLED"];

    public static ChildProcess Start(IEnumerable<KeyValuePair<string, string>>? environment, params string[] args)
    {
        string dll = ChildProcess.BuiltDll("samples/Demo", "Demo");
        var variables = s_cleared.Select(name => new KeyValuePair<string, string?>(name, null))
            .Concat((environment ?? []).Select(kv => new KeyValuePair<string, string?>(kv.Key, kv.Value)));
        return ChildProcess.Start(dll, args, variables, Path.GetDirectoryName(dll));
    }

    /// <summary>The address Kestrel reports once it listens (the demo is started on port 0).</summary>
    public static async Task<string> ListeningAddressAsync(this ChildProcess demo, TimeSpan bound)
    {
        string line = await demo.WaitForLineAsync(l => l.Contains(ListeningMarker, StringComparison.Ordinal), bound);
        return line[(line.IndexOf(ListeningMarker, StringComparison.Ordinal) + ListeningMarker.Length)..].Trim();
    }
}

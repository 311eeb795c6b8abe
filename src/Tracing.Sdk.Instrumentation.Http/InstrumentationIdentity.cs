namespace Tracing.Sdk.Instrumentation;

/// <summary>This package's names for the shared instrumentation plumbing (src/Shared/Instrumentation).</summary>
internal static class InstrumentationIdentity
{
    /// <summary>The self-log's EventSource name.</summary>
    public const string EventSourceName = "Tracing-Sdk-Instrumentation-Http";

    /// <summary>What the self-log calls this instrumentation.</summary>
    public const string DisplayName = "HttpClient";
}

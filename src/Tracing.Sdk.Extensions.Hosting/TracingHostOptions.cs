namespace Tracing.Sdk.Extensions.Hosting;

/// <summary>How the host runs the provider.</summary>
public sealed class TracingHostOptions
{
    /// <summary>The most the host's stop waits for the final flush and shutdown, in milliseconds. Default: 10 000.</summary>
    public int ShutdownTimeoutMilliseconds { get; set; } = 10_000;
}

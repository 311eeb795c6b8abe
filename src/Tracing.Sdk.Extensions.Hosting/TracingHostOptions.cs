namespace Tracing.Sdk.Extensions.Hosting;

/// <summary>How the host runs the provider.</summary>
public sealed class TracingHostOptions
{
    /// <summary>
    /// The most the host's stop spends on the final flush and shutdown together, in milliseconds, whatever the
    /// receivers do. Spans not delivered by then go to the exporter's spool when it has one, and are otherwise dropped
    /// and counted with reason <c>shutdown</c>. Default: <see cref="TracerProvider.DefaultShutdownTimeoutMilliseconds"/>
    /// (5 000), inside a container's stop grace period.
    /// </summary>
    public int ShutdownTimeoutMilliseconds { get; set; } = TracerProvider.DefaultShutdownTimeoutMilliseconds;
}

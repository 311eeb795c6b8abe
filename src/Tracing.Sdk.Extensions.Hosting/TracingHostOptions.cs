using System;

namespace Tracing.Sdk.Extensions.Hosting;

/// <summary>How the host runs the provider.</summary>
public sealed class TracingHostOptions
{
    /// <summary>
    /// The most the host's stop spends on the final flush and shutdown together, whatever the receivers do. Spans not
    /// delivered by then go to the exporter's spool when it has one, and are otherwise dropped and counted with reason
    /// <c>shutdown</c>. Default: <see cref="TracerProvider.DefaultShutdownTimeout"/> (5 s), inside a
    /// container's stop grace period.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TracerProvider.DefaultShutdownTimeout;
}

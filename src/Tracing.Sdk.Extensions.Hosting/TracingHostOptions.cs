using System;

namespace Tracing.Sdk.Extensions.Hosting;

/// <summary>How the host runs the provider.</summary>
public sealed class TracingHostOptions
{
    /// <summary>The most the host's stop waits for the final flush and shutdown. Default: 10 s.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary><see cref="ShutdownTimeout"/> in whole milliseconds, clamped to <see cref="int.MaxValue"/>, for the deadline arithmetic.</summary>
    internal int ShutdownTimeoutMilliseconds => (int)Math.Clamp(Math.Ceiling(ShutdownTimeout.TotalMilliseconds), int.MinValue, int.MaxValue);
}

using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

namespace Tracing.Sdk.Extensions.Hosting;

/// <summary>
/// Ties the provider's life to the host's: built (instrumentations listening) before any other hosted service starts,
/// so the server's first request is already traced; flushed and shut down after every hosted service has stopped, so a
/// span ended by a request that was draining during shutdown is still exported.
/// </summary>
internal sealed class TracingHostedService : IHostedLifecycleService
{
    private readonly TracerProvider _provider;
    private readonly TracingHostOptions _options;

    public TracingHostedService(TracerProvider provider, TracingHostOptions options)
    {
        _provider = provider;
        _options = options;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        // Blocking is fine here: the host has stopped serving. One bound for everything: Shutdown exports what is
        // queued (a separate ForceFlush first would get a second budget of its own).
        _provider.Shutdown(_options.ShutdownTimeout);
        return Task.CompletedTask;
    }
}

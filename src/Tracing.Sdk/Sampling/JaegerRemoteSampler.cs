using System;
using System.Globalization;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Tracing.Sdk.Diagnostics;

namespace Tracing.Sdk.Sampling;

/// <summary>
/// The OpenTelemetry SDK specification's JaegerRemoteSampler: polls a Jaeger sampling endpoint
/// (<c>GET {endpoint}/sampling?service={name}</c>, served by the Jaeger agent, the Jaeger collector and the
/// OpenTelemetry Collector's remote-sampling extension) and applies the probabilistic, rate-limiting or per-operation
/// strategy it answers (operations are span names). It starts with <see cref="JaegerRemoteSamplerOptions.InitialSamplingRate"/>,
/// keeps the last good strategy when the endpoint fails or answers something that is not a strategy, and stops
/// polling when disposed (the provider disposes it at shutdown). Deciding reads one reference: no lock, no allocation.
/// </summary>
public sealed class JaegerRemoteSampler : Sampler, IDisposable
{
    private readonly JaegerRemoteSamplerOptions _options;
    private readonly Uri _requestUri;
    private readonly HttpClient _client;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _poller;
    private readonly TaskCompletionSource _firstPoll = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile JaegerStrategy _strategy;
    private long _polls;
    private long _failures;

    /// <summary>Creates the sampler and starts polling at once.</summary>
    /// <param name="options">The endpoint, service name, polling interval and initial rate.</param>
    public JaegerRemoteSampler(JaegerRemoteSamplerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.Endpoint);
        if (!(options.InitialSamplingRate is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.InitialSamplingRate, "InitialSamplingRate must be between 0 and 1.");
        }

        _options = options;
        string service = string.IsNullOrWhiteSpace(options.ServiceName) ? "unknown_service" : options.ServiceName;
        string baseAddress = options.Endpoint.AbsoluteUri.TrimEnd('/');
        if (!baseAddress.EndsWith("/sampling", StringComparison.OrdinalIgnoreCase))
        {
            baseAddress += "/sampling";
        }

        _requestUri = new Uri(baseAddress + "?service=" + Uri.EscapeDataString(service));
        _strategy = JaegerStrategy.Probabilistic(options.InitialSamplingRate);

        // No Activity propagator: the sampler's own polls are not the application's traffic and must not be traced.
        _client = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null, UseProxy = false })
        {
            Timeout = options.RequestTimeout > TimeSpan.Zero ? options.RequestTimeout : TimeSpan.FromSeconds(10),
        };
        using (ExecutionContext.SuppressFlow())
        {
            _poller = Task.Run(PollLoopAsync);
        }
    }

    /// <summary>The address polled.</summary>
    public Uri RequestUri => _requestUri;

    /// <summary>A description of the strategy in force, for example <c>probabilistic{0.25}</c>.</summary>
    public string Strategy => _strategy.Text;

    /// <summary>How many polls have completed, successful or not.</summary>
    public long Polls => Interlocked.Read(ref _polls);

    /// <summary>How many polls failed (no answer, an error status, or an answer that is not a strategy).</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Whether the polling loop still runs (false once disposed).</summary>
    internal bool IsPolling => !_poller.IsCompleted;

    /// <summary>Completes when the first poll has completed, whatever its outcome.</summary>
    public Task FirstPoll => _firstPoll.Task;

    /// <inheritdoc/>
    public override SamplingResult ShouldSample(in SamplingParameters parameters) => _strategy.ShouldSample(parameters);

    /// <inheritdoc/>
    public override string Description => "JaegerRemoteSampler{" + _strategy.Text + "}";

    /// <summary>Polls now, outside the schedule; for tests and for an operator's "refresh" command.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task PollAsync(CancellationToken cancellationToken = default) => PollOnceAsync(cancellationToken);

    /// <summary>Stops polling; the strategy in force stays in force.</summary>
    public void Dispose()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        _stop.Cancel();
        try
        {
            _poller.Wait(TimeSpan.FromSeconds(5));
        }
        catch
        {
        }

        _client.Dispose();
        _stop.Dispose();
    }

    private async Task PollLoopAsync()
    {
        var interval = _options.PollingInterval < TimeSpan.FromMilliseconds(100) ? TimeSpan.FromMilliseconds(100) : _options.PollingInterval;
        var token = _stop.Token;
        try
        {
            await PollOnceAsync(token).ConfigureAwait(false);
            _firstPoll.TrySetResult();
            using var timer = new PeriodicTimer(interval);
            while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false))
            {
                await PollOnceAsync(token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        finally
        {
            _firstPoll.TrySetResult();
        }
    }

    private async Task PollOnceAsync(CancellationToken token)
    {
        string? failure = null;

        // The poll is the SDK's own traffic: no instrumentation may trace it.
        using var suppressed = SuppressInstrumentationScope.Begin();
        try
        {
            using var response = await _client.GetAsync(_requestUri, token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                failure = "GET " + _requestUri + " answered " + ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
            }
            else
            {
                byte[] body = await ReadBoundedAsync(response, token).ConfigureAwait(false);
                if (JaegerStrategy.TryParse(body, Math.Max(1, _options.MaxOperations), out var strategy, out string? error))
                {
                    var previous = _strategy;
                    if (previous.Text != strategy!.Text)
                    {
                        _strategy = strategy;
                        SdkEventSource.Log.RemoteSamplerUpdated(strategy.Text);
                    }
                }
                else
                {
                    failure = "GET " + _requestUri + ": " + error;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            failure = "GET " + _requestUri + " failed: " + ex.Message;
        }

        if (failure is not null)
        {
            Interlocked.Increment(ref _failures);
            SdkEventSource.Log.RemoteSamplerFailed(failure, _strategy.Text);
        }

        Interlocked.Increment(ref _polls);
    }

    // A strategy is small; an endpoint that streams megabytes is answering garbage.
    private static async Task<byte[]> ReadBoundedAsync(HttpResponseMessage response, CancellationToken token)
    {
        const int Limit = 4 * 1024 * 1024;
        if (response.Content.Headers.ContentLength > Limit)
        {
            throw new InvalidOperationException("the strategy is larger than 4 MiB");
        }

        using var stream = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
        using var buffer = new System.IO.MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, token).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > Limit)
            {
                throw new InvalidOperationException("the strategy is larger than 4 MiB");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}

using System;
using Tracing.Sdk.Instrumentation.Http;
using Tracing.Sdk.Propagation;

namespace Tracing.Sdk;

/// <summary>Adds the HttpClient instrumentation to a <see cref="TracerProviderBuilder"/>.</summary>
public static class HttpClientInstrumentationExtensions
{
    /// <summary>
    /// Records a client span for every HttpClient request (with or without <c>IHttpClientFactory</c>) following the
    /// stable HTTP semantic conventions, and writes the trace headers in the configured formats.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Changes the options.</param>
    public static TracerProviderBuilder AddHttpClientInstrumentation(this TracerProviderBuilder builder, Action<HttpClientInstrumentationOptions>? configure = null)
        => Add(builder, configure, withGrpc: false);

    /// <summary>
    /// Records a client span for every gRPC call made with Grpc.Net.Client (<c>rpc.system</c>, <c>rpc.service</c>,
    /// <c>rpc.method</c>, <c>rpc.grpc.status_code</c>), its context carried in the call's metadata; plus everything
    /// <see cref="AddHttpClientInstrumentation"/> does. The HTTP request under a call is part of the call's span.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Changes the HttpClient options.</param>
    public static TracerProviderBuilder AddGrpcClientInstrumentation(this TracerProviderBuilder builder, Action<HttpClientInstrumentationOptions>? configure = null)
        => Add(builder, configure, withGrpc: true);

    private static TracerProviderBuilder Add(TracerProviderBuilder builder, Action<HttpClientInstrumentationOptions>? configure, bool withGrpc)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new HttpClientInstrumentationOptions();
        configure?.Invoke(options);

        // The propagator is resolved when the provider is built, so a settings source set later still counts.
        return builder.AddInstrumentation(provider => new HttpClientInstrumentation(
            provider, options, options.Propagator ?? Propagators.FromEnvironment(builder.GetSetting), withGrpc));
    }
}

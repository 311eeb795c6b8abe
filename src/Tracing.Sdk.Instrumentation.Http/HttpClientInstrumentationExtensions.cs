using System;
using System.Runtime.CompilerServices;
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
    /// <remarks>
    /// Calling it again, or calling <see cref="AddGrpcClientInstrumentation"/> too, keeps one instrumentation with one
    /// options object: each call's <paramref name="configure"/> changes the same options, in call order.
    /// </remarks>
    public static TracerProviderBuilder AddHttpClientInstrumentation(this TracerProviderBuilder builder, Action<HttpClientInstrumentationOptions>? configure = null)
        => Add(builder, configure, withGrpc: false);

    /// <summary>
    /// Records a client span for every gRPC call made with Grpc.Net.Client (<c>rpc.system</c>, <c>rpc.service</c>,
    /// <c>rpc.method</c>, <c>rpc.grpc.status_code</c>), its context carried in the call's metadata; plus everything
    /// <see cref="AddHttpClientInstrumentation"/> does. The HTTP request under a call is part of the call's span.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Changes the HttpClient options (shared with <see cref="AddHttpClientInstrumentation"/>).</param>
    public static TracerProviderBuilder AddGrpcClientInstrumentation(this TracerProviderBuilder builder, Action<HttpClientInstrumentationOptions>? configure = null)
        => Add(builder, configure, withGrpc: true);

    private static TracerProviderBuilder Add(TracerProviderBuilder builder, Action<HttpClientInstrumentationOptions>? configure, bool withGrpc)
    {
        ArgumentNullException.ThrowIfNull(builder);

        // One instrumentation and one options object per builder, whichever of the two methods is called and in which
        // order: a second HttpClient listener would record every request twice and bypass the first one's filter.
        bool first = !s_registrations.TryGetValue(builder, out var existing);
        var registration = existing ?? new Registration();
        if (first)
        {
            s_registrations.Add(builder, registration);
        }

        configure?.Invoke(registration.Options);
        registration.WithGrpc |= withGrpc;
        if (!first)
        {
            return builder;
        }

        // The propagator is resolved when the provider is built, so a settings source set later still counts.
        return builder.AddInstrumentation(provider => new HttpClientInstrumentation(
            provider, registration.Options, registration.Options.Propagator ?? Propagators.FromEnvironment(builder.GetSetting), registration.WithGrpc));
    }

    private static readonly ConditionalWeakTable<TracerProviderBuilder, Registration> s_registrations = new();

    private sealed class Registration
    {
        public HttpClientInstrumentationOptions Options { get; } = new();

        public bool WithGrpc { get; set; }
    }
}

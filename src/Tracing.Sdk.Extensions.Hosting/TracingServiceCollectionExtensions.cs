using System;
using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tracing.Sdk.Extensions.Hosting;
using Tracing.Sdk.Propagation;

namespace Tracing.Sdk;

/// <summary>Registers tracing with a host: one call in <c>Program.cs</c>.</summary>
public static class TracingServiceCollectionExtensions
{
    /// <summary>
    /// Registers a <see cref="TracerProvider"/> built when the host starts (before any other hosted service, so every
    /// request is traced) and flushed and shut down after the host stops. Settings come from the <c>Tracing</c>
    /// configuration section (<c>ServiceName</c>, <c>Propagators</c>, <c>Sampler</c>, <c>SamplerArgument</c>,
    /// <c>ResourceAttributes</c>, <c>Disabled</c>), then <c>OTEL_*</c> keys of <see cref="IConfiguration"/>, then the
    /// environment. Calling it again adds more configuration to the same provider. Log records written through the
    /// host's <c>ILogger</c> carry the innermost current span's ids (ours or an Activity's) in their scope, as chosen
    /// by <c>ActivityTrackingOptions</c>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the builder: instrumentations, exporters, sampler.</param>
    public static IServiceCollection AddTracing(this IServiceCollection services, Action<TracerProviderBuilder>? configure = null)
        => services.AddTracing((_, builder) => configure?.Invoke(builder));

    /// <summary>Like <see cref="AddTracing(IServiceCollection, Action{TracerProviderBuilder})"/>, with the services at hand while configuring.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the builder.</param>
    public static IServiceCollection AddTracing(this IServiceCollection services, Action<IServiceProvider, TracerProviderBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddSingleton(new TracingConfiguration(configure));

        // A marker of our own decides whether this is the first call: the application may register TracingHostOptions
        // itself, before or after AddTracing, and either order must work.
        if (services.Any(d => d.ServiceType == typeof(TracingRegistered)))
        {
            return services;
        }

        services.AddSingleton(new TracingRegistered());
        services.TryAddSingleton(new TracingHostOptions());
        services.TryAddSingleton<TracingLogForwarder>();
        services.TryAddSingleton(static sp =>
        {
            // Listening before anything is parsed, so an invalid setting reported while building is logged.
            sp.GetRequiredService<TracingLogForwarder>();
            var builder = new TracerProviderBuilder();
            var settings = new TracingSettings(sp.GetService<IConfiguration>());
            builder.SetSettingsSource(settings.Get);
            TracerProviderBuilderServices.SetServiceProvider(builder, sp);
            SamplingReload.Install(builder, sp.GetService<IConfiguration>(), sp.GetService<ILoggerFactory>());
            foreach (var configuration in sp.GetServices<TracingConfiguration>())
            {
                configuration.Configure(sp, builder);
            }

            return builder.Build();
        });

        // ASP.NET Core hosting extracts the incoming parent of its Activity with the DistributedContextPropagator in
        // the services: make it speak the configured formats, so the Activity (read by loggers) carries the trace the
        // server span continues. It replaces the runtime's default that hosting registered.
        services.RemoveAll<DistributedContextPropagator>();
        services.AddSingleton<DistributedContextPropagator>(static sp =>
        {
            sp.GetRequiredService<TracingLogForwarder>();
            return new TracingDistributedContextPropagator(Propagators.FromEnvironment(new TracingSettings(sp.GetService<IConfiguration>()).Get));
        });

        // The host's LoggerFactory takes its scope provider from the services: this one names the innermost span, ours
        // or an Activity, in every log record's scope, so logs written inside StartActiveSpan point at that span.
        // An application that registered its own scope provider keeps it.
        services.TryAddSingleton<IExternalScopeProvider>(static sp => new SpanLogScopeProvider(sp.GetService<IOptions<LoggerFactoryOptions>>()));

        // Inserted first, so it is started before any hosted service registered earlier (the web server included).
        services.Insert(0, ServiceDescriptor.Singleton<IHostedService, TracingHostedService>());
        return services;
    }

    private static bool Any(this IServiceCollection services, Func<ServiceDescriptor, bool> predicate)
    {
        foreach (var d in services)
        {
            if (predicate(d))
            {
                return true;
            }
        }

        return false;
    }

    private sealed class TracingRegistered;

    private sealed class TracingConfiguration(Action<IServiceProvider, TracerProviderBuilder> configure)
    {
        public Action<IServiceProvider, TracerProviderBuilder> Configure { get; } = configure;
    }
}

using System;
using Tracing.Sdk;

namespace Demo;

/// <summary>How every demo service is instrumented: only through the public packages.</summary>
internal static class DemoTracing
{
    /// <summary>True when an OTLP endpoint is configured in the environment, as the OpenTelemetry specification names it.</summary>
    public static bool OtlpConfigured =>
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"))
        || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"));

    public static TracerProviderBuilder Instrument(this TracerProviderBuilder builder, params string[] sources)
    {
        builder.AddAspNetCoreInstrumentation(o => o.Filter = context => context.Request.Path != "/health")
               .AddHttpClientInstrumentation()
               .AddGrpcClientInstrumentation();
        if (sources.Length > 0)
        {
            builder.AddSource(sources);
        }

        return builder.ExportOverOtlpWhenConfigured();
    }

    /// <summary>Adds the OTLP exporter when an endpoint is configured, so every service's spans reach the backend.</summary>
    public static TracerProviderBuilder ExportOverOtlpWhenConfigured(this TracerProviderBuilder builder)
        => OtlpConfigured ? builder.AddOtlpExporter() : builder;
}

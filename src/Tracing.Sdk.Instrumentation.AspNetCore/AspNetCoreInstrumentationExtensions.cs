using System;
using System.Diagnostics;
using Tracing.Sdk.Instrumentation.AspNetCore;
using Tracing.Sdk.Propagation;

namespace Tracing.Sdk;

/// <summary>Adds the ASP.NET Core instrumentation to a <see cref="TracerProviderBuilder"/>.</summary>
public static class AspNetCoreInstrumentationExtensions
{
    /// <summary>
    /// Records a server span for every ASP.NET Core request (stable HTTP semantic conventions; named
    /// <c>{METHOD} {route}</c> once routing is known), continuing the caller's trace from the headers of the configured
    /// formats, with the incoming baggage as <see cref="Baggage.Current"/> in the handler. Inside <c>AddTracing</c> it
    /// traces that host's requests only.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Changes the options.</param>
    public static TracerProviderBuilder AddAspNetCoreInstrumentation(this TracerProviderBuilder builder, Action<AspNetCoreInstrumentationOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new AspNetCoreInstrumentationOptions();
        configure?.Invoke(options);
        return builder.AddInstrumentation(provider =>
        {
            var hostListener = builder.GetServiceProvider()?.GetService(typeof(DiagnosticListener)) as DiagnosticListener;
            if (hostListener is not null && hostListener.Name != AspNetCoreInstrumentation.ListenerName)
            {
                hostListener = null;
            }

            return new AspNetCoreInstrumentation(provider, options, options.Propagator ?? Propagators.FromEnvironment(builder.GetSetting), hostListener);
        });
    }
}

using System;
using System.Net.Http;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Tracing.Sdk.Exporter.Otlp.Diagnostics;

namespace Tracing.Sdk.Exporter.Otlp.Transport;

/// <summary>
/// Builds the HTTP handler both transports use: pooled connections, TLS settings from the options, and the exporter's
/// <c>User-Agent</c> on every request (<see cref="OtlpUserAgent"/>).
/// </summary>
internal static class OtlpHttpHandler
{
    public static HttpMessageHandler Create(OtlpExporterOptions options) => new OtlpUserAgent(CreateSocketsHandler(options));

    private static SocketsHttpHandler CreateSocketsHandler(OtlpExporterOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = TimeSpan.FromMilliseconds(Math.Max(1, options.TimeoutMilliseconds)),

            // An export never carries trace headers, whichever Activity happens to be current.
            ActivityHeadersPropagator = null,
        };

        try
        {
            if (options.CertificateFile is { } caFile)
            {
                var ca = X509CertificateLoader.LoadCertificateFromFile(caFile);
                handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (errors == SslPolicyErrors.None)
                    {
                        return true;
                    }

                    if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
                    {
                        return false;
                    }

                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(new X509Certificate2(certificate));
                };
            }

            if (options.ClientCertificateFile is { } certFile)
            {
                var client = X509Certificate2.CreateFromPemFile(certFile, options.ClientKeyFile);
                handler.SslOptions.ClientCertificates = [client];
            }
        }
        catch (Exception ex)
        {
            OtlpExporterEventSource.Log.InvalidConfiguration("OTEL_EXPORTER_OTLP_CERTIFICATE", ex.Message, "the system's trust store");
        }

        return handler;
    }
}

using System;
using System.Collections.Generic;
using System.Globalization;

namespace Tracing.Sdk.Exporter.Zipkin;

/// <summary>Settings of the <see cref="ZipkinExporter"/>; <see cref="FromSettings"/> reads <c>OTEL_EXPORTER_ZIPKIN_*</c>.</summary>
public sealed class ZipkinExporterOptions
{
    /// <summary>The default endpoint, <c>http://localhost:9411/api/v2/spans</c>.</summary>
    public static readonly Uri DefaultEndpoint = new("http://localhost:9411/api/v2/spans");

    /// <summary>Where spans are posted (<c>OTEL_EXPORTER_ZIPKIN_ENDPOINT</c>). <c>https</c> means TLS.</summary>
    public Uri Endpoint { get; set; } = DefaultEndpoint;

    /// <summary>The most one export may take, retries included (<c>OTEL_EXPORTER_ZIPKIN_TIMEOUT</c>, in milliseconds). Default 10 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary><see cref="Timeout"/> in whole milliseconds, clamped to <see cref="int.MaxValue"/>, for the deadline arithmetic.</summary>
    internal int TimeoutMilliseconds => (int)Math.Clamp(Math.Ceiling(Timeout.TotalMilliseconds), int.MinValue, int.MaxValue);

    /// <summary>Headers sent with every request.</summary>
    public IList<KeyValuePair<string, string>> Headers { get; } = new List<KeyValuePair<string, string>>();

    /// <summary>Whether retryable failures are retried (as <c>OtlpExporterOptions.RetryEnabled</c>). Default true.</summary>
    public bool RetryEnabled { get; set; } = true;

    /// <summary>Retries after the first attempt, at most (HTTP 429, 502, 503, 504 and connection failures). Default 5.</summary>
    public int MaxRetryAttempts { get; set; } = 5;

    /// <summary>The first back-off, doubled on every retry up to <see cref="MaxBackoff"/>, with jitter. Default 1 s.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest back-off. Default 5 s.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Options read from <c>OTEL_EXPORTER_ZIPKIN_ENDPOINT</c> and <c>OTEL_EXPORTER_ZIPKIN_TIMEOUT</c>; invalid values fall back to the defaults.</summary>
    /// <param name="getSetting">Returns a setting's value, or null (for example <c>TracerProviderBuilder.GetSetting</c>).</param>
    public static ZipkinExporterOptions FromSettings(Func<string, string?> getSetting)
    {
        ArgumentNullException.ThrowIfNull(getSetting);
        var options = new ZipkinExporterOptions();
        if (getSetting("OTEL_EXPORTER_ZIPKIN_ENDPOINT")?.Trim() is { Length: > 0 } endpoint)
        {
            if (Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
            {
                options.Endpoint = uri;
            }
            else
            {
                // The value may carry credentials (user information): only its length is reported.
                ZipkinExporterEventSource.Log.InvalidConfiguration("OTEL_EXPORTER_ZIPKIN_ENDPOINT", endpoint.Contains('@', StringComparison.Ordinal) ? "(a value with '@'; not shown, it may hold credentials)" : endpoint, DefaultEndpoint.ToString());
            }
        }

        if (getSetting("OTEL_EXPORTER_ZIPKIN_TIMEOUT")?.Trim() is { Length: > 0 } timeout)
        {
            if (int.TryParse(timeout, NumberStyles.Integer, CultureInfo.InvariantCulture, out int ms) && ms > 0)
            {
                options.Timeout = TimeSpan.FromMilliseconds(ms);
            }
            else
            {
                ZipkinExporterEventSource.Log.InvalidConfiguration("OTEL_EXPORTER_ZIPKIN_TIMEOUT", timeout, "10000");
            }
        }

        return options;
    }
}

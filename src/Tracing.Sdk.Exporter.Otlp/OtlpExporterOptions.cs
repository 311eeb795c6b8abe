using System;
using System.Collections.Generic;
using System.Globalization;
using Tracing.Sdk.Exporter.Otlp.Diagnostics;

namespace Tracing.Sdk.Exporter.Otlp;

/// <summary>
/// Settings of the <see cref="OtlpTraceExporter"/>. <see cref="FromSettings"/> reads the specification's
/// <c>OTEL_EXPORTER_OTLP_*</c> and <c>OTEL_EXPORTER_OTLP_TRACES_*</c> variables (the signal-specific one wins);
/// values set in code afterwards win over both.
/// </summary>
public sealed class OtlpExporterOptions
{
    /// <summary>The default gRPC endpoint.</summary>
    public static readonly Uri DefaultGrpcEndpoint = new("http://localhost:4317");

    /// <summary>The default HTTP endpoint (the trace path included).</summary>
    public static readonly Uri DefaultHttpEndpoint = new("http://localhost:4318/v1/traces");

    private Uri? _endpoint;
    private bool _endpointIsBase;

    /// <summary>
    /// The receiver's address. For gRPC, the scheme, host and port (<c>http://localhost:4317</c>); for HTTP, the full URL
    /// the request is posted to (<c>http://localhost:4318/v1/traces</c>), used as-is. <c>https</c> means TLS.
    /// Null means the protocol's default. <c>OTEL_EXPORTER_OTLP_TRACES_ENDPOINT</c> is used as-is; the generic
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is a base URL to which HTTP appends <c>v1/traces</c>.
    /// </summary>
    public Uri? Endpoint
    {
        get => _endpoint;
        set
        {
            _endpoint = value;
            _endpointIsBase = false;
        }
    }

    /// <summary>
    /// The transport and encoding. Default <see cref="OtlpExportProtocol.HttpProtobuf"/>: the OpenTelemetry
    /// specification says SDKs SHOULD default to <c>http/protobuf</c>, and it needs no HTTP/2.
    /// </summary>
    public OtlpExportProtocol Protocol { get; set; } = OtlpExportProtocol.HttpProtobuf;

    /// <summary>Headers sent with every request (for example an API key).</summary>
    public IList<KeyValuePair<string, string>> Headers { get; } = new List<KeyValuePair<string, string>>();

    /// <summary>The most one export may take, retries and back-off included (<c>OTEL_EXPORTER_OTLP_TIMEOUT</c>, in milliseconds). Default 10 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary><see cref="Timeout"/> in whole milliseconds, clamped to <see cref="int.MaxValue"/>, for the deadline arithmetic.</summary>
    internal const int DefaultMaxConcurrentExports = 4;

    /// <summary><see cref="MaxConcurrentExports"/> within 1..64.</summary>
    internal int SendSlots => Math.Clamp(MaxConcurrentExports, 1, 64);

    internal int TimeoutMilliseconds => (int)Math.Clamp(Math.Ceiling(Timeout.TotalMilliseconds), int.MinValue, int.MaxValue);

    /// <summary>Request compression. Default none.</summary>
    public OtlpCompression Compression { get; set; }

    /// <summary>A PEM or DER file with the certificate (authority) trusted for the receiver's TLS certificate, or null for the system's trust.</summary>
    public string? CertificateFile { get; set; }

    /// <summary>A PEM file with the client certificate for mutual TLS, or null.</summary>
    public string? ClientCertificateFile { get; set; }

    /// <summary>A PEM file with the client certificate's private key, or null.</summary>
    public string? ClientKeyFile { get; set; }

    /// <summary>Whether retryable failures are retried with exponential back-off. Default true.</summary>
    public bool RetryEnabled { get; set; } = true;

    /// <summary>Retries after the first attempt, at most. Default 5.</summary>
    public int MaxRetryAttempts { get; set; } = 5;

    /// <summary>The first back-off; doubled on every retry up to <see cref="MaxBackoff"/>, with jitter. Default 1 s.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest back-off between attempts. Default 5 s.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A directory where batches go when the receiver stays unreachable after the retries, to be resent (oldest first)
    /// once it answers again, also by a later process. Null (the default) disables the spool. <c>TRACING_SPOOL_DIRECTORY</c>.
    /// </summary>
    public string? SpoolDirectory { get; set; }

    /// <summary>The most bytes the spool keeps; the oldest batches are dropped (and counted) beyond it. Default 64 MiB.</summary>
    public long SpoolMaxBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// The most export requests in flight at once (the OTLP specification's concurrent requests): an export returns once
    /// its batch is encoded into a request and a send slot is free, and waits only when this many requests are already
    /// awaiting their responses. gRPC sends them as concurrent calls on one HTTP/2 connection; HTTP opens up to this many
    /// connections. 1 sends each batch on the exporting thread and waits for the response, as before. Each slot keeps
    /// one request buffer (reused) and one sending thread. While the receiver is down or the spool holds a backlog,
    /// batches are sent one at a time. Default 4; values below 1 count as 1, above 64 as 64.
    /// <c>TRACING_OTLP_MAX_CONCURRENT_EXPORTS</c>.
    /// </summary>
    public int MaxConcurrentExports { get; set; } = DefaultMaxConcurrentExports;

    /// <summary>The endpoint requests go to: <see cref="Endpoint"/> or the protocol's default.</summary>
    public Uri ResolveEndpoint()
    {
        if (_endpoint is null)
        {
            return Protocol == OtlpExportProtocol.Grpc ? DefaultGrpcEndpoint : DefaultHttpEndpoint;
        }

        if (_endpointIsBase && Protocol != OtlpExportProtocol.Grpc)
        {
            string text = _endpoint.AbsoluteUri;
            return new Uri(text.EndsWith('/') ? text + "v1/traces" : text + "/v1/traces");
        }

        return _endpoint;
    }

    /// <summary>Options read from the <c>OTEL_EXPORTER_OTLP_*</c> settings; invalid values fall back to the defaults and are reported to the self-log.</summary>
    /// <param name="getSetting">Returns a setting's value, or null (for example <c>TracerProviderBuilder.GetSetting</c>).</param>
    public static OtlpExporterOptions FromSettings(Func<string, string?> getSetting)
    {
        ArgumentNullException.ThrowIfNull(getSetting);
        var options = new OtlpExporterOptions();
        string? Get(string suffix)
        {
            string? v = getSetting("OTEL_EXPORTER_OTLP_TRACES_" + suffix);
            return string.IsNullOrWhiteSpace(v) ? getSetting("OTEL_EXPORTER_OTLP_" + suffix) : v;
        }

        if (Get("PROTOCOL")?.Trim() is { Length: > 0 } protocol)
        {
            switch (protocol)
            {
                case "grpc":
                    options.Protocol = OtlpExportProtocol.Grpc;
                    break;
                case "http/protobuf":
                    options.Protocol = OtlpExportProtocol.HttpProtobuf;
                    break;
                case "http/json":
                    options.Protocol = OtlpExportProtocol.HttpJson;
                    break;
                default:
                    OtlpExporterEventSource.Log.InvalidConfiguration("OTEL_EXPORTER_OTLP_PROTOCOL", protocol, "http/protobuf");
                    break;
            }
        }

        if (getSetting("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")?.Trim() is { Length: > 0 } tracesEndpoint)
        {
            if (Uri.TryCreate(tracesEndpoint, UriKind.Absolute, out var uri) && IsHttp(uri))
            {
                options.Endpoint = uri;
            }
            else
            {
                OtlpExporterEventSource.Log.InvalidConfiguration("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", RedactText(tracesEndpoint), "the default endpoint of the protocol (not a usable http or https URL)");
            }
        }
        else if (getSetting("OTEL_EXPORTER_OTLP_ENDPOINT")?.Trim() is { Length: > 0 } endpoint)
        {
            if (Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && IsHttp(uri))
            {
                options.Endpoint = uri;
                options._endpointIsBase = true;
            }
            else
            {
                OtlpExporterEventSource.Log.InvalidConfiguration("OTEL_EXPORTER_OTLP_ENDPOINT", RedactText(endpoint), "the default endpoint of the protocol (not a usable http or https URL)");
            }
        }

        if (Get("HEADERS") is { Length: > 0 } headers)
        {
            ParseHeaders(headers, options.Headers);
        }

        if (Get("TIMEOUT")?.Trim() is { Length: > 0 } timeout)
        {
            if (int.TryParse(timeout, NumberStyles.Integer, CultureInfo.InvariantCulture, out int ms) && ms > 0)
            {
                options.Timeout = TimeSpan.FromMilliseconds(ms);
            }
            else
            {
                OtlpExporterEventSource.Log.InvalidConfiguration("OTEL_EXPORTER_OTLP_TIMEOUT", timeout, "10000");
            }
        }

        if (Get("COMPRESSION")?.Trim() is { Length: > 0 } compression)
        {
            if (compression == "gzip")
            {
                options.Compression = OtlpCompression.Gzip;
            }
            else if (compression != "none")
            {
                OtlpExporterEventSource.Log.InvalidConfiguration("OTEL_EXPORTER_OTLP_COMPRESSION", compression, "none");
            }
        }

        options.CertificateFile = NullIfBlank(Get("CERTIFICATE"));
        options.ClientCertificateFile = NullIfBlank(Get("CLIENT_CERTIFICATE"));
        options.ClientKeyFile = NullIfBlank(Get("CLIENT_KEY"));
        options.SpoolDirectory = NullIfBlank(getSetting("TRACING_SPOOL_DIRECTORY"));
        if (NullIfBlank(getSetting("TRACING_OTLP_MAX_CONCURRENT_EXPORTS")) is { } concurrent)
        {
            if (int.TryParse(concurrent, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n is > 0 and <= 64)
            {
                options.MaxConcurrentExports = n;
            }
            else
            {
                OtlpExporterEventSource.Log.InvalidConfiguration("TRACING_OTLP_MAX_CONCURRENT_EXPORTS", concurrent, DefaultMaxConcurrentExports.ToString(CultureInfo.InvariantCulture));
            }
        }

        return options;
    }

    /// <summary>Parses <c>key1=value1,key2=value2</c> (W3C baggage-like, percent-encoded); malformed members are skipped.</summary>
    internal static void ParseHeaders(string text, IList<KeyValuePair<string, string>> into)
    {
        int index = 0;
        foreach (var member in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            index++;
            int eq = member.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                // The member may be a credential written without its '=': never echo header text.
                OtlpExporterEventSource.Log.InvalidConfiguration(
                    "OTEL_EXPORTER_OTLP_HEADERS",
                    string.Create(CultureInfo.InvariantCulture, $"member {index} (not key=value; its text is not shown)"),
                    "no header for it (the member is skipped)");
                continue;
            }

            string key = Uri.UnescapeDataString(member[..eq].Trim());
            string value = Uri.UnescapeDataString(member[(eq + 1)..].Trim());
            if (key.Length > 0)
            {
                into.Add(new KeyValuePair<string, string>(key, value));
            }
        }
    }

    /// <summary>The endpoint as it may be logged: without user information (credentials) and query.</summary>
    internal static string Redact(Uri uri)
    {
        if (!uri.IsAbsoluteUri)
        {
            return RedactText(uri.OriginalString);
        }

        return uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
    }

    /// <summary>A configured value as it may be logged: anything between <c>://</c> and an <c>@</c> (credentials) and any query are hidden.</summary>
    internal static string RedactText(string value)
    {
        string text = value;
        int query = text.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
        {
            text = text[..query] + "?***";
        }

        int scheme = text.IndexOf("://", StringComparison.Ordinal);
        int start = scheme >= 0 ? scheme + 3 : 0;
        int at = text.LastIndexOf('@');
        if (at >= start)
        {
            text = text[..start] + "***@" + text[(at + 1)..];
        }

        return text;
    }

    private static bool IsHttp(Uri uri) => uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps;

    private static string? NullIfBlank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}

using System;
using System.Net.Http;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;

namespace Tracing.Sdk.Exporter.Otlp.Transport;

/// <summary>
/// The <c>User-Agent</c> every OTLP request carries, as the OTLP exporter specification asks ("SHOULD emit a
/// User-Agent header to at a minimum identify the exporter, the language of its implementation, and the version of the
/// exporter"): <c>Tracing.Sdk.Exporter.Otlp/&lt;package version&gt; dotnet/&lt;runtime version&gt;</c>, two RFC 9110
/// product tokens, the same over gRPC and HTTP.
/// </summary>
internal sealed class OtlpUserAgent : DelegatingHandler
{
    public OtlpUserAgent(HttpMessageHandler inner)
        : base(inner)
    {
    }

    /// <summary>The header value (computed once per process).</summary>
    public static string Value { get; } = Build();

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Apply(request);
        return base.Send(request, cancellationToken);
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Apply(request);
        return base.SendAsync(request, cancellationToken);
    }

    // Set per request (not as an HttpClient default), so a value already there (one configured through
    // OTEL_EXPORTER_OTLP_HEADERS) is kept after ours rather than replacing it or being replaced.
    private static void Apply(HttpRequestMessage request)
    {
        string? existing = request.Headers.TryGetValues("User-Agent", out var values) ? string.Join(" ", values) : null;
        if (existing is not null && existing.StartsWith(Value, StringComparison.Ordinal))
        {
            return; // a retry of the same message
        }

        request.Headers.Remove("User-Agent");
        request.Headers.TryAddWithoutValidation("User-Agent", string.IsNullOrEmpty(existing) ? Value : Value + " " + existing);
    }

    private static string Build()
    {
        var assembly = typeof(OtlpUserAgent).Assembly;
        string? version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString();
        return "Tracing.Sdk.Exporter.Otlp/" + Token(version) + " dotnet/" + Token(Environment.Version.ToString());
    }

    /// <summary>A version as a product-token: build metadata ("+commit") dropped, anything outside tchar replaced.</summary>
    internal static string Token(string? version)
    {
        if (string.IsNullOrEmpty(version))
        {
            return "0.0.0";
        }

        int plus = version.IndexOf('+', StringComparison.Ordinal);
        var chars = (plus >= 0 ? version[..plus] : version).ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            char c = chars[i];
            if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal)))
            {
                chars[i] = '-';
            }
        }

        return chars.Length == 0 ? "0.0.0" : new string(chars);
    }
}

namespace Tracing.Sdk.Exporter.Otlp;

/// <summary>Request compression (<c>OTEL_EXPORTER_OTLP_COMPRESSION</c>).</summary>
public enum OtlpCompression
{
    /// <summary>No compression (the default).</summary>
    None = 0,

    /// <summary>gzip.</summary>
    Gzip = 1,
}

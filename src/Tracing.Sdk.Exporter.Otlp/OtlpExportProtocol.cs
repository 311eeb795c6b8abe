namespace Tracing.Sdk.Exporter.Otlp;

/// <summary>The OTLP transport and encoding (<c>OTEL_EXPORTER_OTLP_PROTOCOL</c>).</summary>
public enum OtlpExportProtocol
{
    /// <summary><c>http/protobuf</c>: <c>POST /v1/traces</c> with a binary protobuf body. The default, as the specification recommends.</summary>
    HttpProtobuf = 0,

    /// <summary><c>grpc</c>: the <c>TraceService/Export</c> unary call over HTTP/2.</summary>
    Grpc = 1,

    /// <summary><c>http/json</c>: <c>POST /v1/traces</c> with the OTLP/JSON encoding.</summary>
    HttpJson = 2,
}

using System;

namespace Tracing.Sdk.Exporter.Otlp.Transport.Http2;

/// <summary>A protocol or compression error on an HTTP/2 connection: the connection is closed and the send fails.</summary>
internal sealed class Http2Exception : Exception
{
    public Http2Exception(string message)
        : base(message)
    {
    }

    public Http2Exception()
    {
    }

    public Http2Exception(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

namespace Tracing.Sdk;

/// <summary>The role of a span in a request, as in the OpenTelemetry data model.</summary>
public enum SpanKind
{
    /// <summary>An operation inside the application.</summary>
    Internal = 0,

    /// <summary>The server side of a synchronous remote call.</summary>
    Server = 1,

    /// <summary>The client side of a synchronous remote call.</summary>
    Client = 2,

    /// <summary>The sender of an asynchronous message.</summary>
    Producer = 3,

    /// <summary>The receiver of an asynchronous message.</summary>
    Consumer = 4,
}

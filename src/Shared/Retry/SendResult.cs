using System;

namespace Tracing.Sdk.Exporting.Retry;

/// <summary>How one attempt to send a request ended.</summary>
internal enum SendStatus
{
    /// <summary>The receiver accepted the request.</summary>
    Success,

    /// <summary>A transient failure (connection error, timeout, HTTP 429/502/503/504, gRPC UNAVAILABLE…): worth another attempt.</summary>
    Retryable,

    /// <summary>The receiver refused the request for good (malformed, unauthorised…): retrying cannot help.</summary>
    Permanent,
}

/// <summary>
/// The outcome of one attempt, shared by every exporter (linked source from src/Shared): its status, a reason for the
/// self-log, the server's retry hint (<c>Retry-After</c>, gRPC <c>RetryInfo</c>), and spans the receiver rejected
/// although it accepted the request (OTLP partial success).
/// </summary>
internal readonly record struct SendResult(SendStatus Status, string Reason, TimeSpan? RetryAfter = null, long RejectedSpans = 0, string? RejectionMessage = null)
{
    public static SendResult Success(long rejected = 0, string? message = null) => new(SendStatus.Success, "ok", null, rejected, message);
}

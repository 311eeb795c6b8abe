using System;

namespace Tracing.Sdk.Exporter.Otlp.Transport;

/// <summary>How one attempt to send a request ended.</summary>
internal enum SendStatus
{
    Success,
    Retryable,
    Permanent,
}

/// <summary>The outcome of one attempt: its status, the server's retry hint, and spans the receiver rejected.</summary>
internal readonly record struct SendResult(SendStatus Status, string Reason, TimeSpan? RetryAfter = null, long RejectedSpans = 0, string? RejectionMessage = null)
{
    public static SendResult Success(long rejected = 0, string? message = null) => new(SendStatus.Success, "ok", null, rejected, message);
}

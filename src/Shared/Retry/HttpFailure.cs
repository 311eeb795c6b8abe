using System;
using System.Globalization;
using System.Net.Http;
using System.Threading;

namespace Tracing.Sdk.Exporting.Retry;

/// <summary>
/// How every HTTP exporter classifies a failed attempt (linked source from src/Shared), as the OTLP/HTTP specification
/// lists it: 429, 502, 503 and 504 are worth another attempt (after the receiver's <c>Retry-After</c>, when it gives
/// one), any other status is final; an attempt that threw (connection refused, reset, timed out) is worth another,
/// over OTLP/gRPC too (whose HTTP/2 transport fails the same ways).
/// </summary>
internal static class HttpFailure
{
    /// <summary>The result of a response whose status is not a success.</summary>
    public static SendResult Classify(HttpResponseMessage response)
    {
        int code = (int)response.StatusCode;
        string reason = "HTTP " + code.ToString(CultureInfo.InvariantCulture);
        return code is 429 or 502 or 503 or 504
            ? new SendResult(SendStatus.Retryable, reason, RetryAfterHeader.Read(response, DateTimeOffset.UtcNow))
            : new SendResult(SendStatus.Permanent, reason);
    }

    /// <summary>The result of an attempt that threw; <paramref name="callerToken"/> tells a cancelled export from a timeout.</summary>
    public static SendResult Classify(Exception exception, CancellationToken callerToken) => exception is OperationCanceledException
        ? new SendResult(SendStatus.Retryable, callerToken.IsCancellationRequested ? "cancelled" : "timed out")
        : new SendResult(SendStatus.Retryable, exception.GetType().Name + ": " + exception.Message);
}

using System;
using System.Net.Http;

namespace Tracing.Sdk.Exporting.Retry;

/// <summary>
/// The one reader of HTTP <c>Retry-After</c> (RFC 9110 §10.2.3) for every exporter (linked source from src/Shared):
/// delay-seconds or an HTTP date, in the past meaning "now"; absent or unparseable meaning no hint. A hint longer than
/// the export's time left needs no cap here: <see cref="ExportRetryPolicy"/> then gives up at once.
/// </summary>
internal static class RetryAfterHeader
{
    public static TimeSpan? Read(HttpResponseMessage response, DateTimeOffset now)
    {
        var header = response.Headers.RetryAfter;
        TimeSpan? wait = header switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - now,
            _ => null,
        };
        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
    }
}

using System;
using System.Collections.Generic;
using Microsoft.AspNetCore.Http;
using Tracing.Sdk.Propagation;

namespace Tracing.Sdk.Instrumentation.AspNetCore;

/// <summary>Options of the ASP.NET Core instrumentation.</summary>
public sealed class AspNetCoreInstrumentationOptions
{
    /// <summary>
    /// Returns false for a request that should get no span, for example a health check. The caller's context still
    /// flows through such a request: the calls its handler makes continue the caller's trace.
    /// </summary>
    public Func<HttpContext, bool>? Filter { get; set; }

    /// <summary>Called with the span and the request when the span starts.</summary>
    public Action<Span, HttpRequest>? EnrichWithRequest { get; set; }

    /// <summary>Called with the span and the response before the span ends.</summary>
    public Action<Span, HttpResponse>? EnrichWithResponse { get; set; }

    /// <summary>Called with the span and an unhandled exception.</summary>
    public Action<Span, Exception>? EnrichWithException { get; set; }

    /// <summary>Whether an unhandled exception is recorded as an <c>exception</c> event. Default: true.</summary>
    public bool RecordException { get; set; } = true;

    /// <summary>
    /// Request headers recorded as <c>http.request.header.&lt;name&gt;</c>. Empty by default: header values can hold
    /// secrets, so each one is opted in by name.
    /// </summary>
    public ISet<string> CapturedRequestHeaders { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Response headers recorded as <c>http.response.header.&lt;name&gt;</c>. Empty by default.</summary>
    public ISet<string> CapturedResponseHeaders { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The propagator that reads the incoming context and baggage. Null (the default) uses the formats named by
    /// <c>OTEL_PROPAGATORS</c> in the provider's settings (W3C trace context and baggage when unset).
    /// </summary>
    public TextMapPropagator? Propagator { get; set; }
}

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Primitives;
using Tracing.Sdk.Activities;
using Tracing.Sdk.Propagation;

namespace Tracing.Sdk.Instrumentation.AspNetCore;

/// <summary>
/// A server span per ASP.NET Core request, from the hosting layer's <c>Microsoft.AspNetCore</c> DiagnosticListener.
/// </summary>
/// <remarks>
/// The incoming context is extracted here, with the configured propagator (W3C, B3, Jaeger, composite), rather than
/// through the hosting layer's <see cref="DistributedContextPropagator"/>: the span then continues exactly the caller's
/// context (trace state, sampled flag, remote parent) whatever propagator the host was built with, and the baggage
/// becomes <see cref="Baggage.Current"/> for the handler. The hosting Activity becomes the span's twin (same span id)
/// through <see cref="ActivitySpans"/>, so handler code sees the server span as current and everything it starts
/// (our spans, bridged Activities, HttpClient calls) nests under it. A filtered request gets no span: its Activity is
/// tied to the caller's context instead, so its handler's calls continue the caller's trace.
/// When built inside <c>AddTracing</c>, the instrumentation listens to its own host's listener only, so several hosts
/// in one process each trace their own requests with their own provider.
/// </remarks>
internal sealed class AspNetCoreInstrumentation : DiagnosticSubscriber
{
    internal const string ListenerName = "Microsoft.AspNetCore";
    private const string ActivityName = "Microsoft.AspNetCore.Hosting.HttpRequestIn";
    private const string StartEvent = "Microsoft.AspNetCore.Hosting.HttpRequestIn.Start";
    private const string StopEvent = "Microsoft.AspNetCore.Hosting.HttpRequestIn.Stop";
    private const string EndpointMatchedEvent = "Microsoft.AspNetCore.Routing.EndpointMatched";
    private const string HostingUnhandledException = "Microsoft.AspNetCore.Hosting.UnhandledException";
    private const string DiagnosticsUnhandledException = "Microsoft.AspNetCore.Diagnostics.UnhandledException";

    private static readonly Func<HttpRequest, string, string?> s_getHeader = static (request, name) =>
    {
        if (!request.Headers.TryGetValue(name, out StringValues values) || values.Count == 0)
        {
            return null;
        }

        // Repeated headers are joined with commas, as the propagator contract expects.
        return values.Count == 1 ? values[0] : values.ToString();
    };

    private static readonly Func<HttpRequest, IEnumerable<string>> s_headerNames = static request => request.Headers.Keys;

    private static readonly object s_exceptionRecorded = new();

    // Tags the hosting layer and Grpc.AspNetCore put on the request's Activity, which this instrumentation translates
    // itself; everything else written to the Activity (by the application or a middleware) is copied onto the span.
    private static readonly Func<string, bool> s_libraryTag = static key => key is "http.request.method" or "http.request.method_original"
        or "url.scheme" or "url.path" or "server.address" or "server.port" or "network.protocol.version" or "http.response.status_code"
        or "http.route" or "error.type" or "client.address" or "user_agent.original" or "grpc.method" or "grpc.status_code";

    private readonly ServerSpanNames _spanNames = new();
    private readonly TracerProvider _provider;
    private readonly Tracer _tracer;
    private readonly AspNetCoreInstrumentationOptions _options;
    private readonly TextMapPropagator _propagator;
    private readonly PayloadProperty<Exception> _exception = new("exception");
    private readonly PayloadProperty<HttpContext> _httpContext = new("httpContext");

    // Set once a span of this instance started recording without being sampled (a deferred decision, or record-only):
    // until then no request can have a decision to complete when routing matches, so the per-request EndpointMatched
    // event (a feature lookup and a tie lookup) is not even asked for. Only ever goes from false to true.
    private volatile bool _unsampledRecordingSeen;

    public AspNetCoreInstrumentation(TracerProvider provider, AspNetCoreInstrumentationOptions options, TextMapPropagator propagator, DiagnosticListener? hostListener)
    {
        _provider = provider;
        _tracer = provider.GetTracer("Tracing.Sdk.Instrumentation.AspNetCore", typeof(AspNetCoreInstrumentation).Assembly.GetName().Version?.ToString(3));
        _options = options;
        _propagator = propagator;
        Start(hostListener);
    }

    private bool IsEnabled(string name, object? arg1, object? arg2) => name switch
    {
        // A request that arrives in a suppressed flow (a host started inside SuppressInstrumentationScope) gets no
        // Activity from this subscription; one already started still reports its end.
        ActivityName or StartEvent => !SuppressInstrumentationScope.IsActive,
        StopEvent or HostingUnhandledException or DiagnosticsUnhandledException => true,

        // Routing asks before every request's event: while no span could be waiting for its decision, it writes none.
        EndpointMatchedEvent => _unsampledRecordingSeen,
        _ => false,
    };

    // The host's own listener (always named so) when built inside AddTracing, else any listener of that name.
    protected override IDisposable? SubscribeTo(DiagnosticListener listener)
        => listener.Name == ListenerName ? listener.Subscribe(this, IsEnabled) : null;

    protected override void OnEvent(string name, object? payload)
    {
        switch (name)
        {
            case StartEvent:
                if (payload is HttpContext startContext)
                {
                    OnStart(startContext);
                }

                break;
            case EndpointMatchedEvent:
                if (payload is HttpContext matchedContext)
                {
                    CompleteDeferredSampling(matchedContext);
                }

                break;
            case StopEvent:
                if (payload is HttpContext stopContext)
                {
                    OnStop(stopContext);
                }

                break;
            case HostingUnhandledException:
            case DiagnosticsUnhandledException:
                OnException(_httpContext.Fetch(payload), _exception.Fetch(payload));
                break;
        }
    }

    // The request's Activity. The hosting layer writes its events with that Activity current (it starts it just before
    // the Start event and stops it just after the Stop event, in the request's own flow), so Activity.Current answers
    // without the feature lookup (an interface-keyed search of the request's and the connection's features, seen in
    // the web benchmark's profile); the feature settles anything else, such as an Activity a middleware left current.
    private static Activity? ActivityOf(HttpContext context)
    {
        var current = Activity.Current;
        if (current is not null && ReferenceEquals(current.OperationName, ActivityName))
        {
            return current;
        }

        return context.Features.Get<IHttpActivityFeature>()?.Activity ?? current;
    }

    private void OnStart(HttpContext context)
    {
        var activity = ActivityOf(context);
        if (activity is null || SuppressInstrumentationScope.IsActive || ActivitySpans.TryGetSpan(activity, out _))
        {
            return;
        }

        var request = context.Request;
        var incoming = _propagator.Extract(default, request, s_getHeader, s_headerNames);
        if (incoming.Baggage is { Count: > 0 } baggage)
        {
            // Set in the hosting layer's synchronous call, so it flows into the request's pipeline (like Activity.Current).
            Baggage.Current = baggage;
        }

        var parent = incoming.SpanContext;
        if (_options.Filter is { } filter && !SafeCallback.Filter(filter, context))
        {
            if (parent.IsValid)
            {
                ActivitySpans.Attach(activity, Span.FromContext(parent), _provider);
            }

            return;
        }

        string method = HttpConventions.MethodOf(request.Method, out bool known);
        var host = request.Host;
        int port = host.Port ?? (request.IsHttps ? 443 : 80);
        ReadOnlySpan<KeyValue> attributes =
        [
            new("http.request.method", method),
            new("url.scheme", request.Scheme),
            new("url.path", request.Path.HasValue ? request.Path.Value : "/"),
            new("server.address", host.Host),
            new("server.port", port),
        ];
        var span = ActivitySpans.StartSpan(_tracer, activity, known ? method : "HTTP", SpanKind.Server, parent, attributes);
        if (!span.IsRecording)
        {
            return;
        }

        if (!span.Context.IsSampled && !_unsampledRecordingSeen)
        {
            // Before the handler runs (and routing matches), so this request's own EndpointMatched event is asked for.
            _unsampledRecordingSeen = true;
        }

        if (!known)
        {
            span.SetAttribute("http.request.method_original", request.Method);
        }

        if (context.Connection.RemoteIpAddress is { } remote)
        {
            span.SetAttribute("client.address", remote.ToString());
        }

        if (request.Headers.UserAgent is { Count: > 0 } userAgent)
        {
            span.SetAttribute("user_agent.original", userAgent.ToString());
        }

        span.SetAttribute("network.protocol.version", HttpConventions.ProtocolVersionOf(request.Protocol));
        foreach (var name in _options.CapturedRequestHeaders)
        {
            if (request.Headers.TryGetValue(name, out var values))
            {
                span.SetAttribute("http.request.header." + name.ToLowerInvariant(), values.ToArray()!);
            }
        }

        if (_options.EnrichWithRequest is { } enrich)
        {
            SafeCallback.Enrich(enrich, span, request);
        }
    }

    private void OnStop(HttpContext context)
    {
        var activity = ActivityOf(context);
        if (activity is null)
        {
            return;
        }

        if (Baggage.Current.Count > 0)
        {
            // The next request on this connection runs in the same flow: it must not inherit this one's baggage.
            Baggage.Current = Baggage.Empty;
        }

        if (!ActivitySpans.TryGetSpan(activity, out var span, out var owner) || !ReferenceEquals(owner, _provider))
        {
            return;
        }

        if (span.IsRecording && !span.Context.IsSampled)
        {
            // A request no endpoint matched never had its deferred decision completed: decide now, with no route.
            if (CompleteDeferredSampling(context) is { Context.IsValid: true } completed)
            {
                span = completed;
            }
        }

        ActivitySpans.Detach(activity);
        // Compared as our id (parsing the Activity's hex): ToActivitySpanId would allocate a hex string per request.
        if (!span.IsRecording || SpanId.FromActivitySpanId(activity.SpanId) != span.Context.SpanId)
        {
            return;
        }

        ActivitySpans.CopyActivityData(activity, span, s_libraryTag);
        var response = context.Response;
        int status = response.StatusCode;
        span.SetAttribute("http.response.status_code", status);
        string method = HttpConventions.MethodOf(context.Request.Method, out bool known);
        if (activity.GetTagItem("grpc.method") is string grpcMethod)
        {
            NameGrpcCall(span, activity, grpcMethod);
        }
        else if (context.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: { } route })
        {
            span.SetAttribute("http.route", route);
            span.UpdateName(_spanNames.NameOf(known ? method : "HTTP", route));
        }

        if (status >= 500 && !context.Items.ContainsKey(s_exceptionRecorded))
        {
            span.SetAttribute("error.type", status.ToString(CultureInfo.InvariantCulture));
            span.SetStatus(StatusCode.Error);
        }

        foreach (var name in _options.CapturedResponseHeaders)
        {
            if (response.Headers.TryGetValue(name, out var values))
            {
                span.SetAttribute("http.response.header." + name.ToLowerInvariant(), values.ToArray()!);
            }
        }

        if (_options.EnrichWithResponse is { } enrich)
        {
            SafeCallback.Enrich(enrich, span, response);
        }

        long end = activity.Duration == TimeSpan.Zero ? 0 : (activity.StartTimeUtc.Ticks + activity.Duration.Ticks - DateTime.UnixEpoch.Ticks) * 100;
        if (end == 0)
        {
            span.End();
        }
        else
        {
            span.End(new DateTimeOffset(DateTime.UnixEpoch.Ticks + (end / 100), TimeSpan.Zero));
        }
    }

    /// <summary>
    /// Completes a root decision that a sampler deferred until the route was known (<see cref="Sampling.SamplingResult.Deferred"/>):
    /// the sampler sees the start attributes plus <c>http.route</c> (empty when no route endpoint matched). Runs when
    /// routing has chosen the endpoint, before the endpoint's handler starts any child span.
    /// </summary>
    private Span CompleteDeferredSampling(HttpContext context)
    {
        var activity = ActivityOf(context);
        if (activity is null || !ActivitySpans.TryGetSpan(activity, out var span, out var owner) || !ReferenceEquals(owner, _provider)
            || !span.IsRecording || span.Context.IsSampled)
        {
            return default;
        }

        var request = context.Request;
        string method = HttpConventions.MethodOf(request.Method, out bool known);
        string route = context.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: { } raw } ? raw : string.Empty;
        var host = request.Host;
        ReadOnlySpan<KeyValue> attributes =
        [
            new("http.request.method", method),
            new("url.scheme", request.Scheme),
            new("url.path", request.Path.HasValue ? request.Path.Value : "/"),
            new("server.address", host.Host),
            new("server.port", host.Port ?? (request.IsHttps ? 443 : 80)),
            new("http.route", route),
        ];
        string name = route.Length > 0 ? _spanNames.NameOf(known ? method : "HTTP", route) : (known ? method : "HTTP");
        return ActivitySpans.CompleteSampling(activity, name, attributes);
    }

    private static void NameGrpcCall(Span span, Activity activity, string grpcMethod)
    {
        var path = grpcMethod.AsSpan().TrimStart('/');
        int slash = path.LastIndexOf('/');
        span.SetAttribute("rpc.system", "grpc");
        span.SetAttribute("rpc.service", slash > 0 ? path[..slash].ToString() : path.ToString());
        span.SetAttribute("rpc.method", slash > 0 ? path[(slash + 1)..].ToString() : string.Empty);
        span.UpdateName(path.ToString());
        if (activity.GetTagItem("grpc.status_code") is string text && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int code))
        {
            span.SetAttribute("rpc.grpc.status_code", code);

            // For a server, only the statuses that mean the server failed are errors.
            if (code is 2 or 4 or 12 or 13 or 14 or 15)
            {
                span.SetStatus(StatusCode.Error);
            }
        }
    }

    private void OnException(HttpContext? context, Exception? exception)
    {
        if (context is null || exception is null || ActivityOf(context) is not { } activity
            || !ActivitySpans.TryGetSpan(activity, out var span, out var owner) || !ReferenceEquals(owner, _provider) || !span.IsRecording)
        {
            return;
        }

        span.SetAttribute("error.type", exception.GetType().FullName ?? exception.GetType().Name);
        span.SetStatus(StatusCode.Error, exception.Message);

        // The exception's type, not the 500 that follows, is the request's error.type.
        context.Items[s_exceptionRecorded] = true;
        if (_options.RecordException)
        {
            span.RecordException(exception);
        }

        if (_options.EnrichWithException is { } enrich)
        {
            SafeCallback.Enrich(enrich, span, exception);
        }
    }
}

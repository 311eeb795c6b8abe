using System;
using System.Diagnostics;
using System.Linq;
using System.Net.Http;
using Tracing.Sdk.Activities;
using Tracing.Sdk.Propagation;

namespace Tracing.Sdk.Instrumentation.Http;

/// <summary>
/// A client span per HttpClient request, from the runtime's <c>HttpHandlerDiagnosticListener</c>.
/// </summary>
/// <remarks>
/// Why the DiagnosticListener rather than the <c>System.Net.Http</c> ActivitySource: its Start event hands over the
/// <see cref="HttpRequestMessage"/> while the request can still be changed, so the filter, the enrichment and the
/// header injection all happen in one place, before the runtime's own injection; the ActivitySource alone gives an
/// Activity without the request. Subscribing also makes the runtime create its <c>HttpRequestOut</c> Activity for
/// every request, which becomes the span's twin (same span id) through <see cref="ActivitySpans"/>.
/// <para>
/// Headers: this instrumentation writes the trace headers itself during the Start event, with the configured
/// propagator and the exact context of the new span (or of its parent, for a filtered request), never overwriting a
/// header the caller set. The runtime then injects through <see cref="DistributedContextPropagator.Current"/>, which
/// would add a W3C <c>traceparent</c> (and <c>baggage</c>) whatever formats are configured; so while an instance is
/// alive <see cref="DistributedContextPropagator.Current"/> is the runtime's no-output propagator, which keeps the
/// default extraction and writes nothing. Only handlers built before the instrumentation started keep the propagator
/// they captured then.
/// </para>
/// </remarks>
internal sealed class HttpClientInstrumentation : DiagnosticSubscriber
{
    internal const string ListenerName = "HttpHandlerDiagnosticListener";
    private const string ActivityName = "System.Net.Http.HttpRequestOut";
    private const string StartEvent = "System.Net.Http.HttpRequestOut.Start";
    private const string StopEvent = "System.Net.Http.HttpRequestOut.Stop";
    private const string ExceptionEvent = "System.Net.Http.Exception";

    private static readonly object s_propagatorLock = new();
    private static int s_liveInstances;
    private static DistributedContextPropagator? s_previousPropagator;

    private static readonly Action<HttpRequestMessage, string, string> s_setHeader = static (request, name, value) =>
    {
        try
        {
            // A header the caller set by hand wins.
            if (!request.Headers.Contains(name))
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }
        catch
        {
        }
    };

    // The tags the runtime's own HttpClient diagnostics put on the Activity; this instrumentation sets them itself
    // (with its redaction and its error.type), so only what the application added is copied from the Activity.
    private static readonly Func<string, bool> s_runtimeTag = static key => key is "http.request.method" or "http.request.method_original"
        or "server.address" or "server.port" or "url.full" or "http.response.status_code" or "network.protocol.version" or "error.type";

    private readonly TracerProvider _provider;
    private readonly Tracer _tracer;
    private readonly HttpClientInstrumentationOptions _options;
    private readonly TextMapPropagator _propagator;
    private readonly GrpcClientInstrumentation? _grpc;
    private readonly PayloadProperty<HttpRequestMessage> _startRequest = new("Request");
    private readonly PayloadProperty<HttpResponseMessage> _stopResponse = new("Response");
    private readonly PayloadProperty<Exception> _exception = new("Exception");

    public HttpClientInstrumentation(TracerProvider provider, HttpClientInstrumentationOptions options, TextMapPropagator propagator, bool withGrpc)
    {
        _provider = provider;
        _tracer = provider.GetTracer("Tracing.Sdk.Instrumentation.Http", typeof(HttpClientInstrumentation).Assembly.GetName().Version?.ToString(3));
        _options = options;
        _propagator = propagator;
        HttpClientOwners.Add(provider);
        lock (s_propagatorLock)
        {
            if (s_liveInstances++ == 0)
            {
                s_previousPropagator = DistributedContextPropagator.Current;
                DistributedContextPropagator.Current = DistributedContextPropagator.CreateNoOutputPropagator();
            }
        }

        if (withGrpc)
        {
            _grpc = new GrpcClientInstrumentation(provider);
        }

        Start(only: null);
    }

    protected override void OnDisposed()
    {
        _grpc?.Dispose();
        HttpClientOwners.Remove(_provider);
        lock (s_propagatorLock)
        {
            if (--s_liveInstances == 0 && s_previousPropagator is { } previous)
            {
                DistributedContextPropagator.Current = previous;
                s_previousPropagator = null;
            }
        }
    }

    protected override IDisposable? SubscribeTo(DiagnosticListener listener)
    {
        if (listener.Name == ListenerName)
        {
            return listener.Subscribe(this, static (name, _, _) => name switch
            {
                // Suppressed work (the SDK's own exports) gets no HttpRequestOut Activity at all, so neither the
                // runtime nor anyone else can trace it or write its headers.
                ActivityName or StartEvent => !SuppressInstrumentationScope.IsActive,
                StopEvent or ExceptionEvent => true,
                _ => false,
            });
        }

        return _grpc is not null && listener.Name == GrpcClientInstrumentation.ListenerName
            ? listener.Subscribe(_grpc, GrpcClientInstrumentation.IsEnabled)
            : null;
    }

    protected override void OnEvent(string name, object? payload)
    {
        switch (name)
        {
            case StartEvent:
                OnStart(payload);
                break;
            case StopEvent:
                OnStop(payload);
                break;
            case ExceptionEvent:
                OnException(payload);
                break;
        }
    }

    private void OnStart(object? payload)
    {
        var activity = Activity.Current;
        if (activity is null || activity.OperationName != ActivityName || SuppressInstrumentationScope.IsActive
            || _startRequest.Fetch(payload) is not { } request)
        {
            return;
        }

        if (ActivitySpans.TryGetSpan(activity, out var existing))
        {
            // Another provider's instrumentation (or the ActivitySource bridge) took this request: headers only.
            Inject(existing.Context, request);
            return;
        }

        var parent = ActivitySpans.ParentOf(activity, out var owner);
        if (owner is not null && !ReferenceEquals(owner, _provider) && HttpClientOwners.Contains(owner))
        {
            return;
        }

        // A gRPC call already has its client span (the GrpcOut Activity's): the HTTP request is part of it.
        if (activity.Parent is { OperationName: GrpcClientInstrumentation.ActivityName } grpcActivity
            && ActivitySpans.TryGetSpan(grpcActivity, out var grpcSpan))
        {
            ActivitySpans.Attach(activity, grpcSpan, _provider);
            Inject(grpcSpan.Context, request);
            return;
        }

        if (_options.Filter is { } filter && !SafeCallback.Filter(filter, request))
        {
            // No span, but the caller's context still travels on: the Activity stands for the parent.
            if (parent.IsValid)
            {
                ActivitySpans.Attach(activity, Span.FromContext(parent), _provider);
            }

            Inject(parent, request);
            return;
        }

        string method = HttpConventions.MethodOf(request.Method.Method, out bool known);
        var uri = request.RequestUri;
        string url = uri is null ? string.Empty : HttpSemantics.FullUrlOf(uri, _options.RedactedQueryParameters);
        ReadOnlySpan<KeyValue> attributes = uri is { IsAbsoluteUri: true }
            ? [new("http.request.method", method), new("server.address", uri.Host), new("server.port", uri.Port), new("url.full", url)]
            : [new("http.request.method", method), new("url.full", url)];
        var span = ActivitySpans.StartSpan(_tracer, activity, known ? method : "HTTP", SpanKind.Client, parent, attributes);
        if (span.IsRecording)
        {
            if (!known)
            {
                span.SetAttribute("http.request.method_original", request.Method.Method);
            }

            if (_options.CapturedRequestHeaders.Count > 0)
            {
                foreach (var name in _options.CapturedRequestHeaders)
                {
                    if (request.Headers.TryGetValues(name, out var values) || (request.Content?.Headers.TryGetValues(name, out values) ?? false))
                    {
                        span.SetAttribute("http.request.header." + name.ToLowerInvariant(), values.ToArray());
                    }
                }
            }

            if (_options.EnrichWithRequest is { } enrich)
            {
                SafeCallback.Enrich(enrich, span, request);
            }
        }

        Inject(span.Context, request);
    }

    private void OnStop(object? payload)
    {
        var activity = Activity.Current;
        if (activity is null || activity.OperationName != ActivityName || !OwnSpanOf(activity, out var span))
        {
            return;
        }

        ActivitySpans.Detach(activity);
        // The runtime adds its own exception event to the Activity of a failed request; this instrumentation records
        // the failure itself (RecordException), so only one exception event reaches the span.
        ActivitySpans.CopyActivityData(activity, span, s_runtimeTag, takeExceptionEvents: false);
        if (span.IsRecording && _stopResponse.Fetch(payload) is { } response)
        {
            int status = (int)response.StatusCode;
            span.SetAttribute("http.response.status_code", status);
            span.SetAttribute("network.protocol.version", HttpConventions.ProtocolVersionOf(response.Version));
            if (status >= 400)
            {
                span.SetAttribute("error.type", StatusText(status));
                span.SetStatus(StatusCode.Error);
            }

            if (_options.CapturedResponseHeaders.Count > 0)
            {
                foreach (var name in _options.CapturedResponseHeaders)
                {
                    if (response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values))
                    {
                        span.SetAttribute("http.response.header." + name.ToLowerInvariant(), values.ToArray());
                    }
                }
            }

            if (_options.EnrichWithResponse is { } enrich)
            {
                SafeCallback.Enrich(enrich, span, response);
            }
        }

        span.End();
    }

    private void OnException(object? payload)
    {
        var activity = Activity.Current;
        if (activity is null || activity.OperationName != ActivityName || !OwnSpanOf(activity, out var span) || !span.IsRecording
            || _exception.Fetch(payload) is not { } exception)
        {
            return;
        }

        span.SetAttribute("error.type", exception.GetType().FullName ?? exception.GetType().Name);
        span.SetStatus(StatusCode.Error, exception.Message);
        if (_options.RecordException)
        {
            span.RecordException(exception);
        }

        if (_options.EnrichWithException is { } enrich)
        {
            SafeCallback.Enrich(enrich, span, exception);
        }
    }

    // The span this instance started for the Activity: it shares the Activity's span id (a tie to a parent's or a
    // gRPC call's span does not, and is not ended here).
    private bool OwnSpanOf(Activity activity, out Span span)
    {
        if (!ActivitySpans.TryGetSpan(activity, out span, out var owner) || !ReferenceEquals(owner, _provider))
        {
            return false;
        }

        // Compared as our id (parsing the Activity's hex): ToActivitySpanId would allocate a hex string per request.
        if (SpanId.FromActivitySpanId(activity.SpanId) == span.Context.SpanId)
        {
            return true;
        }

        ActivitySpans.Detach(activity);
        return false;
    }

    private void Inject(in SpanContext context, HttpRequestMessage request)
    {
        var baggage = Baggage.Current;
        if (!context.IsValid && baggage.Count == 0)
        {
            return;
        }

        _propagator.Inject(new PropagationContext(context, baggage.Count > 0 ? baggage : null), request, s_setHeader);
    }

    private static string StatusText(int status) => status switch
    {
        400 => "400", 401 => "401", 403 => "403", 404 => "404", 408 => "408", 409 => "409", 429 => "429",
        500 => "500", 502 => "502", 503 => "503", 504 => "504",
        _ => status.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

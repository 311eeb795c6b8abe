using System;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http;
using Tracing.Sdk.Activities;

namespace Tracing.Sdk.Instrumentation.Http;

/// <summary>
/// A client span per gRPC call made with Grpc.Net.Client, from its <c>Grpc.Net.Client</c> DiagnosticListener.
/// </summary>
/// <remarks>
/// The call's <c>GrpcOut</c> Activity becomes the span (rather than enriching the HTTP request's span): the status of
/// a gRPC call is only known from its trailers, after the HTTP response has returned, and the library reports it on
/// that Activity when the call ends. The HTTP request underneath belongs to the same span (see
/// <see cref="HttpClientInstrumentation"/>), so a call is one client span whose context goes out in the metadata.
/// </remarks>
internal sealed class GrpcClientInstrumentation : DiagnosticSubscriber
{
    internal const string ListenerName = "Grpc.Net.Client";
    internal const string ActivityName = "Grpc.Net.Client.GrpcOut";
    private const string StartEvent = "Grpc.Net.Client.GrpcOut.Start";
    private const string StopEvent = "Grpc.Net.Client.GrpcOut.Stop";

    // Grpc.Net.Client's own tags, translated into rpc.* attributes here.
    private static readonly Func<string, bool> s_libraryTag = static key => key is "grpc.method" or "grpc.status_code";

    private readonly TracerProvider _provider;
    private readonly Tracer _tracer;
    private readonly PayloadProperty<HttpRequestMessage> _request = new("Request");

    public GrpcClientInstrumentation(TracerProvider provider)
    {
        _provider = provider;
        _tracer = provider.GetTracer("Tracing.Sdk.Instrumentation.GrpcNetClient", typeof(GrpcClientInstrumentation).Assembly.GetName().Version?.ToString(3));
    }

    internal static bool IsEnabled(string name, object? arg1, object? arg2) => name switch
    {
        ActivityName or StartEvent => !SuppressInstrumentationScope.IsActive,
        StopEvent => true,
        _ => false,
    };

    // Subscribed by HttpClientInstrumentation to gRPC's listener; it never picks listeners itself.
    protected override IDisposable? SubscribeTo(DiagnosticListener listener) => null;

    protected override void OnEvent(string name, object? payload)
    {
        if (name == StartEvent)
        {
            OnStart(payload);
        }
        else if (name == StopEvent)
        {
            OnStop();
        }
    }

    private void OnStart(object? payload)
    {
        var activity = Activity.Current;
        if (activity is null || activity.OperationName != ActivityName || SuppressInstrumentationScope.IsActive || ActivitySpans.TryGetSpan(activity, out _))
        {
            return;
        }

        var parent = ActivitySpans.ParentOf(activity, out var owner);
        if (owner is not null && !ReferenceEquals(owner, _provider) && HttpClientOwners.Contains(owner))
        {
            return;
        }

        string fullMethod = activity.GetTagItem("grpc.method") as string ?? string.Empty;
        var path = fullMethod.AsSpan().TrimStart('/');
        int slash = path.LastIndexOf('/');
        string service = slash > 0 ? path[..slash].ToString() : path.ToString();
        string method = slash > 0 ? path[(slash + 1)..].ToString() : string.Empty;
        var uri = _request.Fetch(payload)?.RequestUri;
        ReadOnlySpan<KeyValue> attributes = uri is { IsAbsoluteUri: true }
            ? [new("rpc.system", "grpc"), new("rpc.service", service), new("rpc.method", method), new("server.address", uri.Host), new("server.port", uri.Port)]
            : [new("rpc.system", "grpc"), new("rpc.service", service), new("rpc.method", method)];
        ActivitySpans.StartSpan(_tracer, activity, path.Length > 0 ? path.ToString() : "grpc", SpanKind.Client, parent, attributes);
    }

    private void OnStop()
    {
        var activity = Activity.Current;
        if (activity is null || activity.OperationName != ActivityName || !ActivitySpans.TryGetSpan(activity, out var span, out var owner)
            || !ReferenceEquals(owner, _provider) || SpanId.FromActivitySpanId(activity.SpanId) != span.Context.SpanId)
        {
            return;
        }

        ActivitySpans.Detach(activity);
        ActivitySpans.CopyActivityData(activity, span, s_libraryTag);
        if (activity.GetTagItem("grpc.status_code") is string text && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int code))
        {
            span.SetAttribute("rpc.grpc.status_code", code);

            // For a client every status but OK is an error.
            if (code != 0)
            {
                span.SetStatus(StatusCode.Error);
            }
        }

        span.End();
    }
}

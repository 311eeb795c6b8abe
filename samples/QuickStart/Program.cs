// The quick start: a small trace of nested spans, printed as a waterfall when the root span ends.
using System;
using System.Threading.Tasks;
using Tracing.Sdk;

using var provider = new TracerProviderBuilder()
    .SetServiceName("quickstart")
    .AddConsoleExporter()
    .Build();

var tracer = provider.GetTracer("QuickStart", "1.0.0");

SpanContext requestContext;
using (var request = tracer.StartActiveSpan("GET /checkout", SpanKind.Server))
{
    request.Span.SetAttribute("http.request.method", "GET");
    request.Span.SetAttribute("http.route", "/checkout");
    requestContext = request.Span.Context;

    using (var load = tracer.StartActiveSpan("load cart"))
    {
        await Task.Delay(15);
        using var query = tracer.StartSpan("SELECT cart_items", SpanKind.Client);
        query.SetAttribute("db.system", "postgresql");
        await Task.Delay(10);
    }

    // Two calls in parallel: each task sees "GET /checkout" as its current span.
    await Task.WhenAll(Call("orders", 20, fail: false), Call("inventory", 12, fail: true));

    // A job queued by this request: it follows from the request (OpenTracing FollowsFrom) without the request waiting on it.
    using var job = tracer.StartSpan("send receipt", SpanKind.Producer, links: [Link.FollowsFrom(requestContext)]);
    await Task.Delay(5);
    request.Span.SetAttribute("http.response.status_code", 200);
}

async Task Call(string service, int millis, bool fail)
{
    using var scope = tracer.StartActiveSpan($"GET {service}", SpanKind.Client);
    scope.Span.SetAttribute("server.address", service);
    await Task.Delay(millis);
    if (fail)
    {
        scope.Span.RecordException(new TimeoutException($"{service} did not answer in time"));
        scope.Span.SetStatus(StatusCode.Error, "timeout");
        scope.Span.SetAttribute("error.type", "timeout");
    }
}

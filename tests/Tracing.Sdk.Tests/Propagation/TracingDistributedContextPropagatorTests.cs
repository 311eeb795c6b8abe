using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Tracing.Sdk.Propagation;
using Tracing.Sdk.TestSupport;
using Xunit;

namespace Tracing.Sdk.Tests.Propagation;

public class TracingDistributedContextPropagatorTests
{
    private const string TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    // How ASP.NET Core hosting reads request headers: one string per name, repeated values already joined.
    private static readonly DistributedContextPropagator.PropagatorGetterCallback s_hostingGetter =
        static (object? carrier, string name, out string? value, out IEnumerable<string>? values) =>
        {
            values = null;
            value = ((Dictionary<string, string>)carrier!).TryGetValue(name, out var v) ? v : null;
        };

    // How HttpClient's diagnostics handler writes: only when the header is not already there.
    private static readonly DistributedContextPropagator.PropagatorSetterCallback s_handlerSetter =
        static (carrier, name, value) =>
        {
            var request = (HttpRequestMessage)carrier!;
            if (!request.Headers.Contains(name))
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        };

    [Fact]
    public void ExtractTraceIdAndState_ReturnsAW3CParentTheRuntimeCanParse()
    {
        var propagator = new TracingDistributedContextPropagator(Propagators.Default);
        var headers = Carrier.Of(("traceparent", TraceParent), ("tracestate", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"));

        propagator.ExtractTraceIdAndState(headers, s_hostingGetter, out var traceId, out var traceState);

        Assert.Equal(TraceParent, traceId);
        Assert.Equal("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE", traceState);
        Assert.True(ActivityContext.TryParse(traceId, traceState, isRemote: true, out var parsed));
        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", parsed.TraceId.ToHexString());
    }

    [Fact]
    public void ExtractTraceIdAndState_ConvertsB3ToW3C_KeepingDebugInTheTraceState()
    {
        var propagator = new TracingDistributedContextPropagator(Propagators.FromEnvironment(_ => "b3"));
        var headers = Carrier.Of(("b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-d"));

        propagator.ExtractTraceIdAndState(headers, s_hostingGetter, out var traceId, out var traceState);

        Assert.Equal("00-80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-01", traceId);
        Assert.NotNull(traceState);

        // The runtime puts the trace state on the server Activity; a child Activity inherits it; the bridge injects B3 debug.
        using var server = new Activity("server");
        server.SetParentId(traceId!);
        server.TraceStateString = traceState;
        server.Start();
        using var client = new Activity("client").Start();
        var request = new HttpRequestMessage();
        propagator.Inject(client, request, s_handlerSetter);

        Assert.Equal($"80f198ee56343ba864fe8b2a57d3eff7-{client.SpanId.ToHexString()}-d", request.Headers.GetValues("b3").Single());
    }

    [Fact]
    public void ExtractTraceIdAndState_ReturnsNulls_WhenNothingValidArrives()
    {
        var propagator = new TracingDistributedContextPropagator(Propagators.Default);

        propagator.ExtractTraceIdAndState(Carrier.Of(("traceparent", "00-zz")), s_hostingGetter, out var traceId, out var traceState);

        Assert.Null(traceId);
        Assert.Null(traceState);
    }

    [Fact]
    public void ExtractTraceIdAndState_JoinsMultipleValues()
    {
        var propagator = new TracingDistributedContextPropagator(Propagators.Default);
        DistributedContextPropagator.PropagatorGetterCallback getter =
            static (object? carrier, string name, out string? value, out IEnumerable<string>? values) =>
            {
                value = null;
                values = name == "traceparent" ? [TraceParent, TraceParent] : null;
            };

        propagator.ExtractTraceIdAndState(null, getter, out var traceId, out _);

        Assert.Null(traceId); // a repeated traceparent is invalid
    }

    [Fact]
    public void ExtractBaggage_ReturnsTheDecodedMembers()
    {
        var propagator = new TracingDistributedContextPropagator(Propagators.Default);

        var baggage = propagator.ExtractBaggage(Carrier.Of(("baggage", "a=1,b=x%20y;p")), s_hostingGetter)!.ToList();

        Assert.Equal([new("a", "1"), new("b", "x y")], baggage);
        Assert.Null(propagator.ExtractBaggage(Carrier.Of(), s_hostingGetter));
    }

    [Fact]
    public void Inject_WritesTheActivityContextOncePerFormat()
    {
        var propagator = new TracingDistributedContextPropagator(Propagators.FromEnvironment(_ => "tracecontext,baggage,b3multi,jaeger"));
        using var activity = new Activity("client").SetIdFormat(ActivityIdFormat.W3C).Start();
        activity.AddBaggage("user", "alice");
        activity.ActivityTraceFlags = ActivityTraceFlags.Recorded;
        var request = new HttpRequestMessage();

        propagator.Inject(activity, request, s_handlerSetter);
        propagator.Inject(activity, request, s_handlerSetter); // the handler may run twice (redirects); still one set

        Assert.Equal($"00-{activity.TraceId.ToHexString()}-{activity.SpanId.ToHexString()}-01", request.Headers.GetValues("traceparent").Single());
        Assert.Equal("user=alice", request.Headers.GetValues("baggage").Single());
        Assert.Equal(activity.SpanId.ToHexString(), request.Headers.GetValues("X-B3-SpanId").Single());
        Assert.Equal($"{activity.TraceId.ToHexString()}:{activity.SpanId.ToHexString()}:0:1", request.Headers.GetValues("uber-trace-id").Single());
        Assert.Equal(propagator.Fields, Propagators.FromEnvironment(_ => "tracecontext,baggage,b3multi,jaeger").Fields);
    }

    [Fact]
    public void Inject_WithoutAnActivity_WritesTheCurrentSpan()
    {
        using var provider = new TracerProviderBuilder().SetSettingsSource(static _ => null).Build();
        var propagator = new TracingDistributedContextPropagator(Propagators.Default);
        var carrier = Carrier.Of();

        using (var scope = provider.GetTracer("t").StartActiveSpan("op"))
        {
            propagator.Inject(null, carrier, static (c, name, value) => ((Dictionary<string, string>)c!)[name] = value);
            Assert.Equal(TraceContextPropagator.FormatTraceParent(Tracer.CurrentSpan.Context), carrier["traceparent"]);
        }
    }

    [Fact]
    public async Task HttpClient_SendsExactlyOneSetOfHeaders_InTheConfiguredFormats()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var received = ReceiveOneRequestAsync(listener);

        var propagator = new TracingDistributedContextPropagator(Propagators.FromEnvironment(_ => "b3,tracecontext"));
        using var handler = new SocketsHttpHandler { ActivityHeadersPropagator = propagator };
        using var client = new HttpClient(handler) { Timeout = TestTimeouts.InProcess };
        using var activity = new Activity("parent").SetIdFormat(ActivityIdFormat.W3C).Start();
        activity.ActivityTraceFlags = ActivityTraceFlags.Recorded;

        using var response = await client.GetAsync(new Uri($"http://127.0.0.1:{port}/"));
        var headers = await received.WaitAsync(TestTimeouts.InProcess);

        string traceId = activity.TraceId.ToHexString();
        Assert.Single(headers, h => h.StartsWith("traceparent:", StringComparison.OrdinalIgnoreCase));
        var b3 = Assert.Single(headers, h => h.StartsWith("b3:", StringComparison.OrdinalIgnoreCase));
        Assert.StartsWith($"b3: {traceId}-", b3, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(headers, h => h.StartsWith("Request-Id", StringComparison.OrdinalIgnoreCase));
    }

    private static async Task<List<string>> ReceiveOneRequestAsync(TcpListener listener)
    {
        using var socket = await listener.AcceptSocketAsync();
        var buffer = new byte[16384];
        int length = 0;
        while (!Encoding.ASCII.GetString(buffer, 0, length).Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None);
            if (n == 0)
            {
                break;
            }

            length += n;
        }

        await socket.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray(), SocketFlags.None);
        socket.Shutdown(SocketShutdown.Both);
        return [.. Encoding.ASCII.GetString(buffer, 0, length).Split("\r\n").Skip(1).Where(l => l.Length > 0)];
    }
}

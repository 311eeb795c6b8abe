using System;
using System.Collections.Generic;
using System.Diagnostics;
using Tracing.Sdk.Propagation;
using Xunit;

namespace Tracing.Sdk.Tests.Propagation;

/// <summary>Allocation budgets of the hot paths, measured with the thread's allocation counter after warm-up.</summary>
public class PropagationAllocationTests
{
    private const string TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    private const int Rounds = 100;

    private static long AllocatedBy(Action action)
    {
        for (int i = 0; i < 10; i++)
        {
            action(); // warm-up: JIT, static constructors, lazily created delegates
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Rounds; i++)
        {
            action();
        }

        return (GC.GetAllocatedBytesForCurrentThread() - before) / Rounds;
    }

    private static long SizeOfString(int length) => AllocatedBy(() => GC.KeepAlive(new string('x', length)));

    [Fact]
    public void ExtractingAValidTraceParent_WithoutTraceState_AllocatesNothing()
    {
        var carrier = Carrier.Of(("traceparent", TraceParent));
        PropagationContext result = default;

        long bytes = AllocatedBy(() => result = TraceContextPropagator.Instance.Extract(default, carrier, Carrier.Get));

        Assert.True(result.SpanContext.IsValid);
        Assert.Equal(0, bytes);
    }

    [Fact]
    public void ExtractingWithTheDefaultComposite_WithoutBaggage_AllocatesNothing()
    {
        var carrier = Carrier.Of(("traceparent", TraceParent));
        PropagationContext result = default;

        long bytes = AllocatedBy(() => result = Propagators.Default.Extract(default, carrier, Carrier.Get));

        Assert.True(result.SpanContext.IsValid);
        Assert.Equal(0, bytes);
    }

    [Theory]
    [InlineData("b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90")]
    [InlineData("uber-trace-id", "4bf92f3577b34da6a3ce929d0e0e4736%3A00f067aa0ba902b7%3A0%3A1")]
    [InlineData("garbage", "x")]
    [InlineData("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-and-a-very-long-tail")]
    public void ExtractingB3AndJaeger_AndRejectingInvalidInput_AllocatesNothing(string header, string value)
    {
        var carrier = Carrier.Of((header, value));
        var propagator = Propagators.FromEnvironment(_ => "tracecontext,b3,jaeger");

        long bytes = AllocatedBy(() => propagator.Extract(default, carrier, Carrier.Get));

        Assert.Equal(0, bytes);
    }

    [Fact]
    public void InjectingIntoAReusedCarrier_AllocatesOnlyTheTraceParentString()
    {
        var ctx = new PropagationContext(new SpanContext(new TraceId(0x4bf92f3577b34da6, 0xa3ce929d0e0e4736), new SpanId(0x00f067aa0ba902b7), TraceFlags.Sampled));
        var carrier = Carrier.Of(("traceparent", string.Empty));

        long bytes = AllocatedBy(() => TraceContextPropagator.Instance.Inject(ctx, carrier, Carrier.Set));

        Assert.Equal(TraceParent, carrier["traceparent"]);
        Assert.True(bytes <= SizeOfString(55), $"{bytes} bytes");
    }

    [Fact]
    public void InjectingB3AndJaeger_AllocatesOnlyTheHeaderStrings()
    {
        var ctx = new PropagationContext(new SpanContext(new TraceId(0x4bf92f3577b34da6, 0xa3ce929d0e0e4736), new SpanId(0x00f067aa0ba902b7), TraceFlags.Sampled));
        var carrier = Carrier.Of();

        long b3 = AllocatedBy(() => B3Propagator.Single.Inject(ctx, carrier, Carrier.Set));
        long jaeger = AllocatedBy(() => JaegerPropagator.Instance.Inject(ctx, carrier, Carrier.Set));

        Assert.True(b3 <= SizeOfString(51), $"{b3} bytes");
        Assert.True(jaeger <= SizeOfString(53), $"{jaeger} bytes");
    }

    [Fact]
    public void ForwardingAReceivedTraceState_AllocatesNoNewHeaderString()
    {
        var incoming = Carrier.Of(("traceparent", TraceParent), ("tracestate", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"));
        var ctx = TraceContextPropagator.Instance.Extract(default, incoming, Carrier.Get);
        var carrier = Carrier.Of();

        long bytes = AllocatedBy(() => TraceContextPropagator.Instance.Inject(ctx, carrier, Carrier.Set));

        Assert.True(bytes <= SizeOfString(55), $"{bytes} bytes");
    }

    [Fact]
    public void ExtractingACanonicalTraceState_AllocatesOnlyTheTraceStateObject()
    {
        var carrier = Carrier.Of(("traceparent", TraceParent), ("tracestate", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE,a=1,b=2"));

        long bytes = AllocatedBy(() => TraceContextPropagator.Instance.Extract(default, carrier, Carrier.Get));

        Assert.True(bytes <= 48, $"{bytes} bytes");
    }

    [Fact]
    public void InjectingTheSameBaggageAgain_AllocatesNothing()
    {
        var ctx = new PropagationContext(default, Baggage.Empty.SetItem("user", "Alice Smith").SetItem("tenant", "ü-42"));
        var carrier = Carrier.Of();

        long bytes = AllocatedBy(() => BaggagePropagator.Instance.Inject(ctx, carrier, Carrier.Set));

        Assert.Equal("user=Alice%20Smith,tenant=%C3%BC-42", carrier["baggage"]);
        Assert.Equal(0, bytes);
    }

    [Fact]
    public void TheRuntimeBridge_ExtractsAllocatingOnlyTheTraceParentString()
    {
        var bridge = new TracingDistributedContextPropagator(Propagators.Default);
        var headers = Carrier.Of(("traceparent", TraceParent));
        DistributedContextPropagator.PropagatorGetterCallback getter =
            static (object? carrier, string name, out string? value, out IEnumerable<string>? values) =>
            {
                values = null;
                value = ((Dictionary<string, string>)carrier!).TryGetValue(name, out var v) ? v : null;
            };

        long bytes = AllocatedBy(() => bridge.ExtractTraceIdAndState(headers, getter, out _, out _));

        Assert.True(bytes <= SizeOfString(55), $"{bytes} bytes");
    }
}

using System.Collections.Generic;
using System.Diagnostics.Tracing;
using System.Linq;
using Tracing.Sdk.Exporting;
using Tracing.Sdk.Propagation;
using Tracing.Sdk.TestSupport;
using Xunit;

namespace Tracing.Sdk.Tests.Propagation;

public class PropagatorsTests
{
    private static TextMapPropagator FromSetting(string? value) =>
        Propagators.FromEnvironment(name => name == "OTEL_PROPAGATORS" ? value : null);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void FromEnvironment_DefaultsToTraceContextAndBaggage(string? value)
    {
        Assert.Same(Propagators.Default, FromSetting(value));
        Assert.Equal(["traceparent", "tracestate", "baggage"], Propagators.Default.Fields);
    }

    [Fact]
    public void FromEnvironment_SkipsUnknownNamesAndDuplicates()
    {
        var p = Assert.IsType<CompositePropagator>(FromSetting(" baggage , nonsense,tracecontext,baggage"));

        Assert.Equal([BaggagePropagator.Instance, TraceContextPropagator.Instance], p.Propagators);
    }

    [Theory]
    [InlineData("b3", "b3")]
    [InlineData("B3MULTI", "X-B3-TraceId")]
    [InlineData("jaeger", "uber-trace-id")]
    [InlineData("tracecontext", "traceparent")]
    [InlineData("baggage", "baggage")]
    public void FromEnvironment_MapsEachKnownName(string setting, string firstField)
    {
        Assert.Equal(firstField, FromSetting(setting).Fields.First());
    }

    [Fact]
    public void FromEnvironment_WarnsOnTheSelfLog_ForAnUnknownName()
    {
        using var listener = new EventLog("Tracing-Sdk", EventLevel.Warning);

        FromSetting("tracecontext,xray-unknown-name");

        Assert.Contains(listener.Events, e => e.EventId == 30 && (string?)e.Payload![0] == "xray-unknown-name");
    }

    [Fact]
    public void FromEnvironment_None_MeansNoPropagation()
    {
        var p = FromSetting("tracecontext,none");
        var carrier = Carrier.Of();

        p.Inject(new PropagationContext(new SpanContext(new TraceId(1, 1), new SpanId(1), TraceFlags.Sampled)), carrier, Carrier.Set);

        Assert.Empty(carrier);
        Assert.Empty(p.Fields);
    }

    [Fact]
    public void Composite_InjectsEveryFormat_AndExtractsThemAll()
    {
        var ctx = new PropagationContext(
            new SpanContext(new TraceId(0x1234, 0x5678), new SpanId(0x9abc), TraceFlags.Sampled, isRemote: true),
            Baggage.Empty.SetItem("k", "v"));
        var carrier = Carrier.Of();

        Propagators.Default.Inject(ctx, carrier, Carrier.Set);
        var back = Propagators.Default.Extract(default, carrier, Carrier.Get);

        Assert.Equal(2, carrier.Count);
        Assert.Equal(ctx.SpanContext, back.SpanContext);
        Assert.Equal("v", back.Baggage!.GetValue("k"));
    }

    [Fact]
    public void Inject_WritesTheCurrentSpanAndBaggage()
    {
        var spans = new List<SpanData>();
        using var provider = new TracerProviderBuilder().SetSettingsSource(static _ => null).AddInMemoryExporter(spans).Build();
        var tracer = provider.GetTracer("test");
        var carrier = Carrier.Of();
        var previous = Baggage.Current;
        Baggage.Current = Baggage.Empty.SetItem("user", "alice");
        try
        {
            using var scope = tracer.StartActiveSpan("op");
            Propagators.Inject(carrier, Carrier.Set);

            var back = Propagators.Default.Extract(default, carrier, Carrier.Get);
            Assert.Equal(Tracer.CurrentSpan.Context.SpanId, back.SpanContext.SpanId);
            Assert.Equal("alice", back.Baggage!.GetValue("user"));
        }
        finally
        {
            Baggage.Current = previous;
        }
    }
}

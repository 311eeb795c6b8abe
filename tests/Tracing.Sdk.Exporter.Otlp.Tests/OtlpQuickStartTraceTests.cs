using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Google.Protobuf;
using Tracing.Sdk.Exporting;
using ProtoSpan = Tracing.Sdk.Exporter.Otlp.Proto.Trace.Span;

namespace Tracing.Sdk.Exporter.Otlp.Tests;

/// <summary>
/// The quick start's trace (samples/QuickStart: a server span, nested children, a failing client call with an
/// exception, a job that follows from the request), made through the public API exactly as an application does and
/// sent by <c>AddOtlpExporter</c> behind the batch processor, arrives field for field over both transports.
/// </summary>
public class OtlpQuickStartTraceTests
{
    [Theory]
    [InlineData(OtlpExportProtocol.Grpc)]
    [InlineData(OtlpExportProtocol.HttpProtobuf)]
    public async Task QuickStartTrace_ArrivesFieldForField(OtlpExportProtocol protocol)
    {
        await using var receiver = await OtlpReceiver.StartAsync(grpc: protocol == OtlpExportProtocol.Grpc);
        var kept = new List<SpanData>();
        using (var provider = new TracerProviderBuilder()
            .SetSettingsSource(_ => null)
            .SetServiceName("quickstart")
            .AddInMemoryExporter(kept)
            .AddOtlpExporter(o =>
            {
                o.Endpoint = receiver.Endpoint;
                o.Protocol = protocol;
                o.Timeout = TimeSpan.FromMilliseconds(20_000);
            })
            .Build())
        {
            var tracer = provider.GetTracer("QuickStart", "1.0.0");
            using (var request = tracer.StartActiveSpan("GET /checkout", SpanKind.Server))
            {
                request.Span.SetAttribute("http.request.method", "GET");
                request.Span.SetAttribute("http.route", "/checkout");
                using (tracer.StartActiveSpan("load cart"))
                {
                    using var query = tracer.StartSpan("SELECT cart_items", SpanKind.Client);
                    query.SetAttribute("db.system", "postgresql");
                }

                using (var call = tracer.StartActiveSpan("GET inventory", SpanKind.Client))
                {
                    call.Span.SetAttribute("server.address", "inventory");
                    call.Span.RecordException(new TimeoutException("inventory did not answer in time"));
                    call.Span.SetStatus(StatusCode.Error, "timeout");
                }

                using var job = tracer.StartSpan("send receipt", SpanKind.Producer, links: [Link.FollowsFrom(request.Span.Context)]);
                request.Span.SetAttribute("http.response.status_code", 200);
            }

            Assert.True(provider.ForceFlush(TimeSpan.FromSeconds(30)));
        }

        var arrived = receiver.Spans.ToDictionary(s => s.Name);
        Assert.Equal(kept.Count, arrived.Count);
        Assert.Equal(5, arrived.Count);
        var resource = receiver.Requests.First().ResourceSpans[0];
        Assert.Contains(resource.Resource.Attributes, a => a.Key == "service.name" && a.Value.StringValue == "quickstart");
        Assert.Equal("QuickStart", resource.ScopeSpans[0].Scope.Name);
        Assert.Equal("1.0.0", resource.ScopeSpans[0].Scope.Version);

        foreach (var sent in kept)
        {
            ProtoSpan got = arrived[sent.Name];
            Assert.Equal(Hex(sent.TraceId.ToString()), got.TraceId);
            Assert.Equal(Hex(sent.SpanId.ToString()), got.SpanId);
            Assert.Equal(sent.ParentSpanId.IsValid ? Hex(sent.ParentSpanId.ToString()) : ByteString.Empty, got.ParentSpanId);
            Assert.Equal((int)sent.Kind + 1, (int)got.Kind); // OTLP kinds start at UNSPECIFIED = 0
            Assert.Equal((ulong)sent.StartTimeUnixNano, got.StartTimeUnixNano);
            Assert.Equal((ulong)sent.EndTimeUnixNano, got.EndTimeUnixNano);
            Assert.Equal(sent.Attributes.Length, got.Attributes.Count);
            foreach (var kv in sent.Attributes)
            {
                var value = got.Attributes.Single(a => a.Key == kv.Key).Value;
                Assert.Equal(kv.Value.ToString(), value.ValueCase == Proto.Common.AnyValue.ValueOneofCase.IntValue ? value.IntValue.ToString(System.Globalization.CultureInfo.InvariantCulture) : value.StringValue);
            }

            Assert.Equal(sent.Events.Length, got.Events.Count);
            Assert.Equal(sent.Links.Length, got.Links.Count);
            Assert.Equal((int)sent.Status.Code, (int)(got.Status?.Code ?? 0));
        }

        var failed = arrived["GET inventory"];
        Assert.Equal("timeout", failed.Status.Message);
        Assert.Equal("exception", failed.Events[0].Name);
        Assert.Contains(failed.Events[0].Attributes, a => a.Key == "exception.type" && a.Value.StringValue == "System.TimeoutException");
        var link = arrived["send receipt"].Links.Single();
        Assert.Equal(arrived["GET /checkout"].SpanId, link.SpanId);
        Assert.Contains(link.Attributes, a => a.Key == "opentracing.ref_type" && a.Value.StringValue == "follows_from");
        Assert.Equal(arrived["load cart"].SpanId, arrived["SELECT cart_items"].ParentSpanId);
    }

    private static ByteString Hex(string hex) => ByteString.CopyFrom(Convert.FromHexString(hex));
}

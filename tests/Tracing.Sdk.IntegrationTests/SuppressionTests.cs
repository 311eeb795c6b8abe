using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using Grpc.Net.Client;
using Tracing.Sdk.Exporting;
using Tracing.Sdk.IntegrationTests.Greet;
using Xunit;

namespace Tracing.Sdk.IntegrationTests;

/// <summary><see cref="SuppressInstrumentationScope"/>: no span, no Activity, no trace header for the work inside it, across <c>await</c>.</summary>
public class SuppressionTests
{
    private static readonly ActivitySource s_source = new("Tracing.Sdk.IntegrationTests.Suppression");

    private static SpanData[] Snapshot(List<SpanData> spans)
    {
        lock (spans)
        {
            return [.. spans];
        }
    }

    [Fact]
    public async Task InsideTheScope_HttpClientGrpcAndBridgedActivities_AreNotTraced_AcrossAwait()
    {
        await using var b = await TestService.StartAsync("service-b", null, Services.MapEcho);
        await using var greeter = await TestService.StartAsync("greeter", null, Services.MapGreeter, configureServices: Services.AddGrpc, http2Only: true);
        var spans = new List<SpanData>();
        string suppressedEcho;
        string tracedEcho;
        using (var provider = new TracerProviderBuilder().SetSettingsSource(_ => null).SetServiceName("client")
            .AddHttpClientInstrumentation().AddGrpcClientInstrumentation().AddSource(s_source.Name).AddInMemoryExporter(spans).Build())
        using (var http = new HttpClient())
        using (var channel = GrpcChannel.ForAddress(greeter.Address))
        {
            using (SuppressInstrumentationScope.Begin())
            {
                await Task.Yield();
                suppressedEcho = await http.GetStringAsync(new Uri(b.Address, "/echo"));
                await new Greeter.GreeterClient(channel).SayHelloAsync(new HelloRequest { Name = "quiet" });
                var activity = await Task.Run(async () =>
                {
                    await Task.Delay(1);
                    return s_source.StartActivity("suppressed work");
                });
                Assert.Null(activity);
                Assert.True(SuppressInstrumentationScope.IsActive);
            }

            Assert.False(SuppressInstrumentationScope.IsActive);
            Assert.Empty(Snapshot(spans));

            // Outside the scope the same calls are traced again.
            tracedEcho = await http.GetStringAsync(new Uri(b.Address, "/echo"));
            await new Greeter.GreeterClient(channel).SayHelloAsync(new HelloRequest { Name = "loud" });
            s_source.StartActivity("traced work")?.Stop();
            Waiting.Until(() => Snapshot(spans).Length >= 3, "the spans outside the scope");
        }

        Assert.Empty(Services.HeaderValues(suppressedEcho, "traceparent"));
        Assert.Single(Services.HeaderValues(tracedEcho, "traceparent"));
        Assert.Equal(["GET", "greet.Greeter/SayHello", "traced work"], Snapshot(spans).Select(s => s.Name).Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public async Task Scopes_Nest_AndEndingOneRestoresWhatWasInEffect()
    {
        Assert.False(SuppressInstrumentationScope.IsActive);
        using (SuppressInstrumentationScope.Begin())
        {
            using (SuppressInstrumentationScope.Begin())
            {
                await Task.Yield();
                Assert.True(SuppressInstrumentationScope.IsActive);
            }

            Assert.True(SuppressInstrumentationScope.IsActive);
        }

        Assert.False(SuppressInstrumentationScope.IsActive);

        // A task started inside a scope keeps it after the scope ended here; the flow that ended it does not.
        Task<bool> observed;
        var release = new TaskCompletionSource();
        using (SuppressInstrumentationScope.Begin())
        {
            observed = Task.Run(async () =>
            {
                await release.Task;
                return SuppressInstrumentationScope.IsActive;
            });
        }

        release.SetResult();
        Assert.True(await observed);
        Assert.False(SuppressInstrumentationScope.IsActive);
    }
}

using System;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Threading.Tasks;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Tracing.Sdk.IntegrationTests.Greet;

namespace Tracing.Sdk.IntegrationTests;

/// <summary>The endpoints of the test services.</summary>
internal static class Services
{
    /// <summary>Service B: echoes the headers it received, one <c>name: value</c> line per value, and its baggage.</summary>
    public static void MapEcho(WebApplication app)
    {
        app.MapGet("/echo", (HttpContext context) => Results.Text(Echo(context)));
        app.MapGet("/status/{code:int}", (int code) => Results.StatusCode(code));
        app.MapGet("/throw", (HttpContext _) => ThrowingHandler());
    }

    public static string Echo(HttpContext context)
    {
        var sb = new StringBuilder();
        foreach (var header in context.Request.Headers)
        {
            foreach (var value in header.Value)
            {
                sb.Append(header.Key.ToLowerInvariant()).Append(": ").Append(value).Append('\n');
            }
        }

        sb.Append("x-seen-baggage: ").Append(Baggage.Current.GetValue("tenant")).Append('\n');
        sb.Append("x-seen-span: ").Append(Tracer.CurrentSpan.Context.SpanId).Append('\n');
        sb.Append("x-seen-activity-trace: ").Append(System.Diagnostics.Activity.Current?.TraceId.ToString()).Append('\n');
        return sb.ToString();
    }

    private static string ThrowingHandler() => throw new InvalidOperationException("handler failed");

    /// <summary>Service A: calls B (and the gRPC service C) from its handlers.</summary>
    public static void MapChain(WebApplication app, Func<Uri> b, Func<Uri>? c = null)
    {
        app.MapGet("/chain", async (HttpContext context, IHttpClientFactory factory) =>
        {
            var body = await factory.CreateClient().GetStringAsync(new Uri(b(), "/echo"));
            return Results.Text("a-baggage: " + Baggage.Current.GetValue("tenant") + "\n" + body);
        });
        app.MapGet("/health/chain", async (HttpContext context, IHttpClientFactory factory) =>
            Results.Text(await factory.CreateClient().GetStringAsync(new Uri(b(), "/echo"))));
        app.MapGet("/grpc", async (HttpContext context) =>
        {
            using var channel = GrpcChannel.ForAddress(c!());
            var reply = await new Greeter.GreeterClient(channel).SayHelloAsync(new HelloRequest { Name = "a" });
            return Results.Text(reply.Message + "|" + reply.Baggage);
        });
    }

    public static void MapGreeter(WebApplication app) => app.MapGrpcService<GreeterService>();

    public static void AddGrpc(IServiceCollection services) => services.AddGrpc();

    public static string[] HeaderValues(string echo, string name)
        => echo.Split('\n').Where(l => l.StartsWith(name + ": ", StringComparison.Ordinal)).Select(l => l[(name.Length + 2)..]).ToArray();
}

/// <summary>Service C: a gRPC service that reports the baggage it saw.</summary>
public sealed class GreeterService : Greeter.GreeterBase
{
    public override Task<HelloReply> SayHello(HelloRequest request, ServerCallContext context)
        => Task.FromResult(new HelloReply { Message = "hello " + request.Name, Baggage = Baggage.Current.GetValue("tenant") ?? string.Empty });
}

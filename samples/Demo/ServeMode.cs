using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Tracing.Sdk;
using Tracing.Sdk.Exporting;
using Tracing.Sdk.Propagation;

namespace Demo;

/// <summary>
/// One instrumented service for outside checks (propagation test suites, other SDKs), configured only by the standard
/// <c>OTEL_*</c> variables. On SIGTERM the host stops, which flushes and shuts the tracer provider down.
/// </summary>
internal static class ServeMode
{
    public static async Task<int> RunAsync(string[] args)
    {
        string? urls = null;
        for (int i = 0; i < args.Length - 1; i++)
        {
            if (args[i] == "--urls")
            {
                urls = args[i + 1];
            }
        }

        urls ??= "http://127.0.0.1:" + (Environment.GetEnvironmentVariable("PORT") is { Length: > 0 } port ? port : "8080");

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(urls);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        builder.Services.AddTracing(t =>
        {
            t.Instrument("Demo.*");
            if (string.Equals(Environment.GetEnvironmentVariable("OTEL_TRACES_EXPORTER"), "console", StringComparison.OrdinalIgnoreCase))
            {
                t.AddConsoleExporter();
            }
        });
        builder.Services.AddHttpClient();

        var app = builder.Build();

        // The incoming parent, read with the same propagators the instrumentation uses (OTEL_PROPAGATORS).
        var propagator = Propagators.FromEnvironment(Environment.GetEnvironmentVariable);

        Dictionary<string, object?> Describe(HttpRequest request)
        {
            var incoming = propagator.Extract(default, request.Headers, static (h, name) =>
                h.TryGetValue(name, out var v) ? string.Join(",", v.Where(s => s is not null)!) : null);
            var context = Tracer.CurrentSpan.Context;
            return new Dictionary<string, object?>
            {
                ["traceId"] = context.TraceId.ToString(),
                ["spanId"] = context.SpanId.ToString(),
                ["parentSpanId"] = incoming.SpanContext.IsValid ? incoming.SpanContext.SpanId.ToString() : string.Empty,
                ["sampled"] = context.IsSampled,
                ["traceState"] = context.TraceState?.ToString() ?? string.Empty,
                ["baggage"] = Baggage.Current.Members.ToArray().ToDictionary(m => m.Name, m => m.Value),
            };
        }

        app.MapGet("/context", (HttpRequest request) => Results.Json(Describe(request)));

        app.MapGet("/hop", async (HttpRequest request, string to, IHttpClientFactory clients) =>
        {
            var self = Describe(request);
            using var response = await clients.CreateClient().GetAsync(new Uri(to));
            string text = await response.Content.ReadAsStringAsync();
            object? body;
            try
            {
                body = JsonSerializer.Deserialize<JsonElement>(text);
            }
            catch (JsonException)
            {
                body = text;
            }

            return Results.Json(new Dictionary<string, object?>
            {
                ["app"] = self,
                ["downstream"] = new Dictionary<string, object?> { ["status"] = (int)response.StatusCode, ["body"] = body },
            });
        });

        app.MapPost("/test", async (HttpRequest request, IHttpClientFactory clients) =>
        {
            string body = await new StreamReader(request.Body, Encoding.UTF8).ReadToEndAsync();
            if (string.IsNullOrWhiteSpace(body))
            {
                return Results.Ok();
            }

            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
            {
                return Results.BadRequest("expected a JSON array of {\"url\", \"arguments\"}");
            }

            var client = clients.CreateClient();
            foreach (var item in doc.RootElement.EnumerateArray())
            {
                string? url = item.TryGetProperty("url", out var u) ? u.GetString() : null;
                if (url is null)
                {
                    continue;
                }

                string arguments = item.TryGetProperty("arguments", out var a) ? a.GetRawText() : "[]";
                using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(arguments));
                content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                using var response = await client.PostAsync(new Uri(url), content);
            }

            return Results.Ok();
        });

        app.MapGet("/health", () => Results.Ok("ok"));

        await app.RunAsync();
        return 0;
    }
}

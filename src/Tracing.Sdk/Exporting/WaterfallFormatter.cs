using System;
using System.Globalization;
using System.Text;

namespace Tracing.Sdk.Exporting;

/// <summary>
/// Draws a <see cref="Trace"/> as a waterfall that fits an 80-column terminal: one line per span, indented under its
/// parent, with a bar on a time axis shared by the whole trace, its duration and status; below it the span's key
/// attributes and the spans it follows from.
/// </summary>
public static class WaterfallFormatter
{
    private const int NameWidth = 30;
    private const int BarWidth = 30;
    private const int Width = 80;

    // Attributes worth a glance in a timeline, in display order.
    private static readonly string[] s_keyAttributes =
    [
        "http.request.method", "http.route", "url.full", "url.path", "http.response.status_code", "server.address",
        "rpc.system", "rpc.service", "rpc.method", "rpc.grpc.status_code", "db.system", "db.operation.name",
        "messaging.system", "error.type",
    ];

    /// <summary>Formats one trace.</summary>
    /// <param name="trace">The trace.</param>
    public static string Format(Trace trace)
    {
        ArgumentNullException.ThrowIfNull(trace);
        var sb = new StringBuilder();
        long start = trace.StartTimeUnixNano;
        long total = Math.Max(1, trace.EndTimeUnixNano - start);
        string? service = trace.Roots.Count > 0 ? trace.Roots[0].Span.Resource.ServiceName : null;

        string header = $"trace {trace.TraceId} · {trace.Nodes.Count} span{(trace.Nodes.Count == 1 ? "" : "s")} · {FormatDuration(total)}";
        if (service is not null && header.Length + service.Length + 3 <= Width)
        {
            header += " · " + service;
        }

        sb.AppendLine(header);
        sb.Append(Pad("span", NameWidth)).Append(' ')
          .Append(Axis(total)).Append(' ')
          .Append("duration").AppendLine();

        foreach (var node in trace.Nodes)
        {
            var span = node.Span;
            string prefix = TreePrefix(node);
            sb.Append(Pad(prefix + span.Name, NameWidth)).Append(' ');
            sb.Append(Bar(span.StartTimeUnixNano - start, span.EndTimeUnixNano - start, total)).Append(' ');
            sb.Append(FormatDuration(span.EndTimeUnixNano - span.StartTimeUnixNano).PadLeft(8));
            if (span.Status.Code == StatusCode.Error)
            {
                sb.Append(" ERROR");
            }

            sb.AppendLine();

            string details = Details(trace, node);
            if (details.Length > 0)
            {
                string indent = ChildIndent(node) + "  ";
                sb.Append(Truncate(indent + details, Width - 1)).AppendLine();
            }
        }

        return sb.ToString();
    }

    private static string Details(Trace trace, TraceNode node)
    {
        var parts = new StringBuilder();
        var span = node.Span;

        // In a trace that crosses services, name the service where it changes.
        string? service = span.Resource.ServiceName;
        string? parentService = node.Parent?.Span.Resource.ServiceName ?? trace.Roots[0].Span.Resource.ServiceName;
        if (service is not null && (node.Parent is null ? trace.Roots.Count > 1 : service != parentService))
        {
            parts.Append('[').Append(service).Append(']');
        }

        if (span.Kind != SpanKind.Internal)
        {
            Append(parts, span.Kind.ToString().ToLowerInvariant());
        }

        foreach (string key in s_keyAttributes)
        {
            if (span.GetAttribute(key) is { } value)
            {
                Append(parts, key + "=" + value);
            }
        }

        if (span.Status.Code == StatusCode.Error && !string.IsNullOrEmpty(span.Status.Description))
        {
            Append(parts, "error: " + span.Status.Description);
        }

        foreach (var ctx in node.FollowsFrom)
        {
            var followed = ctx.TraceId == trace.TraceId ? FindBySpanId(trace, ctx.SpanId) : null;
            Append(parts, "follows from " + (followed is null ? ctx.SpanId.ToString() : followed.Span.Name));
        }

        return parts.ToString();
    }

    private static TraceNode? FindBySpanId(Trace trace, SpanId spanId)
    {
        foreach (var n in trace.Nodes)
        {
            if (n.Span.SpanId == spanId)
            {
                return n;
            }
        }

        return null;
    }

    private static void Append(StringBuilder sb, string part)
    {
        if (sb.Length > 0)
        {
            sb.Append("  ");
        }

        sb.Append(part);
    }

    private static string TreePrefix(TraceNode node)
    {
        if (node.Parent is null)
        {
            return string.Empty;
        }

        return ChildIndent(node.Parent) + (IsLast(node) ? "└─" : "├─");
    }

    // The indentation that a node's children and detail lines continue under: a vertical rule where an ancestor still
    // has siblings below it.
    private static string ChildIndent(TraceNode node)
    {
        if (node.Parent is null)
        {
            return string.Empty;
        }

        return ChildIndent(node.Parent) + (IsLast(node) ? "  " : "│ ");
    }

    private static bool IsLast(TraceNode node)
    {
        var siblings = node.Parent!.Children;
        return ReferenceEquals(siblings[^1], node);
    }

    private static string Bar(long from, long to, long total)
    {
        int a = (int)Math.Clamp(from * BarWidth / total, 0, BarWidth - 1);
        int b = (int)Math.Clamp((to * BarWidth + total - 1) / total, a + 1, BarWidth);
        var chars = new char[BarWidth];
        for (int i = 0; i < BarWidth; i++)
        {
            chars[i] = i >= a && i < b ? '█' : '·';
        }

        return new string(chars);
    }

    private static string Axis(long total)
    {
        // "0" at the left, the trace's duration at the right end of the bar column.
        string end = FormatDuration(total);
        return "0".PadRight(BarWidth - end.Length) + end;
    }

    private static string Pad(string text, int width) => Truncate(text, width).PadRight(width);

    private static string Truncate(string text, int width) => text.Length <= width ? text : text[..(width - 1)] + "…";

    /// <summary>Formats nanoseconds as µs, ms or s with three significant digits.</summary>
    internal static string FormatDuration(long nanos)
    {
        var c = CultureInfo.InvariantCulture;
        if (nanos < 1_000_000)
        {
            return (nanos / 1000.0).ToString(nanos < 10_000 ? "0.00" : nanos < 100_000 ? "0.0" : "0", c) + " µs";
        }

        if (nanos < 1_000_000_000)
        {
            double ms = nanos / 1_000_000.0;
            return ms.ToString(ms < 10 ? "0.00" : ms < 100 ? "0.0" : "0", c) + " ms";
        }

        double s = nanos / 1_000_000_000.0;
        return s.ToString(s < 10 ? "0.00" : "0.0", c) + " s";
    }
}

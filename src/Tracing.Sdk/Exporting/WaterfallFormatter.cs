using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Tracing.Sdk.Exporting;

/// <summary>
/// Draws a <see cref="Trace"/> as a waterfall: one line per span, indented under its parent, with a bar on a time axis
/// shared by the whole trace, its duration and status; under each span every attribute (the well-known ones first),
/// its status description, the spans it follows from or links to, and one line per event with the event's attributes.
/// </summary>
/// <remarks>
/// The compact form (the default) fits an 80-column terminal: details flow onto as many lines as they need, and only a
/// single value too long for a line (a long URL, a stack trace) is cut, with "…". The verbose form never cuts a value
/// (lines may then be longer), and adds each span's ids and instrumentation scope, the links' ids and attributes, event
/// time stamps and dropped counts, and the resource's attributes.
/// </remarks>
public static class WaterfallFormatter
{
    private const int NameWidth = 30;
    private const int BarWidth = 30;
    private const int Width = 80;

    // Attributes worth a glance in a timeline, shown first and in this order; every other attribute follows in the
    // order it was recorded.
    private static readonly string[] s_keyAttributes =
    [
        "http.request.method", "http.route", "url.full", "url.path", "http.response.status_code", "server.address",
        "rpc.system", "rpc.service", "rpc.method", "rpc.grpc.status_code", "db.system", "db.operation.name",
        "messaging.system", "error.type",
    ];

    /// <summary>Formats one trace in the compact form, which fits 80 columns.</summary>
    /// <param name="trace">The trace.</param>
    public static string Format(Trace trace) => Format(trace, verbose: false);

    /// <summary>Formats one trace.</summary>
    /// <param name="trace">The trace.</param>
    /// <param name="verbose">
    /// False for the compact form (80 columns, over-long values cut); true to cut nothing and add ids, scopes, link
    /// details, event time stamps, dropped counts and the resource.
    /// </param>
    public static string Format(Trace trace, bool verbose)
    {
        ArgumentNullException.ThrowIfNull(trace);
        var sb = new StringBuilder();
        long start = trace.StartTimeUnixNano;
        long total = Math.Max(1, trace.EndTimeUnixNano - start);
        string? service = trace.Roots.Count > 0 ? trace.Roots[0].Span.Resource.ServiceName : null;

        string header = $"trace {trace.TraceId} · {trace.Nodes.Count} span{(trace.Nodes.Count == 1 ? "" : "s")} · {FormatDuration(total)}";
        if (service is not null && (verbose || header.Length + service.Length + 3 <= Width))
        {
            header += " · " + service;
        }

        sb.AppendLine(header);
        if (verbose && trace.Roots.Count > 0)
        {
            var resource = new List<string>();
            foreach (var kv in trace.Roots[0].Span.Resource.Attributes)
            {
                resource.Add(kv.Key + "=" + kv.Value.ToString());
            }

            Flow(sb, "resource: ", resource, verbose);
        }

        sb.Append(Pad("span", NameWidth)).Append(' ')
          .Append(Axis(total)).Append(' ')
          .Append("duration").AppendLine();

        foreach (var node in trace.Nodes)
        {
            var span = node.Span;
            string prefix = TreePrefix(node);
            sb.Append(verbose ? (prefix + span.Name).PadRight(NameWidth) : Pad(prefix + span.Name, NameWidth)).Append(' ');
            sb.Append(Bar(span.StartTimeUnixNano - start, span.EndTimeUnixNano - start, total)).Append(' ');
            sb.Append(FormatDuration(span.EndTimeUnixNano - span.StartTimeUnixNano).PadLeft(8));
            if (span.Status.Code == StatusCode.Error)
            {
                sb.Append(" ERROR");
            }

            sb.AppendLine();

            string indent = ChildIndent(node) + "  ";
            Flow(sb, indent, Details(trace, node, verbose), verbose);
            foreach (var e in span.Events)
            {
                var parts = new List<string> { "• " + EventTime(e.TimestampUnixNano - span.StartTimeUnixNano, e, verbose) + " " + e.Name };
                AddAttributes(parts, e.Attributes);
                if (verbose && e.DroppedAttributeCount > 0)
                {
                    parts.Add($"({e.DroppedAttributeCount} attributes dropped)");
                }

                Flow(sb, indent, parts, verbose);
            }
        }

        return sb.ToString();
    }

    private static List<string> Details(Trace trace, TraceNode node, bool verbose)
    {
        var parts = new List<string>();
        var span = node.Span;

        // In a trace that crosses services, name the service where it changes.
        string? service = span.Resource.ServiceName;
        string? parentService = node.Parent?.Span.Resource.ServiceName ?? trace.Roots[0].Span.Resource.ServiceName;
        if (service is not null && (node.Parent is null ? trace.Roots.Count > 1 : service != parentService))
        {
            parts.Add("[" + service + "]");
        }

        if (span.Kind != SpanKind.Internal)
        {
            parts.Add(span.Kind.ToString().ToLowerInvariant());
        }

        if (verbose)
        {
            parts.Add("span=" + span.SpanId.ToString());
            if (span.ParentSpanId.IsValid)
            {
                parts.Add("parent=" + span.ParentSpanId.ToString() + (span.HasRemoteParent ? " (remote)" : string.Empty));
            }

            parts.Add("scope=" + span.Scope.Name + (string.IsNullOrEmpty(span.Scope.Version) ? string.Empty : " " + span.Scope.Version));
        }

        foreach (string key in s_keyAttributes)
        {
            if (span.GetAttribute(key) is { } value)
            {
                parts.Add(key + "=" + value.ToString());
            }
        }

        foreach (var kv in span.Attributes)
        {
            if (Array.IndexOf(s_keyAttributes, kv.Key) < 0)
            {
                parts.Add(kv.Key + "=" + kv.Value.ToString());
            }
        }

        if (span.Status.Code == StatusCode.Error && !string.IsNullOrEmpty(span.Status.Description))
        {
            parts.Add("error: " + span.Status.Description);
        }

        foreach (var ctx in node.FollowsFrom)
        {
            var followed = ctx.TraceId == trace.TraceId ? FindBySpanId(trace, ctx.SpanId) : null;
            parts.Add("follows from " + (followed is null ? ctx.SpanId.ToString() : followed.Span.Name));
        }

        foreach (var link in span.Links)
        {
            // Follows-from links are already named above; the compact form shows the other links by span id.
            if (link.IsFollowsFrom && !verbose)
            {
                continue;
            }

            string target = link.Context.TraceId == trace.TraceId ? link.Context.SpanId.ToString() : link.Context.TraceId + "/" + link.Context.SpanId;
            parts.Add((link.IsFollowsFrom ? "link (follows from) " : "link ") + target);
            if (verbose)
            {
                AddAttributes(parts, link.Attributes);
            }
        }

        if (verbose)
        {
            if (span.DroppedAttributeCount > 0)
            {
                parts.Add($"({span.DroppedAttributeCount} attributes dropped)");
            }

            if (span.DroppedEventCount > 0)
            {
                parts.Add($"({span.DroppedEventCount} events dropped)");
            }

            if (span.DroppedLinkCount > 0)
            {
                parts.Add($"({span.DroppedLinkCount} links dropped)");
            }
        }

        return parts;
    }

    private static void AddAttributes(List<string> parts, ReadOnlySpan<KeyValue> attributes)
    {
        foreach (var kv in attributes)
        {
            parts.Add(kv.Key + "=" + kv.Value.ToString());
        }
    }

    private static string EventTime(long offsetNanos, in SpanEvent e, bool verbose)
    {
        string offset = "+" + FormatDuration(Math.Max(0, offsetNanos));
        return verbose ? offset + " (" + e.Timestamp.ToString("O", CultureInfo.InvariantCulture) + ")" : offset;
    }

    /// <summary>
    /// Writes <paramref name="parts"/> after <paramref name="indent"/>, two spaces apart, starting a new line (with the
    /// same indent) whenever the next part would pass column 79. A part never breaks across lines: in the compact form
    /// one longer than a whole line is cut with "…" (and a multi-line value at its first line break); in the verbose
    /// form it is written whole, its own line breaks continuing at the indent.
    /// </summary>
    private static void Flow(StringBuilder sb, string indent, List<string> parts, bool verbose)
    {
        if (parts.Count == 0)
        {
            return;
        }

        int room = Math.Max(10, Width - 1 - indent.Length);
        int used = -1;
        foreach (string raw in parts)
        {
            string part = verbose ? raw.ReplaceLineEndings(Environment.NewLine + indent + "  ") : OneLine(raw, room);
            if (used >= 0 && used + 2 + part.Length > room)
            {
                sb.AppendLine();
                used = -1;
            }

            if (used < 0)
            {
                sb.Append(indent).Append(part);
                used = part.Length;
            }
            else
            {
                sb.Append("  ").Append(part);
                used += 2 + part.Length;
            }
        }

        sb.AppendLine();
    }

    private static string OneLine(string text, int width)
    {
        int newline = text.AsSpan().IndexOfAny('\r', '\n');
        if (newline >= 0)
        {
            text = text[..newline].TrimEnd() + "…";
        }

        return Truncate(text, width);
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

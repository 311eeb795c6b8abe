using System;
using System.Collections.Generic;

namespace Tracing.Sdk.Tests.Propagation;

/// <summary>Header carriers as HTTP stacks present them: names case-insensitive, repeated headers joined by ",".</summary>
internal static class Carrier
{
    public static readonly Func<Dictionary<string, string>, string, string?> Get =
        static (c, name) => c.TryGetValue(name, out var v) ? v : null;

    public static readonly Action<Dictionary<string, string>, string, string> Set =
        static (c, name, value) => c[name] = value;

    public static Dictionary<string, string> Of(params (string Name, string Value)[] headers)
    {
        var d = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers)
        {
            d[name] = d.TryGetValue(name, out var earlier) ? earlier + "," + value : value;
        }

        return d;
    }
}

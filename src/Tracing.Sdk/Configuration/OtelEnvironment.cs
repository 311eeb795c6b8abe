using System;
using System.Collections.Generic;
using System.Globalization;
using Tracing.Sdk.Diagnostics;

namespace Tracing.Sdk.Configuration;

/// <summary>Reads the OpenTelemetry SDK's environment variables. Invalid values fall back per the specification and are reported to the self-log.</summary>
internal static class OtelEnvironment
{
    public static int? ReadNonNegativeInt(Func<string, string?> get, string name)
    {
        string? raw = get(name);
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }

        if (int.TryParse(raw.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v >= 0)
        {
            return v;
        }

        SdkEventSource.Log.InvalidConfiguration(name, raw, "the default");
        return null;
    }

    public static bool ReadBool(Func<string, string?> get, string name)
    {
        string? raw = get(name);
        if (string.IsNullOrWhiteSpace(raw))
        {
            return false;
        }

        if (raw.Trim().Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (!raw.Trim().Equals("false", StringComparison.OrdinalIgnoreCase))
        {
            SdkEventSource.Log.InvalidConfiguration(name, raw, "false");
        }

        return false;
    }

    /// <summary>
    /// Parses <c>OTEL_RESOURCE_ATTRIBUTES</c>: <c>key1=value1,key2=value2</c> with percent-encoded values. A malformed
    /// list is discarded whole, as the specification asks.
    /// </summary>
    public static List<KeyValue> ReadResourceAttributes(Func<string, string?> get)
    {
        var result = new List<KeyValue>();
        string? raw = get("OTEL_RESOURCE_ATTRIBUTES");
        if (string.IsNullOrWhiteSpace(raw))
        {
            return result;
        }

        foreach (string part in raw.Split(','))
        {
            string item = part.Trim();
            if (item.Length == 0)
            {
                continue;
            }

            int eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                SdkEventSource.Log.InvalidConfiguration("OTEL_RESOURCE_ATTRIBUTES", raw, "no resource attributes");
                return [];
            }

            string key = item[..eq].Trim();
            string value;
            try
            {
                value = Uri.UnescapeDataString(item[(eq + 1)..].Trim());
            }
            catch (UriFormatException)
            {
                SdkEventSource.Log.InvalidConfiguration("OTEL_RESOURCE_ATTRIBUTES", raw, "no resource attributes");
                return [];
            }

            result.Add(new KeyValue(key, value));
        }

        return result;
    }
}

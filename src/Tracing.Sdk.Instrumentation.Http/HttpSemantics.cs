using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Http;
using System.Text;

namespace Tracing.Sdk.Instrumentation.Http;

/// <summary>The stable HTTP semantic conventions' values for a client request.</summary>
internal static class HttpSemantics
{
    public const string Redacted = "REDACTED";

    /// <summary>The method as the conventions name it: a known method in upper case, else <c>_OTHER</c>.</summary>
    public static string MethodOf(HttpMethod method, out bool known)
    {
        known = true;
        string m = method.Method;
        switch (m)
        {
            case "GET": case "POST": case "PUT": case "DELETE": case "HEAD": case "OPTIONS": case "PATCH": case "TRACE": case "CONNECT":
                return m;
        }

        foreach (var candidate in (ReadOnlySpan<string>)["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "TRACE", "CONNECT", "QUERY"])
        {
            if (string.Equals(candidate, m, StringComparison.OrdinalIgnoreCase))
            {
                return candidate;
            }
        }

        known = false;
        return "_OTHER";
    }

    public static string ProtocolVersionOf(Version version) => (version.Major, version.Minor) switch
    {
        (1, 0) => "1.0",
        (1, 1) => "1.1",
        (2, 0) => "2",
        (3, 0) => "3",
        _ => version.ToString(),
    };

    /// <summary>
    /// <c>url.full</c>: the absolute URL without credentials or fragment, with the values of sensitive query
    /// parameters replaced by <c>REDACTED</c>. Allocates only what the result needs.
    /// </summary>
    public static string FullUrlOf(Uri uri, ISet<string> redactedParameters)
    {
        if (!uri.IsAbsoluteUri)
        {
            return uri.OriginalString;
        }

        string query = uri.Query;
        bool hasUserInfo = uri.UserInfo.Length > 0;
        bool needsRedaction = query.Length > 1 && redactedParameters.Count > 0 && QueryNeedsRedaction(query, redactedParameters);
        if (!hasUserInfo && !needsRedaction && uri.Fragment.Length == 0)
        {
            return uri.AbsoluteUri;
        }

        var sb = new StringBuilder(uri.AbsoluteUri.Length);
        sb.Append(uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped));
        if (query.Length > 0)
        {
            if (needsRedaction)
            {
                AppendRedactedQuery(sb, query, redactedParameters);
            }
            else
            {
                sb.Append(query);
            }
        }

        return sb.ToString();
    }

    private static bool QueryNeedsRedaction(string query, ISet<string> redacted)
    {
        foreach (var part in query.AsSpan(1).Split('&'))
        {
            var pair = query.AsSpan(1)[part];
            int eq = pair.IndexOf('=');
            var name = eq < 0 ? pair : pair[..eq];
            if (IsRedacted(name, redacted))
            {
                return true;
            }
        }

        return false;
    }

    private static void AppendRedactedQuery(StringBuilder sb, string query, ISet<string> redacted)
    {
        sb.Append('?');
        bool first = true;
        var body = query.AsSpan(1);
        foreach (var range in body.Split('&'))
        {
            var pair = body[range];
            if (!first)
            {
                sb.Append('&');
            }

            first = false;
            int eq = pair.IndexOf('=');
            var name = eq < 0 ? pair : pair[..eq];
            if (eq >= 0 && IsRedacted(name, redacted))
            {
                sb.Append(name).Append('=').Append(Redacted);
            }
            else
            {
                sb.Append(pair);
            }
        }
    }

    private static bool IsRedacted(ReadOnlySpan<char> name, ISet<string> redacted)
    {
        if (redacted.Contains(name.ToString()))
        {
            return true;
        }

        // Names may arrive percent-encoded ("api%5Fkey").
        return name.Contains('%') && redacted.Contains(WebUtility.UrlDecode(name.ToString()));
    }
}

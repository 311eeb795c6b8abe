using System;
using System.Collections.Generic;
using System.Net;
using System.Buffers;

namespace Tracing.Sdk.Instrumentation.Http;

/// <summary>The stable HTTP semantic conventions' values only a client request has (<c>url.full</c>); the method and protocol version are in the shared <see cref="HttpConventions"/>.</summary>
internal static class HttpSemantics
{
    public const string Redacted = "REDACTED";

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

        return Rewrite(uri.AbsoluteUri, hasUserInfo, needsRedaction, redactedParameters);
    }

    // One pass over the absolute URI into a rented buffer: drop "user:pass@" and the fragment, redact query values.
    // The only allocation is the resulting string.
    private static string Rewrite(string absolute, bool dropUserInfo, bool redact, ISet<string> redactedParameters)
    {
        var abs = absolute.AsSpan();
        int fragment = abs.IndexOf('#');
        if (fragment >= 0)
        {
            abs = abs[..fragment];
        }

        int q = abs.IndexOf('?');
        var beforeQuery = q >= 0 ? abs[..q] : abs;
        var query = q >= 0 ? abs[(q + 1)..] : default;
        int authorityStart = beforeQuery.IndexOf("://", StringComparison.Ordinal) + 3;
        var scheme = beforeQuery[..authorityStart];
        var rest = beforeQuery[authorityStart..];
        if (dropUserInfo)
        {
            int slash = rest.IndexOf('/');
            int at = (slash < 0 ? rest : rest[..slash]).LastIndexOf('@');
            if (at >= 0)
            {
                rest = rest[(at + 1)..];
            }
        }

        // Each redacted value can grow to "REDACTED"; there are at most (number of '&') + 1 values.
        int bound = abs.Length + (Redacted.Length * (query.Count('&') + 1));
        char[] rented = ArrayPool<char>.Shared.Rent(bound);
        try
        {
            var buffer = rented.AsSpan();
            int n = 0;
            scheme.CopyTo(buffer);
            n += scheme.Length;
            rest.CopyTo(buffer[n..]);
            n += rest.Length;
            if (q >= 0)
            {
                buffer[n++] = '?';
                bool first = true;
                foreach (var range in query.Split('&'))
                {
                    var pair = query[range];
                    if (!first)
                    {
                        buffer[n++] = '&';
                    }

                    first = false;
                    int eq = pair.IndexOf('=');
                    if (redact && eq >= 0 && IsRedacted(pair[..eq], redactedParameters))
                    {
                        pair[..(eq + 1)].CopyTo(buffer[n..]);
                        n += eq + 1;
                        Redacted.AsSpan().CopyTo(buffer[n..]);
                        n += Redacted.Length;
                    }
                    else
                    {
                        pair.CopyTo(buffer[n..]);
                        n += pair.Length;
                    }
                }
            }

            return new string(buffer[..n]);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(rented);
        }
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

    private static bool IsRedacted(ReadOnlySpan<char> name, ISet<string> redacted)
    {
        // The default set compares ignoring case and can be asked with a span: no string per parameter.
        bool found = redacted is HashSet<string> set && set.TryGetAlternateLookup<ReadOnlySpan<char>>(out var lookup)
            ? lookup.Contains(name)
            : redacted.Contains(name.ToString());
        if (found)
        {
            return true;
        }

        // Names may arrive percent-encoded ("api%5Fkey").
        return name.Contains('%') && redacted.Contains(WebUtility.UrlDecode(name.ToString()));
    }
}

using System;

namespace Tracing.Sdk.Instrumentation;

/// <summary>
/// The HTTP semantic conventions' values that client and server spans share (linked source from src/Shared): the
/// request method and the protocol version.
/// </summary>
internal static class HttpConventions
{
    /// <summary>The method as the conventions name it: a known method in upper case (any case accepted), else <c>_OTHER</c>.</summary>
    public static string MethodOf(string method, out bool known)
    {
        known = true;
        switch (method)
        {
            case "GET": case "POST": case "PUT": case "DELETE": case "HEAD": case "OPTIONS": case "PATCH": case "TRACE": case "CONNECT":
                return method;
        }

        foreach (var candidate in (ReadOnlySpan<string>)["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "TRACE", "CONNECT", "QUERY"])
        {
            if (string.Equals(candidate, method, StringComparison.OrdinalIgnoreCase))
            {
                return candidate;
            }
        }

        known = false;
        return "_OTHER";
    }

    /// <summary><c>network.protocol.version</c> of a client response.</summary>
    public static string ProtocolVersionOf(Version version) => (version.Major, version.Minor) switch
    {
        (1, 0) => "1.0",
        (1, 1) => "1.1",
        (2, 0) => "2",
        (3, 0) => "3",
        _ => version.ToString(),
    };

    /// <summary><c>network.protocol.version</c> of a server request, from its protocol string (<c>HTTP/1.1</c>).</summary>
    public static string ProtocolVersionOf(string protocol) => protocol switch
    {
        "HTTP/1.1" => "1.1",
        "HTTP/2" => "2",
        "HTTP/3" => "3",
        "HTTP/1.0" => "1.0",
        _ => protocol.StartsWith("HTTP/", StringComparison.Ordinal) ? protocol[5..] : protocol,
    };
}

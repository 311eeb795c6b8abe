namespace Tracing.Sdk;

/// <summary>A span's status: a code and, for errors only, a description.</summary>
/// <param name="Code">The status code.</param>
/// <param name="Description">A description; kept only with <see cref="StatusCode.Error"/>.</param>
public readonly record struct SpanStatus(StatusCode Code, string? Description = null)
{
    /// <summary>The default status.</summary>
    public static SpanStatus Unset => default;

    /// <summary>Success.</summary>
    public static SpanStatus Ok => new(StatusCode.Ok);

    /// <summary>An error with a description.</summary>
    /// <param name="description">What went wrong.</param>
    public static SpanStatus Error(string? description = null) => new(StatusCode.Error, description);
}

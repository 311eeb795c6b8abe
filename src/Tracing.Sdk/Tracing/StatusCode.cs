namespace Tracing.Sdk;

/// <summary>The status of a span.</summary>
public enum StatusCode
{
    /// <summary>Not set: the default.</summary>
    Unset = 0,

    /// <summary>Explicitly marked successful; later <see cref="Error"/> is ignored.</summary>
    Ok = 1,

    /// <summary>The operation failed.</summary>
    Error = 2,
}

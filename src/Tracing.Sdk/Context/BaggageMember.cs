namespace Tracing.Sdk;

/// <summary>One baggage entry: a name, a value, and the W3C properties (metadata) that followed it, kept verbatim.</summary>
/// <param name="Name">The name.</param>
/// <param name="Value">The value, decoded.</param>
/// <param name="Metadata">The properties after the value (<c>;</c>-separated, without the leading <c>;</c>), or null.</param>
public readonly record struct BaggageMember(string Name, string Value, string? Metadata = null);

namespace Tracing.Sdk;

/// <summary>The library that made a span: the name and version a tracer was created with.</summary>
/// <param name="Name">The instrumentation scope name.</param>
/// <param name="Version">Its version, or null.</param>
public sealed record InstrumentationScope(string Name, string? Version = null);

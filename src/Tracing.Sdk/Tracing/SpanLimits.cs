using System;

namespace Tracing.Sdk;

/// <summary>
/// Bounds on what one span records (OpenTelemetry span limits). What goes past a limit is dropped and counted on the span.
/// Defaults follow the specification; <c>OTEL_SPAN_*_LIMIT</c>, <c>OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT</c>,
/// <c>OTEL_LINK_ATTRIBUTE_COUNT_LIMIT</c> and <c>OTEL_ATTRIBUTE_*_LIMIT</c> override them.
/// </summary>
public sealed record SpanLimits
{
    /// <summary>The most attributes a span keeps. Default 128.</summary>
    public int AttributeCountLimit { get; init; } = 128;

    /// <summary>The longest string attribute value kept; longer ones are truncated. Default: no limit.</summary>
    public int AttributeValueLengthLimit { get; init; } = int.MaxValue;

    /// <summary>The most events a span keeps. Default 128.</summary>
    public int EventCountLimit { get; init; } = 128;

    /// <summary>The most links a span keeps. Default 128.</summary>
    public int LinkCountLimit { get; init; } = 128;

    /// <summary>The most attributes an event keeps. Default 128.</summary>
    public int AttributePerEventCountLimit { get; init; } = 128;

    /// <summary>The most attributes a link keeps. Default 128.</summary>
    public int AttributePerLinkCountLimit { get; init; } = 128;

    /// <summary>The specification's defaults.</summary>
    public static SpanLimits Default { get; } = new();

    /// <summary>Limits from <c>OTEL_*</c> variables, read through <paramref name="getVariable"/>; unset or invalid ones keep the defaults.</summary>
    /// <param name="getVariable">Reads a variable, for example <see cref="Environment.GetEnvironmentVariable(string)"/>.</param>
    public static SpanLimits FromEnvironment(Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(getVariable);
        int Read(string specific, string? general, int fallback)
        {
            int? v = Tracing.Sdk.Configuration.OtelEnvironment.ReadNonNegativeInt(getVariable, specific)
                ?? (general is null ? null : Tracing.Sdk.Configuration.OtelEnvironment.ReadNonNegativeInt(getVariable, general));
            return v ?? fallback;
        }

        var d = Default;
        return new SpanLimits
        {
            AttributeCountLimit = Read("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "OTEL_ATTRIBUTE_COUNT_LIMIT", d.AttributeCountLimit),
            AttributeValueLengthLimit = Read("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", d.AttributeValueLengthLimit),
            EventCountLimit = Read("OTEL_SPAN_EVENT_COUNT_LIMIT", null, d.EventCountLimit),
            LinkCountLimit = Read("OTEL_SPAN_LINK_COUNT_LIMIT", null, d.LinkCountLimit),
            AttributePerEventCountLimit = Read("OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", "OTEL_ATTRIBUTE_COUNT_LIMIT", d.AttributePerEventCountLimit),
            AttributePerLinkCountLimit = Read("OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", "OTEL_ATTRIBUTE_COUNT_LIMIT", d.AttributePerLinkCountLimit),
        };
    }
}

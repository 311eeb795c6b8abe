using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Tracing.Sdk.Activities;

namespace Tracing.Sdk;

/// <summary>Records <see cref="System.Diagnostics.Activity"/> objects of chosen ActivitySources as spans.</summary>
public static class ActivitySourceBuilderExtensions
{
    // The names added to each builder; one listener per provider serves them all.
    private static readonly ConditionalWeakTable<TracerProviderBuilder, List<string>> s_sources = new();

    /// <summary>
    /// Records the Activities of the ActivitySources named <paramref name="names"/> (a trailing or inner <c>*</c>
    /// matches any characters, for example <c>MyCompany.*</c>; case is ignored) as spans: sampled by the provider's
    /// sampler, parented in one tree with the spans started through a <see cref="Tracer"/>, and ended when the
    /// Activity stops, with its tags, events, links and status.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="names">ActivitySource names or patterns.</param>
    public static TracerProviderBuilder AddSource(this TracerProviderBuilder builder, params string[] names)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(names);
        bool first = false;
        var list = s_sources.GetValue(builder, _ =>
        {
            first = true;
            return [];
        });

        foreach (var name in names)
        {
            if (!string.IsNullOrWhiteSpace(name))
            {
                list.Add(name.Trim());
            }
        }

        if (first)
        {
            builder.AddInstrumentation(provider => list.Count == 0 ? null : new ActivitySourceBridge(provider, [.. list]));
        }

        return builder;
    }
}

using System;
using System.Collections.Generic;

namespace Tracing.Sdk.Propagation;

/// <summary>
/// Runs several propagators as one: injection writes every format; extraction runs them in order, each seeing what the
/// earlier ones found, so a later format with a valid context overrides an earlier one (list trace formats first and
/// <see cref="BaggagePropagator"/> anywhere).
/// </summary>
public sealed class CompositePropagator : TextMapPropagator
{
    private readonly TextMapPropagator[] _propagators;
    private readonly IReadOnlyCollection<string> _fields;

    /// <summary>Creates a composite of <paramref name="propagators"/>, in order; null entries are skipped.</summary>
    /// <param name="propagators">The propagators.</param>
    public CompositePropagator(params IEnumerable<TextMapPropagator?> propagators)
    {
        ArgumentNullException.ThrowIfNull(propagators);
        var list = new List<TextMapPropagator>();
        var fields = new List<string>();
        foreach (var p in propagators)
        {
            if (p is null)
            {
                continue;
            }

            list.Add(p);
            foreach (var f in p.Fields)
            {
                if (!fields.Contains(f))
                {
                    fields.Add(f);
                }
            }
        }

        _propagators = [.. list];
        _fields = fields.AsReadOnly();
    }

    /// <summary>The propagators, in order.</summary>
    public IReadOnlyList<TextMapPropagator> Propagators => Array.AsReadOnly(_propagators);

    /// <inheritdoc/>
    public override IReadOnlyCollection<string> Fields => _fields;

    /// <inheritdoc/>
    public override void Inject<TCarrier>(in PropagationContext context, TCarrier carrier, Action<TCarrier, string, string> setter)
    {
        foreach (var p in _propagators)
        {
            p.Inject(context, carrier, setter);
        }
    }

    /// <inheritdoc/>
    public override PropagationContext Extract<TCarrier>(in PropagationContext context, TCarrier carrier, Func<TCarrier, string, string?> getter)
    {
        var result = context;
        foreach (var p in _propagators)
        {
            result = p.Extract(result, carrier, getter);
        }

        return result;
    }

    /// <inheritdoc/>
    public override PropagationContext Extract<TCarrier>(in PropagationContext context, TCarrier carrier, Func<TCarrier, string, string?> getter, Func<TCarrier, IEnumerable<string>> keys)
    {
        var result = context;
        foreach (var p in _propagators)
        {
            result = p.Extract(result, carrier, getter, keys);
        }

        return result;
    }
}

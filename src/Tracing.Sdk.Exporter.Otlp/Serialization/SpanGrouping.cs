using System;
using System.Collections.Generic;
using Tracing.Sdk.Exporting;

namespace Tracing.Sdk.Exporter.Otlp.Serialization;

/// <summary>
/// Orders a batch's spans by resource, then instrumentation scope, as OTLP nests them. The arrays and lists are kept
/// between batches (exports never overlap), so after the first batches grouping allocates nothing.
/// </summary>
internal sealed class SpanGrouping
{
    private readonly List<Resource> _resources = [];
    private readonly List<InstrumentationScope> _scopes = [];
    private readonly List<int> _scopeResource = [];
    private int[] _groupOfSpan = [];
    private int[] _groupStart = [];
    private int[] _order = [];

    public int ResourceCount => _resources.Count;

    public int GroupCount => _scopes.Count;

    public Resource GetResource(int index) => _resources[index];

    public InstrumentationScope GetScope(int group) => _scopes[group];

    public int GetResourceOfGroup(int group) => _scopeResource[group];

    /// <summary>Indices into the batch of the spans of <paramref name="group"/>, in batch order.</summary>
    public ReadOnlySpan<int> SpansOf(int group) => _order.AsSpan(_groupStart[group], _groupStart[group + 1] - _groupStart[group]);

    public void Group(in SpanBatch batch)
    {
        Clear();
        var spans = batch.AsSpan();
        if (_groupOfSpan.Length < spans.Length)
        {
            _groupOfSpan = new int[spans.Length];
            _order = new int[spans.Length];
        }

        // Spans of one resource and scope usually come in runs: a span with the previous span's resource and scope
        // (the same objects) takes its group without a search.
        Resource? lastResource = null;
        InstrumentationScope? lastScope = null;
        int lastGroup = -1;
        for (int i = 0; i < spans.Length; i++)
        {
            var span = spans[i];
            if (!ReferenceEquals(span.Resource, lastResource) || !ReferenceEquals(span.Scope, lastScope))
            {
                lastResource = span.Resource;
                lastScope = span.Scope;
                lastGroup = GroupOf(span);
            }

            _groupOfSpan[i] = lastGroup;
        }

        // Counting sort by group keeps batch order within a group.
        int groups = _scopes.Count;
        if (_groupStart.Length < groups + 1)
        {
            _groupStart = new int[Math.Max(groups + 1, 8)];
        }

        Array.Clear(_groupStart, 0, groups + 1);
        for (int i = 0; i < spans.Length; i++)
        {
            _groupStart[_groupOfSpan[i] + 1]++;
        }

        for (int g = 0; g < groups; g++)
        {
            _groupStart[g + 1] += _groupStart[g];
        }

        // _groupStart[g] is used as the insertion cursor, then restored by shifting back one group.
        for (int i = 0; i < spans.Length; i++)
        {
            _order[_groupStart[_groupOfSpan[i]]++] = i;
        }

        for (int g = groups; g > 0; g--)
        {
            _groupStart[g] = _groupStart[g - 1];
        }

        _groupStart[0] = 0;
    }

    /// <summary>Drops the references to resources and scopes so a finished batch keeps nothing alive.</summary>
    public void Clear()
    {
        _resources.Clear();
        _scopes.Clear();
        _scopeResource.Clear();
    }

    private int GroupOf(SpanData span)
    {
        int resource = -1;
        for (int r = 0; r < _resources.Count; r++)
        {
            if (ReferenceEquals(_resources[r], span.Resource))
            {
                resource = r;
                break;
            }
        }

        if (resource < 0)
        {
            resource = _resources.Count;
            _resources.Add(span.Resource);
        }

        var scope = span.Scope;
        for (int g = 0; g < _scopes.Count; g++)
        {
            if (_scopeResource[g] == resource && (ReferenceEquals(_scopes[g], scope) || _scopes[g].Equals(scope)))
            {
                return g;
            }
        }

        _scopes.Add(scope);
        _scopeResource.Add(resource);
        return _scopes.Count - 1;
    }
}

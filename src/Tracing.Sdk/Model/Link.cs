using System;

namespace Tracing.Sdk;

/// <summary>
/// A link from a span to another span context, with attributes. OpenTracing's <c>FollowsFrom</c> reference is a link
/// carrying <c>opentracing.ref_type=follows_from</c>; see <see cref="FollowsFrom"/>.
/// </summary>
public readonly struct Link
{
    /// <summary>The attribute key that names an OpenTracing reference type.</summary>
    public const string RefTypeKey = "opentracing.ref_type";

    private static readonly KeyValue[] s_followsFrom = [new(RefTypeKey, "follows_from")];
    private static readonly KeyValue[] s_childOf = [new(RefTypeKey, "child_of")];

    private readonly KeyValue[]? _attributes;
    private readonly int _offset;
    private readonly int _count;

    /// <summary>Creates a link.</summary>
    /// <param name="context">The linked span's context.</param>
    /// <param name="attributes">The link's attributes, or null.</param>
    public Link(SpanContext context, KeyValue[]? attributes = null)
        : this(context, attributes, 0, attributes?.Length ?? 0, 0)
    {
    }

    internal Link(SpanContext context, KeyValue[]? attributes, int offset, int count, int droppedAttributeCount)
    {
        Context = context;
        _attributes = attributes;
        _offset = offset;
        _count = count;
        DroppedAttributeCount = droppedAttributeCount;
    }

    /// <summary>An OpenTracing <c>FollowsFrom</c> reference: this span follows from <paramref name="context"/> without waiting on it.</summary>
    /// <param name="context">The span this one follows from.</param>
    public static Link FollowsFrom(SpanContext context) => new(context, s_followsFrom);

    /// <summary>An OpenTracing <c>ChildOf</c> reference kept as a link (for a second parent; the first is the span's parent).</summary>
    /// <param name="context">The parent context.</param>
    public static Link ChildOf(SpanContext context) => new(context, s_childOf);

    /// <summary>The linked span's context.</summary>
    public SpanContext Context { get; }

    /// <summary>The link's attributes.</summary>
    public ReadOnlySpan<KeyValue> Attributes => new(_attributes, _offset, _count);

    /// <summary>How many attributes were dropped by the limits.</summary>
    public int DroppedAttributeCount { get; }

    /// <summary>Whether this link is an OpenTracing <c>FollowsFrom</c> reference.</summary>
    public bool IsFollowsFrom
    {
        get
        {
            foreach (var kv in Attributes)
            {
                if (kv.Key == RefTypeKey)
                {
                    return kv.Value.AsString() == "follows_from";
                }
            }

            return false;
        }
    }
}

using System;
using System.Threading;

namespace Tracing.Sdk;

/// <summary>
/// Immutable name/value pairs that travel with a trace (W3C Baggage). Each update returns a new instance.
/// Holds at most <see cref="MaxMembers"/> members; a set beyond that is ignored.
/// Baggage is never copied into span attributes by the SDK.
/// </summary>
public sealed class Baggage
{
    /// <summary>The most members a baggage holds; W3C asks platforms to propagate at least 64.</summary>
    public const int MaxMembers = 64;

    private static readonly AsyncLocal<Baggage?> s_current = new();
    private readonly BaggageMember[] _members;

    /// <summary>
    /// The W3C <c>baggage</c> header of this (immutable) baggage, kept by the propagator after the first injection: the
    /// same baggage typically goes out on every outgoing call of a request. A benign race may compute it twice.
    /// </summary>
    internal string? W3CHeader;

    /// <summary>The baggage with no members.</summary>
    public static Baggage Empty { get; } = new([]);

    private Baggage(BaggageMember[] members) => _members = members;

    /// <summary>The ambient baggage of this execution flow; it follows <c>await</c> and thread-pool hops.</summary>
    public static Baggage Current
    {
        get => s_current.Value ?? Empty;
        set => s_current.Value = value is { Count: > 0 } ? value : null;
    }

    /// <summary>The number of members.</summary>
    public int Count => _members.Length;

    /// <summary>The members, in the order they were added.</summary>
    public ReadOnlySpan<BaggageMember> Members => _members;

    /// <summary>The value of <paramref name="name"/>, or null.</summary>
    /// <param name="name">The member name.</param>
    public string? GetValue(string name)
    {
        foreach (var m in _members)
        {
            if (string.Equals(m.Name, name, StringComparison.Ordinal))
            {
                return m.Value;
            }
        }

        return null;
    }

    /// <summary>A baggage with <paramref name="name"/> set (replacing any earlier value in place).</summary>
    /// <param name="name">A non-empty name.</param>
    /// <param name="value">The value.</param>
    /// <param name="metadata">W3C properties to keep with the value, or null.</param>
    public Baggage SetItem(string name, string value, string? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        var member = new BaggageMember(name, value, metadata);
        for (int i = 0; i < _members.Length; i++)
        {
            if (string.Equals(_members[i].Name, name, StringComparison.Ordinal))
            {
                var copy = (BaggageMember[])_members.Clone();
                copy[i] = member;
                return new Baggage(copy);
            }
        }

        if (_members.Length >= MaxMembers)
        {
            return this;
        }

        var members = new BaggageMember[_members.Length + 1];
        _members.CopyTo(members, 0);
        members[^1] = member;
        return new Baggage(members);
    }

    /// <summary>A baggage without <paramref name="name"/>.</summary>
    /// <param name="name">The member name.</param>
    public Baggage RemoveItem(string name)
    {
        int index = Array.FindIndex(_members, m => string.Equals(m.Name, name, StringComparison.Ordinal));
        if (index < 0)
        {
            return this;
        }

        if (_members.Length == 1)
        {
            return Empty;
        }

        var members = new BaggageMember[_members.Length - 1];
        _members.AsSpan(0, index).CopyTo(members);
        _members.AsSpan(index + 1).CopyTo(members.AsSpan(index));
        return new Baggage(members);
    }

    /// <summary>
    /// Wraps members a propagator has already validated: names unique and non-empty, at most <see cref="MaxMembers"/>.
    /// Takes ownership of the array, so extraction builds a baggage with one array instead of one copy per member.
    /// </summary>
    internal static Baggage FromValidatedMembers(BaggageMember[] members) => members.Length == 0 ? Empty : new Baggage(members);

    /// <summary>Builds a baggage from members, keeping the last value of a repeated name and at most <see cref="MaxMembers"/>.</summary>
    /// <param name="members">The members.</param>
    public static Baggage Create(ReadOnlySpan<BaggageMember> members)
    {
        var baggage = Empty;
        foreach (var m in members)
        {
            baggage = baggage.SetItem(m.Name, m.Value, m.Metadata);
        }

        return baggage;
    }
}

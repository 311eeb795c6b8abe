using System;

namespace Tracing.Sdk.Sampling;

/// <summary>Matches ActivitySource names against names and wildcard patterns (<c>*</c> = any run of characters), ignoring case.</summary>
internal sealed class ActivitySourceFilter
{
    private readonly string[] _patterns;

    public ActivitySourceFilter(string[] patterns) => _patterns = patterns;

    public bool Matches(string sourceName)
    {
        foreach (var pattern in _patterns)
        {
            if (Glob(pattern, sourceName))
            {
                return true;
            }
        }

        return false;
    }

    // Greedy glob with backtracking to the last star: linear in practice, never recursive.
    internal static bool Glob(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text)
    {
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (p < pattern.Length && char.ToUpperInvariant(pattern[p]) == char.ToUpperInvariant(text[t]))
            {
                p++;
                t++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}

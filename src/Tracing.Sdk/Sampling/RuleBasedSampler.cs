using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Tracing.Sdk.Sampling;

/// <summary>
/// Ordered rules, then a default: the first rule whose conditions a span meets decides with its own ratio or rate
/// limit (each rule has its own rate limiter); a span no rule matches goes to the default. A rule that drops health
/// or probe paths therefore excludes them before any ratio applies, so the ratio of the remaining traffic is exact.
/// When a rule names a route and a server span's route is not known yet, the decision is deferred
/// (<see cref="SamplingResult.Deferred"/>) until routing has chosen the endpoint.
/// </summary>
/// <remarks>
/// The text form (for <c>OTEL_TRACES_SAMPLER=rules</c> / <c>parentbased_rules</c> with <c>OTEL_TRACES_SAMPLER_ARG</c>):
/// rules separated by <c>;</c>, each <c>conditions =&gt; action</c>. Conditions are separated by <c>,</c>:
/// <c>method=GET|HEAD</c>, <c>path=/health*</c>, <c>route=/orders/{id}</c>, <c>name=GET /api/*</c>,
/// <c>kind=server|client|internal|producer|consumer</c>, <c>attr.key=value</c>. Actions: <c>drop</c>,
/// <c>always</c>, <c>ratio:0.25</c>, <c>rate:10</c> (spans a second), <c>ratio:0.5+rate:100</c>. A rule without
/// conditions (<c>=&gt; ratio:0.5</c>, or <c>default =&gt; ratio:0.5</c>) is the default and ends the list; without one the
/// default samples everything. White space around items is ignored. Example:
/// <c>path=/health*=&gt;drop; method=GET,route=/orders/{id}=&gt;ratio:0.1; default=&gt;ratio:0.5</c>.
/// </remarks>
public sealed class RuleBasedSampler : Sampler
{
    /// <summary>The longest text <see cref="TryParse"/> reads.</summary>
    public const int MaxTextLength = 16 * 1024;

    /// <summary>The most rules a sampler holds.</summary>
    public const int MaxRules = 256;

    private readonly SamplingRule[] _rules;
    private readonly Sampler[] _samplers;
    private readonly string _description;

    /// <summary>Creates a rule sampler.</summary>
    /// <param name="rules">The rules, in order.</param>
    /// <param name="defaultRule">What to do with a span no rule matches; its conditions are ignored. Null samples everything.</param>
    public RuleBasedSampler(IEnumerable<SamplingRule> rules, SamplingRule? defaultRule = null)
    {
        ArgumentNullException.ThrowIfNull(rules);
        _rules = [.. rules];
        if (_rules.Length > MaxRules)
        {
            throw new ArgumentException($"At most {MaxRules} rules.", nameof(rules));
        }

        foreach (var rule in _rules)
        {
            ArgumentNullException.ThrowIfNull(rule, nameof(rules));
            rule.Validate();
        }

        DefaultRule = defaultRule is null ? new SamplingRule() : new SamplingRule { Ratio = defaultRule.Ratio, SpansPerSecond = defaultRule.SpansPerSecond };
        DefaultRule.Validate();
        _samplers = [.. _rules.Select(r => r.CreateSampler())];
        Default = DefaultRule.CreateSampler();
        _description = "RuleBased{" + string.Join(";", _rules.Select(r => r.ToString()).Append("default" + DefaultRule.ToString())) + "}";
    }

    /// <summary>The rules, in order.</summary>
    public IReadOnlyList<SamplingRule> Rules => _rules;

    /// <summary>The default: what happens to a span no rule matches.</summary>
    public SamplingRule DefaultRule { get; }

    internal Sampler Default { get; }

    /// <summary>Parses the text form (see the remarks of <see cref="RuleBasedSampler"/>).</summary>
    /// <param name="text">The rules.</param>
    /// <exception cref="FormatException">The text breaks the grammar; the message says where.</exception>
    public static RuleBasedSampler Parse(string text)
        => TryParse(text, out var sampler, out string? error) ? sampler : throw new FormatException(error);

    /// <summary>Parses the text form; never throws.</summary>
    /// <param name="text">The rules.</param>
    /// <param name="sampler">The sampler, or null.</param>
    /// <param name="error">What is wrong with the text, or null.</param>
    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RuleBasedSampler? sampler, out string? error)
    {
        sampler = null;
        error = null;
        if (text is null)
        {
            error = "No rules.";
            return false;
        }

        if (text.Length > MaxTextLength)
        {
            error = $"The rules are longer than {MaxTextLength} characters.";
            return false;
        }

        var rules = new List<SamplingRule>();
        SamplingRule? fallback = null;
        foreach (var rawRule in text.Split(';'))
        {
            string ruleText = rawRule.Trim();
            if (ruleText.Length == 0)
            {
                continue;
            }

            if (fallback is not null)
            {
                error = $"Rule '{ruleText}' follows the default rule.";
                return false;
            }

            int arrow = ruleText.IndexOf("=>", StringComparison.Ordinal);
            if (arrow < 0)
            {
                error = $"Rule '{ruleText}' has no '=>' before its action.";
                return false;
            }

            string conditions = ruleText[..arrow].Trim();
            if (!TryParseAction(ruleText[(arrow + 2)..].Trim(), out double? ratio, out double? rate, out error))
            {
                return false;
            }

            if (conditions.Length == 0 || conditions == "*" || conditions.Equals("default", StringComparison.OrdinalIgnoreCase))
            {
                fallback = new SamplingRule { Ratio = ratio, SpansPerSecond = rate };
                continue;
            }

            if (!TryParseConditions(conditions, ratio, rate, out var rule, out error))
            {
                return false;
            }

            if (rules.Count == MaxRules)
            {
                error = $"More than {MaxRules} rules.";
                return false;
            }

            rules.Add(rule);
        }

        sampler = new RuleBasedSampler(rules, fallback);
        return true;
    }

    private static bool TryParseConditions(string text, double? ratio, double? rate, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SamplingRule? rule, out string? error)
    {
        rule = null;
        error = null;
        string? method = null, path = null, route = null, name = null;
        SpanKind? kind = null;
        var attributes = new List<KeyValuePair<string, string>>();
        foreach (var raw in text.Split(','))
        {
            string item = raw.Trim();
            int eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || eq == item.Length - 1)
            {
                error = $"Condition '{item}' is not name=value.";
                return false;
            }

            string key = item[..eq].Trim();
            string value = item[(eq + 1)..].Trim();
            if (value.Length == 0)
            {
                error = $"Condition '{item}' has an empty value.";
                return false;
            }

            switch (key.ToLowerInvariant())
            {
                case "method": method = value; break;
                case "path": path = value; break;
                case "route": route = value; break;
                case "name": name = value; break;
                case "kind":
                    if (!Enum.TryParse(value, ignoreCase: true, out SpanKind k) || !Enum.IsDefined(k) || int.TryParse(value, out _))
                    {
                        error = $"Unknown span kind '{value}'.";
                        return false;
                    }

                    kind = k;
                    break;
                default:
                    if (key.StartsWith("attr.", StringComparison.OrdinalIgnoreCase) && key.Length > 5)
                    {
                        attributes.Add(new(key[5..], value));
                        break;
                    }

                    error = $"Unknown condition '{key}' (expected method, path, route, name, kind or attr.<key>).";
                    return false;
            }
        }

        rule = new SamplingRule { Method = method, Path = path, Route = route, SpanName = name, Kind = kind, Attributes = attributes, Ratio = ratio, SpansPerSecond = rate };
        return true;
    }

    private static bool TryParseAction(string text, out double? ratio, out double? rate, out string? error)
    {
        ratio = null;
        rate = null;
        error = null;
        foreach (var raw in text.Split('+'))
        {
            string part = raw.Trim();
            switch (part.ToLowerInvariant())
            {
                case "drop":
                case "off":
                    ratio = 0;
                    continue;
                case "always":
                case "on":
                case "sample":
                    ratio = 1;
                    continue;
            }

            int colon = part.IndexOf(':', StringComparison.Ordinal);
            string verb = colon < 0 ? part : part[..colon].Trim().ToLowerInvariant();
            string number = colon < 0 ? string.Empty : part[(colon + 1)..].Trim();
            if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
            {
                error = $"Action '{part}' is not drop, always, ratio:<0..1> or rate:<spans a second>.";
                return false;
            }

            if (verb == "ratio" && value is >= 0 and <= 1 && ratio is null)
            {
                ratio = value;
            }
            else if (verb == "rate" && value >= 0 && rate is null)
            {
                rate = value;
            }
            else
            {
                error = $"Action '{part}' is not drop, always, ratio:<0..1> or rate:<spans a second>.";
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc/>
    public override SamplingResult ShouldSample(in SamplingParameters parameters)
    {
        var rules = _rules;
        for (int i = 0; i < rules.Length; i++)
        {
            if (rules[i].Matches(parameters, out bool routeUnknown))
            {
                return _samplers[i].ShouldSample(parameters);
            }

            if (routeUnknown)
            {
                // The earlier rules did not match; this one might once the route is known, so no later rule may decide yet.
                return SamplingResult.Deferred;
            }
        }

        return Default.ShouldSample(parameters);
    }

    /// <inheritdoc/>
    public override string Description => _description;
}

using System;
using System.Collections.Generic;
using System.Linq;
using Tracing.Sdk.Sampling;
using Xunit;

namespace Tracing.Sdk.Tests.Sampling;

public class RuleBasedSamplerTests
{
    private static SamplingResult Decide(Sampler sampler, SpanKind kind, string? method = null, string? path = null, string? route = null, string name = "op", KeyValue? extra = null, TraceId traceId = default)
    {
        var attributes = new List<KeyValue>();
        if (method is not null)
        {
            attributes.Add(new("http.request.method", method));
        }

        if (path is not null)
        {
            attributes.Add(new("url.path", path));
        }

        if (route is not null)
        {
            attributes.Add(new("http.route", route));
        }

        if (extra is { } e)
        {
            attributes.Add(e);
        }

        var id = traceId.IsValid ? traceId : IdGenerator.Random.NewTraceId();
        return sampler.ShouldSample(new SamplingParameters(default, id, name, kind, attributes.ToArray()));
    }

    [Fact]
    public void Parse_ReadsEveryConditionAndAction()
    {
        var sampler = RuleBasedSampler.Parse(" path=/health* => drop ; method=GET|head, route=/orders/{id} => ratio:0.1 ; kind=client,attr.tenant=acme=>rate:5; name=GET /api/*=>ratio:0.5+rate:100; default => ratio:0.25 ");
        Assert.Equal(4, sampler.Rules.Count);
        Assert.Equal("/health*", sampler.Rules[0].Path);
        Assert.Equal(0, sampler.Rules[0].Ratio);
        Assert.Equal("GET|head", sampler.Rules[1].Method);
        Assert.Equal("/orders/{id}", sampler.Rules[1].Route);
        Assert.Equal(0.1, sampler.Rules[1].Ratio);
        Assert.Equal(SpanKind.Client, sampler.Rules[2].Kind);
        Assert.Equal(new KeyValuePair<string, string>("tenant", "acme"), sampler.Rules[2].Attributes.Single());
        Assert.Equal(5, sampler.Rules[2].SpansPerSecond);
        Assert.Equal("GET /api/*", sampler.Rules[3].SpanName);
        Assert.Equal(0.5, sampler.Rules[3].Ratio);
        Assert.Equal(100, sampler.Rules[3].SpansPerSecond);
        Assert.Equal(0.25, sampler.DefaultRule.Ratio);
    }

    [Fact]
    public void Description_IsTheCanonicalText_AndParsesBackToTheSameSampler()
    {
        var sampler = RuleBasedSampler.Parse("path=/health*=>drop;method=GET,route=/orders/{id}=>ratio:0.1;=>ratio:0.5");
        Assert.Equal("RuleBased{path=/health*=>drop;method=GET,route=/orders/{id}=>ratio:0.1;default=>ratio:0.5}", sampler.Description);
        string text = sampler.Description["RuleBased{".Length..^1];
        Assert.Equal(sampler.Description, RuleBasedSampler.Parse(text).Description);
    }

    [Theory]
    [InlineData("=>")]
    [InlineData("path=/x")]
    [InlineData("path=/x=>")]
    [InlineData("path=>drop")]
    [InlineData("path= =>drop")]
    [InlineData("=/x=>drop")]
    [InlineData("color=red=>drop")]
    [InlineData("attr.=x=>drop")]
    [InlineData("path=/x=>ratio:2")]
    [InlineData("path=/x=>ratio:-0.1")]
    [InlineData("=>ratio:NaN")]
    [InlineData("=>ratio:Infinity")]
    [InlineData("=>rate:-1")]
    [InlineData("=>rate:1e400")]
    [InlineData("=>ratio:")]
    [InlineData("=>ratio:0.5+ratio:0.2")]
    [InlineData("=>sometimes")]
    [InlineData("=>ratio:0.5;path=/x=>drop")]
    [InlineData("kind=9=>drop")]
    [InlineData("kind=sideways=>drop")]
    [InlineData("path=/x,,=>drop")]
    [InlineData("\0=>\0")]
    [InlineData("path=/x=>ratio:0,5")]
    public void TryParse_RejectsHostileText_WithoutThrowing(string text)
    {
        Assert.False(RuleBasedSampler.TryParse(text, out var sampler, out string? error));
        Assert.Null(sampler);
        Assert.False(string.IsNullOrEmpty(error));
        Assert.Throws<FormatException>(() => RuleBasedSampler.Parse(text));
    }

    [Fact]
    public void TryParse_RejectsOversizedInput()
    {
        Assert.False(RuleBasedSampler.TryParse(new string('a', RuleBasedSampler.MaxTextLength + 1), out _, out _));
        string many = string.Join(";", Enumerable.Range(0, RuleBasedSampler.MaxRules + 1).Select(i => $"path=/p{i}=>drop"));
        Assert.False(RuleBasedSampler.TryParse(many, out _, out string? error));
        Assert.Contains("256", error);
        Assert.False(RuleBasedSampler.TryParse(null, out _, out _));
    }

    [Fact]
    public void TryParse_OfRandomText_NeverThrows()
    {
        var random = new Random(15);
        const string alphabet = "=>;,:|.*/{}ab pathroutemethodkindattr.ratiorate01.5-eE\0\u00e9";
        for (int i = 0; i < 20_000; i++)
        {
            var chars = new char[random.Next(0, 60)];
            for (int c = 0; c < chars.Length; c++)
            {
                chars[c] = alphabet[random.Next(alphabet.Length)];
            }

            if (RuleBasedSampler.TryParse(new string(chars), out var sampler, out _))
            {
                _ = Decide(sampler, SpanKind.Server, "GET", "/a", null);
                _ = Decide(sampler, SpanKind.Server, "GET", "/a", "/a");
            }
        }
    }

    [Fact]
    public void ExcludedPaths_AreDroppedBeforeAnyRatioApplies()
    {
        var sampler = RuleBasedSampler.Parse("path=/health*=>drop;path=/ready=>drop;=>ratio:0.5");
        int health = 0, other = 0;
        for (int i = 0; i < 20_000; i++)
        {
            if (Decide(sampler, SpanKind.Server, "GET", i % 2 == 0 ? "/health/live" : "/ready").Decision != SamplingDecision.Drop)
            {
                health++;
            }

            if (Decide(sampler, SpanKind.Server, "GET", "/orders").Decision == SamplingDecision.RecordAndSample)
            {
                other++;
            }
        }

        Assert.Equal(0, health);
        Assert.InRange(other / 20_000.0, 0.48, 0.52);
    }

    [Fact]
    public void MethodKindAndAttributeConditions_AllMustHold()
    {
        var sampler = RuleBasedSampler.Parse("method=POST|PUT,kind=server,attr.tenant=acme,attr.retry=3=>always;=>drop");
        var acme = new KeyValue("tenant", "acme");
        Assert.Equal(SamplingDecision.Drop, Decide(sampler, SpanKind.Server, "POST", "/x", extra: acme).Decision); // retry missing
        var both = new RuleBasedSampler([new SamplingRule { Method = "post", Kind = SpanKind.Server, Attributes = [new("tenant", "acme")], Ratio = 1 }], new SamplingRule { Ratio = 0 });
        Assert.Equal(SamplingDecision.RecordAndSample, Decide(both, SpanKind.Server, "POST", "/x", extra: acme).Decision);
        Assert.Equal(SamplingDecision.Drop, Decide(both, SpanKind.Client, "POST", "/x", extra: acme).Decision);
        Assert.Equal(SamplingDecision.Drop, Decide(both, SpanKind.Server, "GET", "/x", extra: acme).Decision);
        Assert.Equal(SamplingDecision.Drop, Decide(both, SpanKind.Server, "POST", "/x", extra: new KeyValue("tenant", "other")).Decision);

        var numeric = RuleBasedSampler.Parse("attr.retry=3=>always;=>drop");
        Assert.Equal(SamplingDecision.RecordAndSample, Decide(numeric, SpanKind.Internal, extra: new KeyValue("retry", 3)).Decision);
        Assert.Equal(SamplingDecision.Drop, Decide(numeric, SpanKind.Internal, extra: new KeyValue("retry", 4)).Decision);
    }

    [Fact]
    public void RouteRule_DefersAServerSpanUntilTheRouteIsKnown_ThenMatchesIt()
    {
        var sampler = RuleBasedSampler.Parse("path=/health=>drop;method=GET,route=/orders/{id}=>always;=>drop");

        // The health rule needs no route: decided at once.
        Assert.False(Decide(sampler, SpanKind.Server, "GET", "/health").IsDeferred);

        var early = Decide(sampler, SpanKind.Server, "GET", "/orders/7");
        Assert.True(early.IsDeferred);
        Assert.Equal(SamplingDecision.RecordOnly, early.Decision);

        Assert.Equal(SamplingDecision.RecordAndSample, Decide(sampler, SpanKind.Server, "GET", "/orders/7", "/orders/{id}").Decision);
        Assert.Equal(SamplingDecision.Drop, Decide(sampler, SpanKind.Server, "POST", "/orders/7", "/orders/{id}").Decision);
        Assert.Equal(SamplingDecision.Drop, Decide(sampler, SpanKind.Server, "GET", "/nothing", string.Empty).Decision); // no endpoint matched

        // A non-server span never learns a route: the rule simply does not match.
        Assert.False(Decide(sampler, SpanKind.Client, "GET", "/orders/7").IsDeferred);
    }

    [Fact]
    public void RateRule_LimitsItsOwnSpans()
    {
        var sampler = RuleBasedSampler.Parse("path=/busy=>rate:0;path=/some=>rate:1000;=>always");
        Assert.Equal(SamplingDecision.Drop, Decide(sampler, SpanKind.Server, "GET", "/busy").Decision);
        Assert.Equal(SamplingDecision.RecordAndSample, Decide(sampler, SpanKind.Server, "GET", "/some").Decision);
        Assert.Equal(SamplingDecision.RecordAndSample, Decide(sampler, SpanKind.Server, "GET", "/other").Decision);
    }

    [Fact]
    public void EnvironmentNames_BuildTheRuleSampler_AndBadRulesFallBackToTheDefault()
    {
        var settings = new Dictionary<string, string?> { ["OTEL_TRACES_SAMPLER"] = "parentbased_rules", ["OTEL_TRACES_SAMPLER_ARG"] = "path=/health=>drop;=>ratio:0.5" };
        var sampler = Sampler.FromSettings(n => settings.GetValueOrDefault(n));
        Assert.StartsWith("ParentBased{root:RuleBased{path=/health=>drop;default=>ratio:0.5}", sampler!.Description);

        settings["OTEL_TRACES_SAMPLER_ARG"] = "path=/health=>sometimes";
        Assert.Equal(Sampler.ParentBased(Sampler.AlwaysOn).Description, Sampler.FromSettings(n => settings.GetValueOrDefault(n))!.Description);
    }

    [Fact]
    public void DeferredSpan_IsRecordedButNotExported_UntilTheLateDecisionSaysSample()
    {
        using var pipeline = new TestPipeline(b => b.SetSampler(Sampler.ParentBased(RuleBasedSampler.Parse("route=/orders/{id}=>always;=>drop"))));
        using var yes = new System.Diagnostics.Activity("yes").Start();
        var span = Tracing.Sdk.Activities.ActivitySpans.StartSpan(pipeline.Tracer, yes, "GET", SpanKind.Server, default, [new("http.request.method", "GET"), new("url.path", "/orders/1")]);
        Assert.True(span.IsRecording);
        Assert.False(span.Context.IsSampled);
        var promoted = Tracing.Sdk.Activities.ActivitySpans.CompleteSampling(yes, "GET /orders/{id}", [new("http.request.method", "GET"), new("url.path", "/orders/1"), new("http.route", "/orders/{id}")]);
        Assert.True(promoted.Context.IsSampled);
        Assert.True(Tracing.Sdk.Activities.ActivitySpans.TryGetSpan(yes, out var tied) && tied.Context.IsSampled);
        Assert.True(yes.Recorded);
        var child = pipeline.Tracer.StartSpan("child");
        Assert.True(child.Context.IsSampled);
        child.End();
        promoted.End();
        yes.Stop();

        using var no = new System.Diagnostics.Activity("no").Start();
        var other = Tracing.Sdk.Activities.ActivitySpans.StartSpan(pipeline.Tracer, no, "GET", SpanKind.Server, default, [new("url.path", "/other")]);
        var after = Tracing.Sdk.Activities.ActivitySpans.CompleteSampling(no, "GET /other", [new("url.path", "/other"), new("http.route", "/other")]);
        Assert.False(after.Context.IsSampled);
        after.End();
        no.Stop();

        Assert.Equal(["child", "GET"], pipeline.Snapshot().Select(s => s.Name).ToArray());
    }
}

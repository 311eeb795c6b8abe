using System.Linq;
using Tracing.Sdk.Propagation;
using Xunit;

namespace Tracing.Sdk.Tests.Propagation;

public class BaggagePropagatorTests
{
    private static readonly BaggagePropagator s_propagator = BaggagePropagator.Instance;

    private static Baggage? Extract(string header) =>
        s_propagator.Extract(default, Carrier.Of(("baggage", header)), Carrier.Get).Baggage;

    private static string? Inject(Baggage baggage)
    {
        var carrier = Carrier.Of();
        s_propagator.Inject(new PropagationContext(default, baggage), carrier, Carrier.Set);
        return carrier.TryGetValue("baggage", out var v) ? v : null;
    }

    [Fact]
    public void Extract_ReadsTheSpecExample()
    {
        var baggage = Extract("key1=value1;property1;property2, key2 = value2, key3=value3; propertyKey=propertyValue")!;

        Assert.Equal(3, baggage.Count);
        Assert.Equal(new BaggageMember("key1", "value1", "property1;property2"), baggage.Members[0]);
        Assert.Equal(new BaggageMember("key2", "value2"), baggage.Members[1]);
        Assert.Equal(new BaggageMember("key3", "value3", "propertyKey=propertyValue"), baggage.Members[2]);
    }

    [Fact]
    public void Extract_PercentDecodesValues()
    {
        var baggage = Extract("userId=alice,serverNode=DF%2028,isProduction=false,name=J%C3%BCrgen%2C%20%25")!;

        Assert.Equal("DF 28", baggage.GetValue("serverNode"));
        Assert.Equal("Jürgen, %", baggage.GetValue("name"));
    }

    [Theory]
    [InlineData("a=1,b=%FF%FE,c=3")] // not UTF-8
    [InlineData("a=1,b=%C3,c=3")] // truncated UTF-8 sequence
    [InlineData("a=1,b=%ZZ,c=3")] // malformed escape
    [InlineData("a=1,b=x%2,c=3")]
    [InlineData("a=1,b=x y,c=3")] // space inside a value
    [InlineData("a=1,b=\"q\",c=3")]
    [InlineData("a=1,b c=2,c=3")] // key is not a token
    [InlineData("a=1,=2,c=3")]
    [InlineData("a=1,b,c=3")]
    [InlineData("a=1,b=é,c=3")]
    [InlineData("a=1,b=2;bad prop,c=3")]
    [InlineData("a=1,b=2;;,c=3")]
    public void Extract_SkipsAnInvalidMember_AndKeepsTheValidOnes(string header)
    {
        var baggage = Extract(header)!;

        Assert.Equal(["a", "c"], baggage.Members.ToArray().Select(m => m.Name));
        Assert.Equal("1", baggage.GetValue("a"));
        Assert.Equal("3", baggage.GetValue("c"));
    }

    [Fact]
    public void Extract_KeepsTheLastValueOfARepeatedName()
    {
        var baggage = Extract("a=1,b=2,a=3")!;

        Assert.Equal(2, baggage.Count);
        Assert.Equal("3", baggage.GetValue("a"));
    }

    [Fact]
    public void Extract_MergesIntoTheIncomingBaggage()
    {
        var earlier = Baggage.Empty.SetItem("a", "old").SetItem("z", "kept");
        var ctx = new PropagationContext(new SpanContext(new TraceId(1, 1), new SpanId(1), TraceFlags.None), earlier);

        var result = s_propagator.Extract(ctx, Carrier.Of(("baggage", "a=new,b=2")), Carrier.Get);

        Assert.Equal(ctx.SpanContext, result.SpanContext);
        Assert.Equal("new", result.Baggage!.GetValue("a"));
        Assert.Equal("kept", result.Baggage.GetValue("z"));
        Assert.Equal("2", result.Baggage.GetValue("b"));
    }

    [Fact]
    public void Extract_KeepsAtMost64Members()
    {
        var header = string.Join(",", Enumerable.Range(0, 10_000).Select(i => $"k{i}=v{i}"));

        var baggage = Extract(header)!;

        Assert.Equal(64, baggage.Count);
        Assert.Equal("v63", baggage.GetValue("k63"));
    }

    [Fact]
    public void Extract_ReadsNoMoreThan8192Characters_AndDropsTheMemberCutThere()
    {
        string filler = new('x', 8000);
        var header = $"a={filler},b=1,c={new string('y', 500)},d=2";

        var baggage = Extract(header)!;

        Assert.Equal(2, baggage.Count);
        Assert.Equal("1", baggage.GetValue("b"));
        Assert.Null(baggage.GetValue("c"));
    }

    [Fact]
    public void Extract_ReturnsTheContextUnchanged_WhenNoMemberIsValid()
    {
        Assert.Null(Extract(",,;,=,"));
    }

    [Fact]
    public void Inject_PercentEncodesOutsideBaggageOctets()
    {
        var header = Inject(Baggage.Empty.SetItem("name", "Jürgen, 100% \"ok\";\\").SetItem("plain", "a-b_c/d:e?f=g"));

        Assert.Equal("name=J%C3%BCrgen%2C%20100%25%20%22ok%22%3B%5C,plain=a-b_c/d:e?f=g", header);
    }

    [Fact]
    public void Inject_WritesMetadataVerbatim()
    {
        Assert.Equal("k=v;p1;p2=x", Inject(Baggage.Empty.SetItem("k", "v", "p1;p2=x")));
    }

    [Fact]
    public void Inject_SkipsMembersWhoseNameIsNotAToken()
    {
        Assert.Equal("ok=1", Inject(Baggage.Empty.SetItem("bad name", "x").SetItem("ok", "1")));
    }

    [Fact]
    public void Inject_StopsAt8192Characters_DroppingWholeMembers()
    {
        var baggage = Baggage.Empty.SetItem("a", new string('x', 5000)).SetItem("b", new string('y', 5000)).SetItem("c", "small");

        var header = Inject(baggage)!;

        Assert.Equal("a=" + new string('x', 5000) + ",c=small", header);
    }

    [Fact]
    public void Inject_WritesNothing_ForEmptyBaggage()
    {
        Assert.Null(Inject(Baggage.Empty));
    }

    [Fact]
    public void ExtractOfInject_RoundTripsAnyValue()
    {
        var baggage = Baggage.Empty.SetItem("k1", "héllo wörld ✓ 😀").SetItem("k2", "%41,;=\"\\").SetItem("k3", string.Empty, "p=1");

        var back = Extract(Inject(baggage)!)!;

        Assert.Equal(baggage.Members.ToArray(), back.Members.ToArray());
    }
}

using System.Threading.Tasks;
using Xunit;

namespace Tracing.Sdk.Tests.Core;

public class BaggageTests
{
    [Fact]
    public void SetItem_ReturnsANewBaggageAndKeepsTheOld()
    {
        var a = Baggage.Empty.SetItem("user", "alice", "prop=1");
        var b = a.SetItem("user", "bob");
        Assert.Equal("alice", a.GetValue("user"));
        Assert.Equal("bob", b.GetValue("user"));
        Assert.Equal("prop=1", a.Members[0].Metadata);
        Assert.Equal(0, b.RemoveItem("user").Count);
        Assert.Same(b, b.RemoveItem("missing"));
    }

    [Fact]
    public void SetItem_IgnoresMembersBeyondTheLimit()
    {
        var baggage = Baggage.Empty;
        for (int i = 0; i < 100; i++)
        {
            baggage = baggage.SetItem("k" + i, "v");
        }

        Assert.Equal(Baggage.MaxMembers, baggage.Count);
        Assert.Null(baggage.GetValue("k64"));
    }

    [Fact]
    public async Task Current_FlowsAcrossAwaitAndIsIsolatedPerFlow()
    {
        Baggage.Current = Baggage.Empty.SetItem("tenant", "a");
        await Task.Yield();
        Assert.Equal("a", Baggage.Current.GetValue("tenant"));
        await Task.Run(() =>
        {
            Assert.Equal("a", Baggage.Current.GetValue("tenant"));
            Baggage.Current = Baggage.Current.SetItem("tenant", "b");
        });
        Assert.Equal("a", Baggage.Current.GetValue("tenant"));
        Baggage.Current = Baggage.Empty;
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Threading.Tasks;
using System.Xml.Linq;
using Xunit;

namespace Tracing.Sdk.Packaging.Tests;

/// <summary>The packed libraries carry their metadata, and a fresh console app runs on them.</summary>
[Collection(PackedFeed.Collection)]
public sealed class PackagingTests
{
    private readonly PackedFeed _feed;

    public PackagingTests(PackedFeed feed) => _feed = feed;

    [Fact]
    public async Task PackedLibraries_HaveMetadata_AndAFreshAppRunsOnThem()
    {
        Assert.Contains("Tracing.Sdk", _feed.Libraries);
        foreach (var lib in _feed.Libraries)
        {
            string nupkg = Path.Combine(_feed.Feed, $"{lib}.{_feed.Version}.nupkg");
            Assert.True(File.Exists(nupkg), $"missing {nupkg}");
            Assert.True(File.Exists(Path.Combine(_feed.Feed, $"{lib}.{_feed.Version}.snupkg")), $"missing symbols for {lib}");
            using var zip = ZipFile.OpenRead(nupkg);
            var names = zip.Entries.Select(e => e.FullName).ToList();
            Assert.Contains($"lib/net10.0/{lib}.dll", names);
            Assert.Contains($"lib/net10.0/{lib}.xml", names);
            Assert.Contains("README.md", names);

            var nuspecEntry = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
            using var stream = nuspecEntry.Open();
            var nuspec = XDocument.Load(stream);
            XNamespace ns = nuspec.Root!.Name.Namespace;
            var metadata = nuspec.Root.Element(ns + "metadata")!;
            Assert.Equal(lib, metadata.Element(ns + "id")!.Value);
            Assert.False(string.IsNullOrWhiteSpace(metadata.Element(ns + "description")!.Value));
            Assert.Equal("Apache-2.0", metadata.Element(ns + "license")!.Value);
            Assert.Equal("README.md", metadata.Element(ns + "readme")!.Value);
            Assert.NotNull(metadata.Element(ns + "repository"));
        }

        // Only `using Tracing.Sdk;`: every builder extension lives in that namespace.
        string app = _feed.WriteApp("App", "Microsoft.NET.Sdk", ["Tracing.Sdk"], new Dictionary<string, string>
        {
            ["Program.cs"] = """
                using Tracing.Sdk;

                using var provider = new TracerProviderBuilder().SetServiceName("packaged-app").AddConsoleExporter().Build();
                var tracer = provider.GetTracer("PackagedApp");
                using (var root = tracer.StartActiveSpan("packaged root"))
                {
                    using var child = tracer.StartSpan("packaged child");
                    child.SetAttribute("http.request.method", "GET");
                }
                """,
        });
        var (runCode, runOutput) = await DotnetCli.RunAsync(app, PackedFeed.Generous, "run", "-c", "Release");
        Assert.True(runCode == 0, $"the packaged app failed:\n{runOutput}");
        Assert.Contains("packaged-app", runOutput);
        Assert.Contains("packaged root", runOutput);
        Assert.Contains("└─packaged child", runOutput);
        Assert.Contains("http.request.method=GET", runOutput);
    }
}

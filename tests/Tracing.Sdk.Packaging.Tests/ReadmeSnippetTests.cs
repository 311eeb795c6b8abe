using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Xunit;

namespace Tracing.Sdk.Packaging.Tests;

/// <summary>
/// Every <c>```csharp</c> block of README.md compiles, as pasted, against the packed packages. The harness, stated
/// once: each block becomes its own application (implicit usings on, warnings as errors) referencing every packed
/// package. A block that is a whole program (it starts with a <c>using</c> directive) is a console app's Program.cs
/// (<c>Microsoft.NET.Sdk</c>) as it stands, and is run; any other block is a statement snippet of an ASP.NET Core
/// Program.cs (<c>Microsoft.NET.Sdk.Web</c>), so it is placed after <c>using Tracing.Sdk;</c> (the only using added)
/// and <c>var builder = WebApplication.CreateBuilder(args);</c> (the line such a snippet presupposes), and built.
/// </summary>
[Collection(PackedFeed.Collection)]
public sealed partial class ReadmeSnippetTests
{
    private readonly PackedFeed _feed;

    public ReadmeSnippetTests(PackedFeed feed) => _feed = feed;

    [Fact]
    public async Task EveryCSharpBlockOfTheReadme_CompilesAgainstThePackedPackages()
    {
        string readme = File.ReadAllText(Path.Combine(DotnetCli.RepositoryRoot(), "README.md"));
        var blocks = CSharpBlock().Matches(readme).Select(m => m.Groups["code"].Value).ToList();
        Assert.True(blocks.Count >= 2, $"expected the quick start's two C# blocks, found {blocks.Count}");

        var outputs = new List<string>();
        for (int i = 0; i < blocks.Count; i++)
        {
            string block = blocks[i];
            bool wholeProgram = block.TrimStart().StartsWith("using ", StringComparison.Ordinal);
            string program = wholeProgram
                ? block
                : "using Tracing.Sdk;\n\nvar builder = WebApplication.CreateBuilder(args);\n\n// README block:\n" + block;
            string sdk = wholeProgram ? "Microsoft.NET.Sdk" : "Microsoft.NET.Sdk.Web";
            string app = _feed.WriteApp("Readme" + i, sdk, _feed.Libraries, new Dictionary<string, string> { ["Program.cs"] = program });
            var (code, output) = await DotnetCli.RunAsync(app, PackedFeed.Generous, wholeProgram ? "run" : "build", "-c", "Release");
            Assert.True(code == 0, $"README C# block {i + 1} does not {(wholeProgram ? "run" : "build")} as pasted:\n{block}\n{output}");
            if (wholeProgram)
            {
                outputs.Add(output);
            }
        }

        // The quick start prints what it set: its attribute and its event appear in the console exporter's waterfall.
        string quickStart = Assert.Single(outputs, o => o.Contains("handle order", StringComparison.Ordinal));
        Assert.Contains("order.items=3", quickStart);
        Assert.Contains("cache miss", quickStart);
    }

    [GeneratedRegex(@"^```csharp[ \t]*\r?\n(?<code>.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();
}

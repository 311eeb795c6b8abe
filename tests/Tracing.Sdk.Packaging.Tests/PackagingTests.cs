using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Threading.Tasks;
using System.Xml.Linq;
using Xunit;

namespace Tracing.Sdk.Packaging.Tests;

/// <summary>
/// Packs every library under src/ into a local folder feed, then builds and runs a fresh console app that references
/// the packages by id and version (not by project), exactly as a user's application would.
/// </summary>
public sealed class PackagingTests : IDisposable
{
    private static readonly TimeSpan Generous = TimeSpan.FromMinutes(5);
    private readonly string _work = Path.Combine(Path.GetTempPath(), "tracing-sdk-pack-" + Guid.NewGuid().ToString("N"));

    public PackagingTests() => Directory.CreateDirectory(_work);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task PackedLibraries_HaveMetadata_AndAFreshAppRunsOnThem()
    {
        string root = DotnetCli.RepositoryRoot();
        string feed = Path.Combine(_work, "feed");
        // A version no cache has seen, so the app's restore must come from this feed.
        string version = "0.0.1-packtest." + DateTime.UtcNow.ToString("yyyyMMddHHmmss") + "." + Environment.ProcessId;

        var libraries = Directory.GetDirectories(Path.Combine(root, "src")).Select(Path.GetFileName).ToList();
        Assert.Contains("Tracing.Sdk", libraries);
        foreach (var lib in libraries)
        {
            var (code, output) = await DotnetCli.RunAsync(root, Generous,
                "pack", Path.Combine("src", lib!, lib + ".csproj"), "-c", "Release", "-o", feed,
                "--artifacts-path", Path.Combine(_work, "artifacts"), "-p:Version=" + version);
            Assert.True(code == 0, $"pack {lib} failed:\n{output}");
        }

        foreach (var lib in libraries)
        {
            string nupkg = Path.Combine(feed, $"{lib}.{version}.nupkg");
            Assert.True(File.Exists(nupkg), $"missing {nupkg}");
            Assert.True(File.Exists(Path.Combine(feed, $"{lib}.{version}.snupkg")), $"missing symbols for {lib}");
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

        string app = Path.Combine(_work, "app");
        Directory.CreateDirectory(app);
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(app, "App.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <RestorePackagesPath>{Path.Combine(_work, "packages")}</RestorePackagesPath>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Tracing.Sdk" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using Tracing.Sdk;
            using Tracing.Sdk.Exporting;

            using var provider = new TracerProviderBuilder().SetServiceName("packaged-app").AddConsoleExporter().Build();
            var tracer = provider.GetTracer("PackagedApp");
            using (var root = tracer.StartActiveSpan("packaged root"))
            {
                using var child = tracer.StartSpan("packaged child");
                child.SetAttribute("http.request.method", "GET");
            }
            """);
        // Directory.Build.props of the repository must not leak into the app: it lives outside the repository tree.
        var (runCode, runOutput) = await DotnetCli.RunAsync(app, Generous, "run", "-c", "Release");
        Assert.True(runCode == 0, $"the packaged app failed:\n{runOutput}");
        Assert.Contains("packaged-app", runOutput);
        Assert.Contains("packaged root", runOutput);
        Assert.Contains("└─packaged child", runOutput);
        Assert.Contains("http.request.method=GET", runOutput);
    }
}

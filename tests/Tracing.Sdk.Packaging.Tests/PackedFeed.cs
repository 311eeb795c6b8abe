using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Tracing.Sdk.TestSupport;
using Xunit;

namespace Tracing.Sdk.Packaging.Tests;

/// <summary>
/// Packs every library under src/ once into a local folder feed, for all the tests of <see cref="Collection"/>; apps built on it
/// reference the packages by id and version (not by project), exactly as a user's application would.
/// </summary>
public sealed class PackedFeed : IAsyncLifetime
{
    /// <summary>The test collection that shares one feed (packing takes minutes).</summary>
    public const string Collection = "Packed feed";

    internal static readonly TimeSpan Generous = TestTimeouts.ChildProcess;

    public string Work { get; } = Path.Combine(Path.GetTempPath(), "tracing-sdk-pack-" + Guid.NewGuid().ToString("N"));

    public string Feed => Path.Combine(Work, "feed");

    // A version no cache has seen, so an app's restore must come from this feed.
    public string Version { get; } = "0.0.1-packtest." + DateTime.UtcNow.ToString("yyyyMMddHHmmss") + "." + Environment.ProcessId;

    public IReadOnlyList<string> Libraries { get; private set; } = [];

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Work);
        string root = DotnetCli.RepositoryRoot();
        // Every folder of src/ with a project is a package; src/Shared holds linked source, not a project.
        Libraries = Directory.GetDirectories(Path.Combine(root, "src"))
            .Where(d => File.Exists(Path.Combine(d, Path.GetFileName(d) + ".csproj")))
            .Select(d => Path.GetFileName(d)!)
            .ToList();
        foreach (var lib in Libraries)
        {
            var (code, output) = await DotnetCli.RunAsync(root, Generous,
                "pack", Path.Combine("src", lib, lib + ".csproj"), "-c", "Release", "-o", Feed,
                "--artifacts-path", Path.Combine(Work, "artifacts"), "-p:Version=" + Version);
            Assert.True(code == 0, $"pack {lib} failed:\n{output}");
        }
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(Work, recursive: true);
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Writes a fresh application outside the repository (so its Directory.Build.props cannot leak in) that restores
    /// only from the feed, with warnings as errors, and returns its folder.
    /// </summary>
    /// <param name="name">The app's folder name.</param>
    /// <param name="sdk">The project SDK, e.g. <c>Microsoft.NET.Sdk.Web</c>.</param>
    /// <param name="packages">The package ids to reference, at the packed version.</param>
    /// <param name="files">File name to content.</param>
    public string WriteApp(string name, string sdk, IEnumerable<string> packages, IReadOnlyDictionary<string, string> files)
    {
        string app = Path.Combine(Work, name);
        Directory.CreateDirectory(app);
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="local" value="{Feed}" />
              </packageSources>
            </configuration>
            """);
        string references = string.Join(Environment.NewLine, packages.Select(p => $"""    <PackageReference Include="{p}" Version="{Version}" />"""));
        File.WriteAllText(Path.Combine(app, name + ".csproj"), $"""
            <Project Sdk="{sdk}">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <RestorePackagesPath>{Path.Combine(Work, "packages")}</RestorePackagesPath>
              </PropertyGroup>
              <ItemGroup>
            {references}
              </ItemGroup>
            </Project>
            """);
        foreach (var (file, content) in files)
        {
            File.WriteAllText(Path.Combine(app, file), content);
        }

        return app;
    }
}

/// <summary>Shares one <see cref="PackedFeed"/> between the packaging test classes.</summary>
[CollectionDefinition(PackedFeed.Collection)]
public sealed class PackedFeedCollection : ICollectionFixture<PackedFeed>
{
}

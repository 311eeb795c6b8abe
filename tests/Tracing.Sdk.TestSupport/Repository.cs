using System;
using System.IO;

namespace Tracing.Sdk.TestSupport;

/// <summary>Where this repository's checkout is, found from the test assembly's location.</summary>
public static class Repository
{
    /// <summary>The folder holding <c>Tracing.Sdk.sln</c>, the first one above the running test assembly.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Tracing.Sdk.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Tracing.Sdk.sln not found above " + AppContext.BaseDirectory);
    }
}

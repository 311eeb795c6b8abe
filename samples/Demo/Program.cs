// The demo: `dotnet run --project samples/Demo` starts a small system on loopback, drives a few requests and prints
// each trace as a waterfall; `dotnet run --project samples/Demo -- serve --urls http://127.0.0.1:PORT` runs one
// instrumented service for outside checks.
using System;
using System.Threading.Tasks;

namespace Demo;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "serve")
        {
            return await ServeMode.RunAsync(args[1..]);
        }

        return await DemoSystem.RunAsync();
    }
}

#!/usr/bin/env bash
# Rebuilds Tracing.Sdk.sln from every project under src/, tests/, benchmarks/ and samples/ (conflict-proof after merges).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -f Tracing.Sdk.sln
dotnet new sln --format sln -n Tracing.Sdk >/dev/null
find src tests benchmarks samples -name '*.csproj' | sort | xargs dotnet sln Tracing.Sdk.sln add >/dev/null

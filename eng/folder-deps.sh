#!/usr/bin/env bash
# Prints the dependency graph between the folders of src/Tracing.Sdk and fails on a cycle (docs/design.md,
# "Folders depend one way"). The check is a test, so CI runs it with the rest; this runs it alone, verbosely.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet test tests/Tracing.Sdk.Tests -c "${CONFIGURATION:-Release}" \
  --filter "FullyQualifiedName~Layering.FolderDependencyTests.CoreFolders_HaveNoDependencyCycle" \
  --logger "console;verbosity=detailed"

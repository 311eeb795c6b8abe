#!/usr/bin/env bash
# Refreshes src/*/PublicAPI.Unshipped.txt from the public API analyzer's findings:
# adds every symbol RS0016 reports as undeclared and drops every line RS0017 reports as gone.
# Usage: eng/update-public-api.sh [project.csproj ...]   (default: every project under src/)
set -euo pipefail
cd "$(dirname "$0")/.."
projects=("$@")
[ ${#projects[@]} -gt 0 ] || mapfile -t projects < <(ls src/*/*.csproj)
for proj in "${projects[@]}"; do
  dir=$(dirname "$proj")
  for pass in 1 2 3; do
    out=$(dotnet build "$proj" --no-incremental -p:TreatWarningsAsErrors=false 2>&1 || true)
    add=$(printf '%s\n' "$out" | grep -E "warning RS0016|error RS0016" | grep -F "$dir/" | sed -E "s/.*Symbol '(.*)' is not part of the declared public API.*/\1/" | sort -u || true)
    del=$(printf '%s\n' "$out" | grep -E "warning RS0017|error RS0017" | grep -F "$dir/" | sed -E "s/.*Symbol '(.*)' is part of the declared API, but is either not public or could not be found.*/\1/" | sort -u || true)
    [ -z "$add" ] && [ -z "$del" ] && break
    file="$dir/PublicAPI.Unshipped.txt"
    [ -f "$file" ] || echo '#nullable enable' > "$file"
    python3 - "$file" <<PY
import sys
path=sys.argv[1]
lines=[l.rstrip('\n') for l in open(path)]
add=[l for l in """$add""".split('\n') if l]
rm=set(l for l in """$del""".split('\n') if l)
body=sorted(set(l for l in lines[1:] if l and l not in rm) | set(add))
open(path,'w').write('\n'.join([lines[0] if lines else '#nullable enable']+body)+'\n')
PY
  done
done

#!/usr/bin/env bash
# Shows how the public API of src/* differs from PublicAPI.Unshipped.txt, as the public API analyzer reports it:
# "+ symbol" for every symbol RS0016 reports as undeclared (a new public symbol), "- symbol" for every line RS0017
# reports as gone. It changes nothing unless told to: review the list (is each new symbol meant to be public? documented?
# named in the tracing vocabulary?), then re-run with --accept to write exactly those changes; the script then prints
# the resulting `git diff` of the PublicAPI files, to be committed with the code.
# Usage: eng/update-public-api.sh [--accept] [project.csproj ...]   (default: every project under src/)
# Exit status without --accept: 0 when the declared API matches, 1 when there are changes to review.
set -euo pipefail
cd "$(dirname "$0")/.."
accept=false
projects=()
for arg in "$@"; do
  case "$arg" in
    --accept) accept=true ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) projects+=("$arg") ;;
  esac
done
[ ${#projects[@]} -gt 0 ] || mapfile -t projects < <(ls src/*/*.csproj)

changes=0
for proj in "${projects[@]}"; do
  dir=$(dirname "$proj")
  file="$dir/PublicAPI.Unshipped.txt"
  # Accepting can reveal more (a type declared lets the analyzer check its members), so accept runs up to three passes.
  for pass in 1 2 3; do
    out=$(dotnet build "$proj" --no-incremental -p:TreatWarningsAsErrors=false 2>&1 || true)
    add=$(printf '%s\n' "$out" | grep -E "(warning|error) RS0016" | grep -F "$dir/" | sed -E "s/.*Symbol '(.*)' is not part of the declared public API.*/\1/" | sort -u || true)
    del=$(printf '%s\n' "$out" | grep -E "(warning|error) RS0017" | grep -F "$dir/" | sed -E "s/.*Symbol '(.*)' is part of the declared API, but is either not public or could not be found.*/\1/" | sort -u || true)
    [ -z "$add" ] && [ -z "$del" ] && break
    changes=1
    echo "== $dir (pass $pass)"
    [ -z "$add" ] || printf '%s\n' "$add" | sed 's/^/+ /'
    [ -z "$del" ] || printf '%s\n' "$del" | sed 's/^/- /'
    $accept || break
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

if [ "$changes" = 0 ]; then
  echo "The declared public API matches the code."
elif $accept; then
  git --no-pager diff -- 'src/*/PublicAPI.Unshipped.txt'
else
  echo
  echo "Nothing written. Review the symbols above; if each is meant to be public API, run: $0 --accept ${projects[*]}"
  exit 1
fi

#!/usr/bin/env bash
# Runs the official W3C Trace Context test suite (the test/ folder of github.com/w3c/trace-context) against
# `samples/Demo serve` (POST /test), once per propagator composition, at STRICT_LEVEL=2 and SPEC_LEVEL=2.
#
#   eng/w3c-trace-context-suite.sh <path to a copy of the suite> [--no-build]
#
# The path is either a checkout of w3c/trace-context or its test/ folder (the one holding test.py). The suite is not
# ours: fetch it yourself (git clone https://github.com/w3c/trace-context) and never commit it here. It needs Python 3
# and aiohttp (Debian: apt-get install -y python3-aiohttp; otherwise pip install aiohttp).
# Compositions: OTEL_PROPAGATORS=tracecontext,baggage and tracecontext,baggage,b3,jaeger (override with COMPOSITIONS,
# space separated). Exit code 0 only when every run has no failure and no error.
set -euo pipefail
cd "$(dirname "$0")/.."

suite="${1:?usage: $0 <path to w3c/trace-context or its test/ folder> [--no-build]}"
[[ -f "$suite/test.py" ]] || suite="$suite/test"
[[ -f "$suite/test.py" ]] || { echo "no test.py under $1" >&2; exit 2; }
suite="$(cd "$suite" && pwd)"
build=1
[[ "${2:-}" == "--no-build" ]] && build=0
read -r -a compositions <<< "${COMPOSITIONS:-tracecontext,baggage tracecontext,baggage,b3,jaeger}"

# The first Python with aiohttp: $PYTHON, python3 on the PATH, then the system one (where apt installs python3-aiohttp).
py=""
for candidate in ${PYTHON:-} python3 /usr/bin/python3; do
  if "$candidate" -c 'import aiohttp' 2>/dev/null; then py="$candidate"; break; fi
done
[[ -n "$py" ]] || { echo "Python 3 with aiohttp is required (apt-get install -y python3-aiohttp, or set PYTHON)" >&2; exit 2; }

if [[ $build == 1 ]]; then
  dotnet build samples/Demo -c Release -v q -nologo >/dev/null
fi
demo_dll="samples/Demo/bin/Release/net10.0/Demo.dll"
[[ -f "$demo_dll" ]] || { echo "$demo_dll not found; build samples/Demo -c Release" >&2; exit 2; }

free_port() { "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

demo_pid=""
stop_demo() {
  if [[ -n "$demo_pid" ]] && kill -0 "$demo_pid" 2>/dev/null; then
    kill "$demo_pid" 2>/dev/null || true
    wait "$demo_pid" 2>/dev/null || true
  fi
  demo_pid=""
}
trap stop_demo EXIT

logs="$(mktemp -d)"
status=0
for propagators in "${compositions[@]}"; do
  service_port="$(free_port)"
  OTEL_PROPAGATORS="$propagators" OTEL_TRACES_EXPORTER=none \
    dotnet "$demo_dll" serve --urls "http://127.0.0.1:$service_port" >"$logs/demo-$propagators.log" 2>&1 &
  demo_pid=$!

  # Wait (bounded) until the demo answers.
  for _ in $(seq 1 120); do
    if "$py" -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$service_port/health', timeout=1)" 2>/dev/null; then
      break
    fi
    kill -0 "$demo_pid" 2>/dev/null || { echo "the demo exited; see $logs/demo-$propagators.log" >&2; exit 1; }
    sleep 0.5
  done

  harness_port="$(free_port)"
  echo "== OTEL_PROPAGATORS=$propagators: service http://127.0.0.1:$service_port/test, harness 127.0.0.1:$harness_port"
  set +e
  (cd "$suite" && SERVICE_ENDPOINT="http://127.0.0.1:$service_port/test" STRICT_LEVEL=2 SPEC_LEVEL=2 \
    HARNESS_HOST=127.0.0.1 HARNESS_PORT="$harness_port" HARNESS_TIMEOUT="${HARNESS_TIMEOUT:-10}" \
    "$py" test.py) >"$logs/suite-$propagators.log" 2>&1
  rc=$?
  set -e
  stop_demo

  ran="$(grep -Eo '^Ran [0-9]+ tests?' "$logs/suite-$propagators.log" | grep -Eo '[0-9]+' || echo 0)"
  failed="$(grep -Ec '^(FAIL|ERROR):' "$logs/suite-$propagators.log" || true)"
  skipped="$(grep -Ec '\.\.\. skipped' "$logs/suite-$propagators.log" || true)"
  passed=$((ran - failed - skipped))
  echo "   ran $ran: $passed passed, $failed failed, $skipped skipped (exit $rc)"
  if [[ $rc != 0 || $failed != 0 ]]; then
    grep -E '^(FAIL|ERROR):' "$logs/suite-$propagators.log" | sed 's/^/   /'
    echo "   full output: $logs/suite-$propagators.log"
    status=1
  fi
done
echo "logs: $logs"
exit $status

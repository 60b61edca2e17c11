#!/usr/bin/env bash
# The one command that installs what the tests need and runs every test.
set -euo pipefail
cd "$(dirname "$0")"

./scripts/install-test-deps.sh

echo "==> building (Release)"
dotnet build Acd.slnx -c Release -warnaserror

echo "==> running tests"
mkdir -p artifacts/test-results
log=artifacts/test-results/dotnet-test.log
status=0
dotnet test Acd.slnx -c Release --no-build \
  --logger "trx" --logger "console;verbosity=normal" \
  --results-directory artifacts/test-results 2>&1 | tee "$log" || status=$?

# One closing line over all test projects.
passed=$(awk '/^[[:space:]]+Passed: [0-9]+/ {s += $2} END {print s + 0}' "$log")
failed=$(awk '/^[[:space:]]+Failed: [0-9]+/ {s += $2} END {print s + 0}' "$log")
skipped=$(awk '/^[[:space:]]+Skipped: [0-9]+/ {s += $2} END {print s + 0}' "$log")
# The names of failed tests again at the end, where a truncated log still shows them.
if [ "$failed" -ne 0 ]; then
  echo "failed tests:"
  grep -E '^[[:space:]]+Failed Acd\.' "$log" | sed 's/^[[:space:]]*/  /' || true
  # And why, briefly: each failure's message (the full output and stack traces are in $log and the .trx files).
  echo "why:"
  grep -E -A8 '^[[:space:]]+Failed Acd\.' "$log" | grep -v -E '^[[:space:]]+(at |Stack Trace:)' | cut -c1-300 | head -60 || true
fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$status" -eq 0 ] && { [ "$failed" -ne 0 ] || [ "$skipped" -ne 0 ] || [ "$passed" -eq 0 ]; }; then
  status=1
fi
exit "$status"

#!/usr/bin/env bash
# The one command that installs what the tests need and runs every test.
set -euo pipefail
cd "$(dirname "$0")"

./scripts/install-test-deps.sh

echo "==> building (Release)"
dotnet build Acd.slnx -c Release -warnaserror

echo "==> running tests"
mkdir -p artifacts/test-results
dotnet test Acd.slnx -c Release --no-build \
  --logger "trx" --logger "console;verbosity=normal" \
  --results-directory artifacts/test-results

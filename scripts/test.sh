#!/usr/bin/env bash
# The test command CI runs (`npm test`): type-check everything, then node's test runner over every *.test.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p tsconfig.json --noEmit
mapfile -t files < <(find src test testbed -name '*.test.ts' -not -path '*/node_modules/*' | sort)
exec node --import tsx --test --test-concurrency=2 "${files[@]}"

#!/usr/bin/env bash
# The test command CI runs (`npm test`): build dist/ (e2e tests spawn bin/rampart.js, which runs it), type-check
# everything, then node's test runner over every *.test.ts, the sources through tsx.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent typecheck
mapfile -t files < <(find src test -name '*.test.ts' -not -path '*/node_modules/*' | sort)
exec node --import ./scripts/register-tsx.js --test --test-concurrency=2 "${files[@]}"

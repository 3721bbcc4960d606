#!/usr/bin/env bash
# The test command CI runs (`npm test`): build dist/ (e2e tests spawn bin/rampart.js, which runs it), type-check
# everything, then node's test runner over every *.test.ts, the sources through tsx.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent typecheck
mapfile -t files < <(find src test testbed -name '*.test.ts' -not -path '*/node_modules/*' | sort)
# A person at a terminal reads the spec reporter; CI (and any pipe) gets TAP, which it parses.
reporter=(--test-reporter=tap)
if [ -t 1 ] && [ "${CI:-}" != "true" ]; then reporter=(--test-reporter=spec); fi
exec node --import ./scripts/register-tsx.js --test "${reporter[@]}" --test-concurrency=2 "${files[@]}"

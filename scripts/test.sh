#!/usr/bin/env bash
# Runs every test tier with node's test runner: unit and views (no kernel), then native, kernel and end-to-end
# (root; with SIXTY_REQUIRE_BPF=1 they fail instead of skipping when BPF cannot be loaded).
# One file at a time: kernel tests compare `bpftool prog list` with a baseline, so they must not overlap.
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob
files=(test/unit/*.test.ts test/views/*.test.tsx test/native/*.test.ts test/kernel/*.test.ts test/e2e/*.test.ts)
if (($# > 0)); then files=("$@"); fi
export TSX_TSCONFIG_PATH=test/tsconfig.json
# React as sixty runs it (the launcher and src/main.ts choose the production build); the choice has to be made before
# the first module loads, and a .tsx file's JSX runtime import comes before any of its own.
export NODE_ENV=production
# sixty never runs with CI set (its launcher clears it: Ink draws nothing until exit when it believes it is in CI), so
# neither do its tests.
unset CI CONTINUOUS_INTEGRATION $(compgen -e | grep '^CI_' || true)
# A test that hangs fails after this long instead of holding CI until its own limit (stretched under emulation).
timeout_ms=$((300000 * ${SIXTY_TIME_SCALE:-1}))
exec node --import tsx --test-timeout="$timeout_ms" --test --test-concurrency=1 --test-reporter=spec "${files[@]}"

#!/usr/bin/env bash
# Runs sixty's kernel tests (test/kernel/*.test.ts) in a guest booted on each Debian kernel in turn (test/kernels/run):
# 5.10, 6.1 and 6.12 by default, or the ones named (e.g. `npm run test:kernels -- 6.1`). Each guest runs every hook tier
# its kernel supports, so fentry and kprobe tiers are proven where this machine cannot run them. Exits non-zero if
# any kernel failed; a summary line per kernel at the end.
set -uo pipefail
cd "$(dirname "$0")/.."
kernels=("$@")
((${#kernels[@]})) || kernels=(5.10 6.1 6.12)
export SIXTY_REQUIRE_BPF=1
status=0
summary=()
for k in "${kernels[@]}"; do
  start=$(date +%s)
  printf '\n=== kernel %s ===\n' "$k"
  test/kernels/run "$k" -- bash scripts/test.sh test/kernel/*.test.ts
  rc=$?
  summary+=("kernel $k: $( ((rc == 0)) && echo pass || echo "FAIL (exit $rc)"), $(($(date +%s) - start)) s")
  ((rc == 0)) || status=1
done
printf '\n%s\n' "${summary[@]}"
exit "$status"

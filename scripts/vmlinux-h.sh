#!/usr/bin/env bash
# Generates vmlinux.h from the running kernel's BTF (CO-RE: the objects then load on other kernels too).
set -euo pipefail
out=$1
mkdir -p "$(dirname "$out")"
bpftool btf dump file /sys/kernel/btf/vmlinux format c >"$out.tmp"
mv "$out.tmp" "$out"

#!/usr/bin/env bash
# Compiles one CO-RE BPF program: clang -target bpf, then `bpftool gen object` (links and strips DWARF; BTF stays).
set -euo pipefail
src=$1 out=$2 gen=$3 include=$4
arch=$(uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' -e 's/ppc64le/powerpc/' -e 's/s390x/s390/')
mkdir -p "$(dirname "$out")"
clang -g -O2 -Wall -Werror -target bpf "-D__TARGET_ARCH_$arch" -I"$gen" -I"$include" -I"$(dirname "$src")" -c "$src" -o "$out.raw.o"
bpftool gen object "$out" "$out.raw.o"
rm -f "$out.raw.o"

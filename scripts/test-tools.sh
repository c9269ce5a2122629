#!/usr/bin/env bash
# Tools that only the tests need, kept out of `npm start`'s set-up: Prometheus and promtool, for the test that has a
# real Prometheus scrape sixty. Taken from Debian's prometheus package without installing it (installing it would
# start a system Prometheus on :9090): the .deb is downloaded through a private apt state folder, as libbpf's source
# is, and unpacked under build/tools. Prints the directory that holds `prometheus` and `promtool`.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf 'sixty test tools: %s\n' "$*" >&2; }
die() { printf 'sixty test tools: %s\n' "$*" >&2; exit 1; }

if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
  dirname "$(command -v prometheus)"
  exit 0
fi
TOOLS=$PWD/build/tools
BIN=$TOOLS/prometheus/usr/bin
if [[ ! -x $BIN/prometheus || ! -x $BIN/promtool ]]; then
  source scripts/private-apt.sh
  private_apt "$TOOLS/apt" deb
  mkdir -p "$TOOLS/debs"
  say "fetching Debian's prometheus package (for the Prometheus test) from $mirror"
  apt-get "${apt_opts[@]}" -qq update >/dev/null || die "apt-get update failed for $mirror"
  (cd "$TOOLS/debs" && apt-get "${apt_opts[@]}" -qq download prometheus >/dev/null) || die "could not download the prometheus package"
  deb=$(ls -t "$TOOLS"/debs/prometheus_*.deb | head -n1)
  rm -rf "$TOOLS/prometheus.tmp" && mkdir -p "$TOOLS/prometheus.tmp"
  dpkg-deb -x "$deb" "$TOOLS/prometheus.tmp"
  rm -rf "$TOOLS/prometheus" && mv "$TOOLS/prometheus.tmp" "$TOOLS/prometheus"
  [[ -x $BIN/prometheus && -x $BIN/promtool ]] || die "$deb holds no prometheus and promtool"
fi
echo "$BIN"

#!/usr/bin/env bash
# Installs what sixty's build needs and is missing (Debian packages, libbpf's source), then builds what is stale.
# Every step checks first, so a second run does nothing but say so.
set -euo pipefail
cd "$(dirname "$0")/.."
# bpftool lives in /usr/sbin, which a non-root PATH often lacks; the build's own steps need it too.
export PATH=$PATH:/usr/sbin:/sbin

LIBBPF_VERSION=1.1.2
LIBBPF_DEB_VERSION=1.1.2-0+deb12u1
LIBBPF_ORIG_SHA256=b50ab60637fb713db78aa98e6ca911ddf13c0799d498a1f6ec03ebffc7dca588
VENDOR=native/vendor
LIBBPF_DIR=$VENDOR/libbpf

say() { printf 'sixty setup: %s\n' "$*" >&2; }
die() { printf 'sixty setup: %s\n' "$*" >&2; exit 1; }

# 1. Debian packages. Each entry is "command-or-file:package".
need=()
for pair in clang:clang bpftool:bpftool /usr/include/libelf.h:libelf-dev /usr/include/elfutils/libdwfl.h:libdw-dev /usr/include/zlib.h:zlib1g-dev \
            pkg-config:pkg-config make:make g++:g++ python3:python3 tmux:tmux pgrep:procps iostat:sysstat; do
  probe=${pair%%:*} pkg=${pair#*:}
  if [[ $probe == /* ]]; then [[ -e $probe ]] || need+=("$pkg")
  else command -v "$probe" >/dev/null 2>&1 || need+=("$pkg"); fi
done
if ((${#need[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    die "missing Debian packages; install them as root: apt-get install -y ${need[*]}"
  fi
  say "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  log=$(mktemp)
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}"; } >"$log" 2>&1 ||
    { cat "$log" >&2; rm -f "$log"; die "apt-get could not install ${need[*]}"; }
  rm -f "$log"
fi

# 2. libbpf's source, from Debian's source package, through a private apt state folder
#    (the system's apt configuration is not touched). Verified against the orig tarball's checksum.
if [[ ! -f $LIBBPF_DIR/src/libbpf.c ]]; then
  source scripts/private-apt.sh
  private_apt "$PWD/$VENDOR/apt" deb-src
  mkdir -p "$VENDOR/src"
  say "fetching libbpf $LIBBPF_DEB_VERSION source from $mirror"
  apt-get "${apt_opts[@]}" -qq update >/dev/null
  (cd "$VENDOR/src" && apt-get "${apt_opts[@]}" -qq source --download-only "libbpf=$LIBBPF_DEB_VERSION" >/dev/null)
  orig=$VENDOR/src/libbpf_$LIBBPF_VERSION.orig.tar.gz
  [[ -f $orig ]] || die "apt did not deliver $orig"
  sum=$(sha256sum "$orig" | awk '{print $1}')
  [[ $sum == "$LIBBPF_ORIG_SHA256" ]] || die "checksum mismatch for $orig: $sum"
  rm -rf "$LIBBPF_DIR.tmp" && mkdir -p "$LIBBPF_DIR.tmp"
  tar -xzf "$orig" -C "$LIBBPF_DIR.tmp" --strip-components=1
  rm -rf "$LIBBPF_DIR" && mv "$LIBBPF_DIR.tmp" "$LIBBPF_DIR"
fi
# <bpf/...> headers for the BPF programs and the addon, as libbpf's `make install_headers` would lay them out.
[[ -e $VENDOR/include/bpf ]] || { mkdir -p "$VENDOR/include" && ln -s ../libbpf/src "$VENDOR/include/bpf"; }

# 3. npm dependencies (only when package.json or the lock file changed since the last install), dev ones included
#    whatever NODE_ENV says: the build needs node-gyp and tsc.
if [[ ! -d node_modules || package.json -nt node_modules/.package-lock.json ]]; then
  say "installing npm dependencies"
  if [[ -f package-lock.json ]]; then npm ci --include=dev --ignore-scripts --no-fund --no-audit >/dev/null
  else npm install --include=dev --ignore-scripts --no-fund --no-audit >/dev/null; fi
fi

# 4. The native addon and the BPF objects (native/binding.gyp; make decides what is stale), then the TypeScript.
#    gyp expands its file lists (bpf/*.bpf.c, bpf/*.h, native/src/*.cc) when it configures, not when it builds, so
#    the lists it was configured with are kept beside its Makefile: a panel added to (or removed from) bpf/
#    configures again, and the next build makes its object with no step by hand.
gyp=(npx --no-install node-gyp --directory=native)
inputs=$(cd native && ls ../bpf/*.bpf.c ../bpf/*.h src/*.cc | LC_ALL=C sort)
stamp=native/build/configured-inputs.txt
if [[ ! -f native/build/Makefile || native/binding.gyp -nt native/build/Makefile || $inputs != "$(cat "$stamp" 2>/dev/null)" ]]; then
  say "configuring the native build"
  mkdir -p native/build
  "${gyp[@]}" configure >native/build/configure.log 2>&1 || { cat native/build/configure.log >&2; die "node-gyp configure failed"; }
  printf '%s\n' "$inputs" >"$stamp"
fi
"${gyp[@]}" build -j 2 >native/build/last-build.log 2>&1 || { cat native/build/last-build.log >&2; die "native build failed"; }
# The programs', maps' and counters' names, from the objects just built, for tsc to check the TypeScript against.
node scripts/bpf-names.mjs
npx --no-install tsc -b

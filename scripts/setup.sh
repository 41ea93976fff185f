#!/usr/bin/env bash
# Installs everything sluice needs from Debian 12 + bookworm-backports.
# Idempotent and non-interactive. Usage: scripts/setup.sh [--test|--fuzz]
#   --test  also installs the test/benchmark peers (curl, nghttp2, wrk, pv, chromium, ...)
#           and libFuzzer's (scripts/test.sh fuzzes too)
#   --fuzz  also installs libFuzzer's only: clang 19, its runtime and symbolizer
set -euo pipefail

want_test=0
want_fuzz=0
[[ "${1:-}" == "--test" ]] && want_test=1 && want_fuzz=1
[[ "${1:-}" == "--fuzz" ]] && want_fuzz=1

SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive

backports=/etc/apt/sources.list.d/bookworm-backports.sources
if [[ ! -f $backports ]]; then
  $SUDO tee "$backports" >/dev/null <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  $SUDO rm -f /var/lib/apt/.sluice-updated
fi

build_pkgs=(build-essential cmake pkg-config libssl-dev libnghttp2-dev libgnutls28-dev
            node-llhttp libcli11-dev libfmt-dev zlib1g-dev libbrotli-dev libzstd-dev
            nlohmann-json3-dev clang-format
            ca-certificates git)
bp_pkgs=(libngtcp2-dev libngtcp2-crypto-gnutls-dev libnghttp3-dev catch2)
# chromium: the e2e test of `sluice bench report` checks in a headless browser that the page draws.
# python3-cryptography: the QUIC Initials of the handshake-flood test helper.
# tinyproxy: a real HTTP proxy for the get -x/--proxy tests.
# valgrind: bench-scripts/serve_h3_instructions.sh counts instructions per request.
test_pkgs=(curl nghttp2-client nghttp2-server nghttp2-proxy wrk python3 python3-cryptography pv
           procps time man-db bc chromium iproute2 tinyproxy valgrind)
# libFuzzer (the fuzz preset; test.sh fuzzes every parser briefly), and
# llvm-19's llvm-symbolizer, so a finding's stack trace names functions and lines.
# clang 19, not Debian 12's default 14: libstdc++ 12 offers std::expected
# (core's Result) only to compilers whose __cpp_concepts is C++20's, which
# clang reports from 19 on.
fuzz_pkgs=(clang-19 libclang-rt-19-dev llvm-19)
# ngtcp2's example client and server (gtlsclient, gtlsserver), built on the
# same ngtcp2 1.11 as the module. The e2e tests also pass with Debian 12's 0.12.
test_bp_pkgs=(ngtcp2-client ngtcp2-server)

missing() { # prints the packages of "$@" that are not installed
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}

need=($(missing "${build_pkgs[@]}"))
need_bp=($(missing "${bp_pkgs[@]}"))
need_test=()
need_test_bp=()
((want_test)) && need_test=($(missing "${test_pkgs[@]}"))
((want_fuzz)) && need_test+=($(missing "${fuzz_pkgs[@]}"))
((want_test)) && need_test_bp=($(missing "${test_bp_pkgs[@]}"))

if ((${#need[@]} + ${#need_bp[@]} + ${#need_test[@]} + ${#need_test_bp[@]})); then
  if [[ ! -f /var/lib/apt/.sluice-updated ]] || ! apt-cache policy catch2 | grep -q backports; then
    $SUDO apt-get update -qq
    $SUDO touch /var/lib/apt/.sluice-updated
  fi
  ((${#need[@]})) && $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
  ((${#need_bp[@]})) && $SUDO apt-get install -y -qq --no-install-recommends -t bookworm-backports "${need_bp[@]}"
  ((${#need_test[@]})) && $SUDO apt-get install -y -qq --no-install-recommends "${need_test[@]}"
  ((${#need_test_bp[@]})) && $SUDO apt-get install -y -qq --no-install-recommends -t bookworm-backports "${need_test_bp[@]}"
fi

# hdr-histogram-js (npm, pinned): the e2e test decodes sluice's histograms with
# it to prove other HdrHistogram tools read them. Local to build/node, no sudo.
if ((want_test)); then
  hdr_js_version=3.0.1
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  hdr_js_pkg=$repo/build/node/node_modules/hdr-histogram-js/package.json
  if ! grep -qs "\"version\": \"$hdr_js_version\"" "$hdr_js_pkg"; then
    command -v npm >/dev/null || $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
    mkdir -p "$repo/build/node"
    npm install --no-audit --no-fund --save-exact --prefix "$repo/build/node" \
      "hdr-histogram-js@$hdr_js_version"
  fi
fi
echo "setup: dependencies present"

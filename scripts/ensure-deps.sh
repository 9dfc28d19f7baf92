#!/usr/bin/env bash
# Installs what Amplitude needs to build and test, and only what is missing: Debian packages with
# apt-get, the web app's npm packages with `npm ci` from the committed lockfile. Idempotent; when
# everything is present it only checks (well under a second).
set -euo pipefail
cd "$(dirname "$0")/.."

# Toolchains and libraries, by component (see ARCHITECTURE.md).
debian_packages=(
  # native build
  g++ cmake make pkg-config
  # engine and protocol tests
  libgtest-dev libbenchmark-dev nlohmann-json3-dev
  # DAWproject import/export (engine/src/amplitude/io/dawproject, native only): XML, ZIP,
  # SHA-256/base64; xmllint checks the exported project.xml against the official schema
  libpugixml-dev libzip-dev libsodium-dev libxml2-utils
  # fuzzing (libFuzzer, ASan, UBSan; python3 writes the DAWproject fuzzer's seed archives)
  clang-14 libclang-rt-14-dev python3
  # engine -> WebAssembly
  emscripten binaryen
  # server (Boost 1.81 only: unversioned libboost-*-dev pulls 1.74, which conflicts)
  libboost1.81-dev libcli11-dev libspdlog-dev libsqlite3-dev libpqxx-dev libpq-dev libsodium-dev
  # server tests: a throwaway PostgreSQL
  postgresql
  # browser end-to-end tests
  chromium
  # test media made by real encoders, and an independent reader for our WAV writer
  sox abcmidi
  # benchmarks (make bench): callgrind instruction counts, HTTP load on the server
  valgrind wrk
)

missing=()
for package in "${debian_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done
if ((${#missing[@]} > 0)); then
  echo "ensure-deps: installing Debian packages: ${missing[*]}"
  sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Node.js comes with the machine image; Debian's own (18) is too old for Vite 8.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "ensure-deps: Node.js 20.19+ and npm are required (not found on PATH)" >&2
  exit 1
fi
node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' || {
  echo "ensure-deps: Node.js 20.19+ is required, found $(node --version)" >&2
  exit 1
}

# npm packages: reinstall only when the lockfile changed since the last install.
stamp=web/node_modules/.amplitude-lock.sha256
want=$(sha256sum web/package-lock.json | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  echo "ensure-deps: npm ci (web)"
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" >"$stamp"
fi

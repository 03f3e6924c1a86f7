# Shared by the scripts: install what is missing, then configure and build.
# Sourced, not run.

SPECMAP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Debian packages the build and the tests need.
SPECMAP_PACKAGES=(
  build-essential cmake pkg-config
  nlohmann-json3-dev libcli11-dev libyaml-cpp-dev libboost-graph-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libopenblas-dev
  # The OpenCL backend: CLBlast, the ICD loader and headers, pocl's CPU device (an OpenCL
  # device on any machine, so the backend's tests run everywhere) and clinfo to inspect it.
  libclblast-dev pocl-opencl-icd ocl-icd-opencl-dev opencl-headers clinfo
  # Rebuilds of the same sources (a second tree, a fresh clone) come from the cache.
  ccache
)

log() { printf '\033[1m[specmap]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[specmap] FAILED:\033[0m %s\n' "$*" >&2; exit 1; }

# Installs only the packages that are not installed yet (idempotent, non-interactive).
install_missing() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq || die "apt-get update"
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]}"
}

install_dependencies() { install_missing "${SPECMAP_PACKAGES[@]}"; }

# build_tree DIR [cmake args...]: configure (once) and build everything in DIR.
build_tree() {
  local dir="$1"; shift
  local launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  # Line tables only (-g1) instead of full debug information: stack traces keep file and line,
  # and a cold build takes about 30 % less time (g++ 12, measured on src/describe/*.cc).
  cmake -S "$SPECMAP_ROOT" -B "$dir" "${launcher[@]}" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
    "$@" >/dev/null || die "cmake configure ($dir)"
  cmake --build "$dir" -j "$(nproc)" || die "build ($dir)"
}

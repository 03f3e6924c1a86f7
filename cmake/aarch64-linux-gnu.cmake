# CMake toolchain file: cross-build specmap for 64-bit Arm Linux (aarch64) on a Debian
# x86-64 host with Debian's cross toolchain and arm64 multiarch packages.
# Used by scripts/test-aarch64.sh, which installs what it needs:
#   crossbuild-essential-arm64 qemu-user
#   libopenblas-dev:arm64 libgtest-dev:arm64 libgmock-dev:arm64 libbenchmark-dev:arm64
#   libboost-graph-dev:arm64 (ocl-icd-opencl-dev:arm64 libclblast-dev:arm64 for OpenCL)
#   nlohmann-json3-dev libcli11-dev (header-only, architecture-independent: the host's)
# and unpacks yaml-cpp's arm64 packages into SPECMAP_AARCH64_EXTRA_ROOT (below), because
# libyaml-cpp-dev:arm64 cannot be installed beside libyaml-cpp-dev:amd64.
#
#   cmake -S . -B build-aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# GCC notes on aarch64 that passing some structs changed ABI in GCC 10.1 (-Wpsabi); the
# whole program is built with one compiler, so the note is noise.
set(CMAKE_CXX_FLAGS_INIT "-Wno-psabi")

# Debian multiarch: arm64 libraries and their CMake package files live under
# /usr/lib/aarch64-linux-gnu, arch-specific headers under /usr/include/aarch64-linux-gnu.
# With this set, find_package / find_library look there and never in x86_64-linux-gnu.
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

# Packages unpacked by hand (dpkg-deb -x) keep their /usr layout under this folder; it is
# searched before /usr. Default: <build dir>/aarch64-root.
set(SPECMAP_AARCH64_EXTRA_ROOT "${CMAKE_BINARY_DIR}/aarch64-root" CACHE PATH
    "Folder with arm64 .deb packages unpacked by dpkg-deb -x (yaml-cpp)")
list(PREPEND CMAKE_PREFIX_PATH "${SPECMAP_AARCH64_EXTRA_ROOT}/usr")

# Run target binaries on the x86-64 host with qemu user-mode emulation: ctest, and
# gtest_discover_tests, which lists each test program's tests at build time, go through
# this. The emulated CPU: cortex-a76 implements the same Armv8.2-A extensions (FP16,
# dot product) as the i.MX 95's Cortex-A55, which qemu 7.2 does not model; cortex-a53
# (Armv8.0-A) also works. This is for correctness only: emulated timings mean nothing.
# No -L / QEMU_LD_PREFIX: the arm64 loader and libraries are installed by multiarch at
# their usual paths (and multi-threaded OpenBLAS hangs at start-up with -L).
set(SPECMAP_QEMU_CPU "cortex-a76" CACHE STRING "CPU model qemu-aarch64 emulates")
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -cpu ${SPECMAP_QEMU_CPU})

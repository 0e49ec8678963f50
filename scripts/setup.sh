#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine for rqc and builds it. Idempotent: safe to re-run.
#   - Debian packages (LLVM/MLIR 19, ONNX protobuf classes and node tests, libraries; clang
#     with its libFuzzer and sanitizer runtimes for the fuzz targets and scripts/sanitize.sh)
#   - a Python venv in .venv with the test-only tools (onnx, onnxruntime, numpy, lit)
#   - a Release build in build/ (Ninja, ccache, shared libMLIR/libLLVM)
#   - the model zoo in models/ (generated, seeded; not committed), and the one trained
#     network: ResNet-8 on Fashion-MNIST (Debian's python3-torch, a few minutes, cached)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

APT_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  llvm-19-dev libmlir-19-dev mlir-19-tools llvm-19-tools lld-19 libomp-19-dev
  libonnx-dev libprotobuf-dev protobuf-compiler libonnx-testdata
  nlohmann-json3-dev libcli11-dev libfmt-dev libspdlog-dev libzip-dev libxgboost-dev libplplot-dev libyaml-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev libdlpack-dev zlib1g-dev libzstd-dev libssl-dev
  python3 python3-venv python3-pip
  g++-aarch64-linux-gnu g++-arm-linux-gnueabihf qemu-user
  clang libclang-rt-14-dev
  dataset-fashion-mnist python3-torch python3-yaml
  opencl-c-headers ocl-icd-libopencl1 pocl-opencl-icd
  libgrpc++-dev protobuf-compiler-grpc libhiredis-dev redis-server
)
# arm64 libraries for the cross-built runtime (multiarch, installed next to amd64 ones).
ARM64_PACKAGES=(libzip-dev:arm64 libssl-dev:arm64 libgrpc++-dev:arm64 libprotobuf-dev:arm64 libhiredis-dev:arm64)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  $SUDO dpkg --add-architecture arm64
  missing+=("${ARM64_PACKAGES[@]}")
fi
for p in "${ARM64_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  # A transiently failing index (mirror sync) is not fatal: the install below fails loudly
  # if a package really cannot be had.
  $SUDO apt-get update -qq || echo "setup: warning: apt-get update reported errors; continuing" >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Target libraries unpacked from Debian .debs into .cache/sysroot-<arch> rather than
# installed: libomp5-19 for another architecture cannot be installed next to the amd64 one
# (both own /usr/lib/llvm-19/lib), and armhf multiarch would need every shared dependency
# at exactly the amd64 version, which a lagging armhf index breaks.
unpack_debs() { # DEST ARCH PACKAGE...
  local dest="$1" arch="$2" tmpdeb
  shift 2
  tmpdeb="$(mktemp -d)"
  # As root, apt would drop to its sandbox user, who cannot write to a private temp dir.
  (cd "$tmpdeb" && apt-get download -qq -o APT::Sandbox::User="$(id -un)" "${@/%/:$arch}")
  mkdir -p "$dest"
  for deb in "$tmpdeb"/*.deb; do dpkg-deb -x "$deb" "$dest"; done
  rm -rf "$tmpdeb"
}
if [ ! -f .cache/sysroot-aarch64/usr/lib/llvm-19/lib/libomp.so.5 ]; then
  echo "setup: unpacking libomp5-19:arm64 into .cache/sysroot-aarch64"
  unpack_debs .cache/sysroot-aarch64 arm64 libomp5-19
fi
# ARMv7 hard-float (the Pynq's Cortex-A9): libomp, and libzip with what it links for the
# cross-built runtime; libssl-dev for libcrypto (package checksums); libdlpack-dev for its
# 32-bit CMake config. A sysroot from before a package was added is unpacked again.
# gRPC (rqc rpc-server) with what it links: protobuf, abseil, c-ares, re2; hiredis (rqc agent).
ARMHF_DEBS=(libomp5-19 libzip4 libzip-dev libbz2-1.0 libssl3 libssl-dev zlib1g zlib1g-dev libdlpack-dev
            libgrpc++-dev libgrpc++1.51 libgrpc-dev libgrpc29 libprotobuf-dev libprotobuf32 libprotoc32
            libabsl-dev libabsl20220623 libc-ares2 libc-ares-dev libre2-9 libre2-dev libhiredis0.14 libhiredis-dev)
if [ ! -f .cache/sysroot-armhf/.complete ] || [ ! -f .cache/sysroot-armhf/usr/include/hiredis/hiredis.h ]; then
  echo "setup: unpacking armhf libraries into .cache/sysroot-armhf"
  if ! dpkg --print-foreign-architectures | grep -qx armhf; then
    $SUDO dpkg --add-architecture armhf
    $SUDO apt-get update -qq || echo "setup: warning: apt-get update reported errors; continuing" >&2
  fi
  rm -rf .cache/sysroot-armhf
  unpack_debs .cache/sysroot-armhf armhf "${ARMHF_DEBS[@]}"
  touch .cache/sysroot-armhf/.complete
fi

# Python is only for generating test models and references, never at run time.
if [ ! -x .venv/bin/python ]; then
  /usr/bin/python3 -m venv .venv
fi
if ! .venv/bin/python -c "import onnx, onnxruntime, numpy, lit, grpc, grpc_tools" 2>/dev/null; then
  echo "setup: installing Python test tools into .venv"
  .venv/bin/pip install -q --disable-pip-version-check -r scripts/requirements.txt
fi

# Build.
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache); fi
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" \
        -DPython3_EXECUTABLE="$root/.venv/bin/python"
fi
cmake --build build -j "${RQC_BUILD_JOBS:-$(nproc)}"

# The runtime (and runtime-only rqc) cross-built for AArch64, run under qemu by the tests.
if [ ! -f build-aarch64/build.ninja ]; then
  cmake -S . -B build-aarch64 -G Ninja -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" \
        -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake \
        -DRQC_BUILD_COMPILER=OFF -DRQC_BUILD_TESTS=OFF
fi
cmake --build build-aarch64 -j "${RQC_BUILD_JOBS:-$(nproc)}"
# ... and for ARMv7 hard-float.
if [ ! -f build-armv7/build.ninja ]; then
  cmake -S . -B build-armv7 -G Ninja -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" \
        -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/armv7a-linux-gnueabihf.cmake \
        -DRQC_BUILD_COMPILER=OFF -DRQC_BUILD_TESTS=OFF
fi
cmake --build build-armv7 -j "${RQC_BUILD_JOBS:-$(nproc)}"

# Model zoo (deterministic; regenerated only when missing).
.venv/bin/python scripts/make_zoo.py --out models ${RQC_ZOO_ALL:+--all}
# The trained network (skipped when models/fashion_resnet8.onnx exists): Debian's torch
# lives in the system Python, not in .venv.
/usr/bin/python3 scripts/train_fashion_mnist.py --out models/fashion_resnet8.onnx
# ... and the same trained as a split network of 2 channel groups (rqc compile --split=2,
# docs/boards.md): what rqc validate --split compares with the one above.
/usr/bin/python3 scripts/train_fashion_mnist.py --out models/fashion_resnet8_split2.onnx --split 2
.venv/bin/python scripts/make_zoo.py --fashion-int8 models/fashion_resnet8.onnx

#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine for rqc and builds it. Idempotent: safe to re-run.
#   - Debian packages (LLVM/MLIR 19, ONNX protobuf classes and node tests, libraries)
#   - a Python venv in .venv with the test-only tools (onnx, onnxruntime, numpy, lit)
#   - a Release build in build/ (Ninja, ccache, shared libMLIR/libLLVM)
#   - the model zoo in models/ (generated, seeded; not committed)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

APT_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  llvm-19-dev libmlir-19-dev mlir-19-tools llvm-19-tools lld-19 libomp-19-dev
  libonnx-dev libprotobuf-dev protobuf-compiler libonnx-testdata
  nlohmann-json3-dev libcli11-dev libfmt-dev libspdlog-dev libzip-dev
  libgtest-dev libgmock-dev libbenchmark-dev libdlpack-dev zlib1g-dev libzstd-dev
  python3 python3-venv python3-pip
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Python is only for generating test models and references, never at run time.
if [ ! -x .venv/bin/python ]; then
  /usr/bin/python3 -m venv .venv
fi
if ! .venv/bin/python -c "import onnx, onnxruntime, numpy, lit" 2>/dev/null; then
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

# Model zoo (deterministic; regenerated only when missing).
.venv/bin/python scripts/make_zoo.py --out models ${RQC_ZOO_ALL:+--all}

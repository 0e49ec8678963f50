# Cross-compiling the runtime (librqc_runtime and the runtime-only rqc) for AArch64 Linux
# with Debian's aarch64-linux-gnu toolchain and arm64 multiarch libraries:
#   cmake -S . -B build-aarch64 -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake \
#         -DRQC_BUILD_COMPILER=OFF -DRQC_BUILD_TESTS=OFF
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
# Headers-only packages (nlohmann_json, CLI11, dlpack) come from the host's CMake configs.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
# dlpack is header-only; Debian installs its CMake config in the host's multiarch dir.
set(dlpack_DIR "/usr/lib/x86_64-linux-gnu/cmake/dlpack" CACHE PATH "")

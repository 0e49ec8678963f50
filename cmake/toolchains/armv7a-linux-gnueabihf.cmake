# Cross-compiling the runtime (librqc_runtime and the runtime-only rqc) for ARMv7-A
# hard-float Linux (the Pynq-Z1's Cortex-A9 host) with Debian's arm-linux-gnueabihf
# toolchain. armhf libraries (libzip, gRPC and what they link) come from .debs that
# scripts/setup.sh unpacks into RQC_ARMHF_SYSROOT, not from multiarch: multiarch needs the
# armhf and amd64 versions of shared packages to match exactly, which a lagging armhf
# index breaks.
#   cmake -S . -B build-armv7 -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/armv7a-linux-gnueabihf.cmake \
#         -DRQC_BUILD_COMPILER=OFF -DRQC_BUILD_TESTS=OFF
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR armv7-a)
set(CMAKE_C_COMPILER arm-linux-gnueabihf-gcc)
set(CMAKE_CXX_COMPILER arm-linux-gnueabihf-g++)
set(CMAKE_LIBRARY_ARCHITECTURE arm-linux-gnueabihf)
# Cortex-A9: ARMv7-A with VFPv3 and NEON, hard-float calling convention.
set(CMAKE_C_FLAGS_INIT "-march=armv7-a -mfpu=neon -mfloat-abi=hard")
set(CMAKE_CXX_FLAGS_INIT "-march=armv7-a -mfpu=neon -mfloat-abi=hard")

get_filename_component(_rqc_root "${CMAKE_CURRENT_LIST_DIR}/../.." ABSOLUTE)
set(RQC_ARMHF_SYSROOT "${_rqc_root}/.cache/sysroot-armhf" CACHE PATH "Unpacked armhf libraries (libzip and its dependencies)")
set(ENV{PKG_CONFIG_LIBDIR} "${RQC_ARMHF_SYSROOT}/usr/lib/arm-linux-gnueabihf/pkgconfig")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${RQC_ARMHF_SYSROOT}")
# Multiarch headers of the unpacked packages (openssl/opensslconf.h), after the toolchain's own.
string(APPEND CMAKE_C_FLAGS_INIT " -idirafter ${RQC_ARMHF_SYSROOT}/usr/include/arm-linux-gnueabihf")
string(APPEND CMAKE_CXX_FLAGS_INIT " -idirafter ${RQC_ARMHF_SYSROOT}/usr/include/arm-linux-gnueabihf")
# libzip's own dependencies (libbz2, libcrypto, libz) are resolved from the unpacked tree;
# -L too, since Debian's gRPC and abseil .pc files say libdir=/usr/lib, not the multiarch dir.
set(CMAKE_EXE_LINKER_FLAGS_INIT
    "-L${RQC_ARMHF_SYSROOT}/usr/lib/arm-linux-gnueabihf -Wl,-rpath-link,${RQC_ARMHF_SYSROOT}/usr/lib/arm-linux-gnueabihf -Wl,-rpath-link,${RQC_ARMHF_SYSROOT}/lib/arm-linux-gnueabihf")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "${CMAKE_EXE_LINKER_FLAGS_INIT}")
# Headers-only packages (nlohmann_json, CLI11, dlpack) come from the host's CMake configs.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
# dlpack is header-only, but its CMake config checks the pointer size: use the armhf one.
set(dlpack_DIR "${RQC_ARMHF_SYSROOT}/usr/lib/arm-linux-gnueabihf/cmake/dlpack" CACHE PATH "")

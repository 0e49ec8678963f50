# Installs the runtime into a scratch prefix (cmake --install, component rqc_runtime),
# configures and builds docs/examples/run_model against it with find_package(rqc), and
# runs the example on a test package.
#   cmake -DBUILD_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -DMAKE_PACKAGE=... -DGENERATOR=...
#         -DCXX_COMPILER=... -P InstallExampleTest.cmake
function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}\n${err}")
  endif()
  set(output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
run("cmake --install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --component rqc_runtime --prefix ${prefix})

file(GLOB_RECURSE config ${prefix}/*/rqcConfig.cmake)
file(GLOB_RECURSE library ${prefix}/*/librqc_runtime.so)
foreach(required config library)
  if(NOT ${required})
    message(FATAL_ERROR "the install has no ${required} (under ${prefix})")
  endif()
endforeach()
if(NOT EXISTS ${prefix}/include/rqc/runtime/Executor.h)
  message(FATAL_ERROR "the install has no include/rqc/runtime/Executor.h")
endif()

run("configuring the example" ${CMAKE_COMMAND} -S ${SOURCE_DIR}/docs/examples/run_model -B ${WORK_DIR}/build
    -G ${GENERATOR} -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_PREFIX_PATH=${prefix}
    "-DCMAKE_EXE_LINKER_FLAGS=${LINK_FLAGS}")
run("building the example" ${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run("writing a test package" ${MAKE_PACKAGE} ${WORK_DIR}/chain.rqc)
run("running the example" ${WORK_DIR}/build/run_model ${WORK_DIR}/chain.rqc)
message(STATUS "run_model printed:\n${output}")
if(NOT output MATCHES "output y: float32 \\[1, 16\\]")
  message(FATAL_ERROR "unexpected output of run_model:\n${output}")
endif()

# The example must use the installed library, not the build tree's.
find_program(LDD ldd)
if(NOT LDD)
  message(FATAL_ERROR "ldd not found: cannot check that run_model loads the installed librqc_runtime")
endif()
run("ldd" ${LDD} ${WORK_DIR}/build/run_model)
if(NOT output MATCHES "librqc_runtime[^\n]*${prefix}")
  message(FATAL_ERROR "run_model does not load the installed librqc_runtime:\n${output}")
endif()
file(REMOVE_RECURSE ${WORK_DIR})

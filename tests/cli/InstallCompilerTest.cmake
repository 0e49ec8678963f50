# Installs the compiler (cmake --install, component rqc_compiler) into a scratch prefix and
# checks that the installed rqc runs and reads its tophub logs from <prefix>/share/rqc/tophub.
#   cmake -DBUILD_DIR=... -DWORK_DIR=... -P InstallCompilerTest.cmake
file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --component rqc_compiler --prefix ${prefix}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${rc}):\n${out}\n${err}")
endif()
foreach(f bin/rqc share/rqc/tophub/x86_v0.01.log share/rqc/tophub/arm_cpu_v0.01.log)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "the install has no ${f}")
  endif()
endforeach()
# The environment must not point elsewhere: unset RQC_TOPHUB_LOCATION for the child.
execute_process(COMMAND ${CMAKE_COMMAND} -E env --unset=RQC_TOPHUB_LOCATION ${prefix}/bin/rqc tophub list
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "tophub: ${prefix}/share/rqc/tophub\n")
  message(FATAL_ERROR "the installed rqc does not read its own tophub logs (${rc}):\n${out}\n${err}")
endif()

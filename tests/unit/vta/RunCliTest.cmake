# One command-line test of rqc-vta: cmake -DCASE=<case> -DRQC_VTA=<exe> -DDATA=<dir>
# -DWORK=<dir> -P RunCliTest.cmake. Fails (FATAL_ERROR) with what went wrong.
cmake_minimum_required(VERSION 3.20)
file(MAKE_DIRECTORY ${WORK})

# run(<expected exit code> args...): runs rqc-vta; sets OUT and ERR.
function(run expected)
  execute_process(COMMAND ${RQC_VTA} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL expected)
    message(FATAL_ERROR "rqc-vta ${ARGN}: exit code ${rc}, expected ${expected}\nstdout:\n${out}\nstderr:\n${err}")
  endif()
  set(OUT "${out}" PARENT_SCOPE)
  set(ERR "${err}" PARENT_SCOPE)
endfunction()

function(expect_contains text needle)
  string(FIND "${text}" "${needle}" pos)
  if(pos EQUAL -1)
    message(FATAL_ERROR "expected to find\n  ${needle}\nin\n${text}")
  endif()
endfunction()

function(expect_same_files a b)
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${a} ${b} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${a} and ${b} differ")
  endif()
endfunction()

function(read_args name)
  file(READ ${WORK}/${name}.args args)
  string(STRIP "${args}" args)
  string(REPLACE " " ";" args "${args}")
  list(GET args 0 offset)
  list(GET args 1 count)
  set(INSN_OFFSET ${offset} PARENT_SCOPE)
  set(INSN_COUNT ${count} PARENT_SCOPE)
endfunction()

if(CASE STREQUAL "worked_encodings")
  run(0 vta asm ${DATA}/worked_encodings.vtasm -o ${WORK}/worked.bin)
  file(SIZE ${WORK}/worked.bin size)
  if(NOT size EQUAL 96)
    message(FATAL_ERROR "worked.bin has ${size} bytes, expected 96")
  endif()
  run(0 vta disasm ${WORK}/worked.bin)
  foreach(words "lo=0x0001000400000100 hi=0x0000000400040001" "lo=0x00001000800000c0 hi=0x0000000800080001"
                "lo=0x00000048d0001500 hi=0x1111000e000e000e" "lo=0x0008001000400102 hi=0x0040400200000001"
                "lo=0x0004000800800344 hi=0xff9c900200000800" "lo=0x0000000000000003 hi=0x0000000000000000")
    expect_contains("${OUT}" "${words}")
  endforeach()

elseif(CASE STREQUAL "asm_disasm_roundtrip")
  run(0 vta asm ${DATA}/gemm_tile.vtasm -o ${WORK}/gemm_tile.bin)
  run(0 vta disasm ${WORK}/gemm_tile.bin)
  file(WRITE ${WORK}/gemm_tile.disasm "${OUT}")
  # The listing is stable: compare with the reviewed one.
  expect_same_files(${WORK}/gemm_tile.disasm ${DATA}/gemm_tile.disasm)
  run(0 vta asm ${WORK}/gemm_tile.disasm -o ${WORK}/gemm_tile.2.bin)
  expect_same_files(${WORK}/gemm_tile.bin ${WORK}/gemm_tile.2.bin)
  # Part of a file, and micro-ops.
  run(0 vta disasm ${WORK}/gemm_tile.bin --offset 32 --count 2)
  expect_contains("${OUT}" "2: LOAD UOP deps=pop_prev sram_base=0 dram_base=0x580")
  expect_contains("${OUT}" "3: LOAD ACC deps=- sram_base=16 dram_base=0x50")
  # The first instruction's low word read as two micro-ops: memory_type INP (2) at bit 7,
  # dram_base 0x100 at bit 26.
  run(0 vta disasm ${WORK}/gemm_tile.bin --uops --count 2)
  expect_contains("${OUT}" "0: UOP dst_idx=256 src_idx=0 wgt_idx=0  # 0x00000100")
  expect_contains("${OUT}" "1: UOP dst_idx=4 src_idx=0 wgt_idx=0  # 0x00000004")

elseif(CASE STREQUAL "asm_range_error")
  run(1 vta asm ${DATA}/bad_range.vtasm -o ${WORK}/bad.bin)
  expect_contains("${ERR}" "rqc-vta: error: ${DATA}/bad_range.vtasm:3: GEMM field uop_bgn: value 9000 out of range [0, 8191]")

elseif(CASE STREQUAL "asm_syntax_error")
  run(1 vta asm ${DATA}/bad_field.vtasm -o ${WORK}/bad.bin)
  expect_contains("${ERR}" "rqc-vta: error: ${DATA}/bad_field.vtasm:2: unknown field 'x_pad' for STORE")

elseif(CASE STREQUAL "disasm_bad_size")
  file(WRITE ${WORK}/odd.bin "seventeen bytes!!")
  run(1 vta disasm ${WORK}/odd.bin)
  expect_contains("${ERR}" "rqc-vta: error: ${WORK}/odd.bin: 17 bytes is not a whole number of 16-byte instructions")
  run(1 vta disasm ${WORK}/missing.bin)
  expect_contains("${ERR}" "rqc-vta: error: cannot open ${WORK}/missing.bin")

elseif(CASE STREQUAL "sim_gemm_tile")
  read_args(gemm_tile)
  run(0 vta sim --dram ${WORK}/gemm_tile.img --insn-offset ${INSN_OFFSET} --insn-count ${INSN_COUNT}
      --out ${WORK}/gemm_tile.out.img)
  expect_same_files(${WORK}/gemm_tile.out.img ${WORK}/gemm_tile.expected.img)
  expect_contains("${OUT}" "total cycles")
  expect_contains("${OUT}" "GEMM     32 uops (+16 reset)")

elseif(CASE STREQUAL "sim_gemm_tile_json")
  read_args(gemm_tile)
  run(0 vta sim --dram ${WORK}/gemm_tile.img --insn-offset ${INSN_OFFSET} --insn-count ${INSN_COUNT} --json)
  string(JSON uops GET "${OUT}" gemm uops)
  string(JSON cycles GET "${OUT}" total_cycles)
  string(JSON busy GET "${OUT}" modules compute busy_cycles)
  string(JSON peak GET "${OUT}" gemm peak_gops)
  if(NOT uops EQUAL 32 OR NOT cycles GREATER 0 OR NOT busy GREATER 0 OR NOT peak MATCHES "^51\\.2")
    message(FATAL_ERROR "unexpected report:\n${OUT}")
  endif()

elseif(CASE STREQUAL "sim_work_limit")
  # Refused before running: the output image is not written.
  read_args(gemm_tile)
  file(REMOVE ${WORK}/limited.out.img)
  run(1 vta sim --dram ${WORK}/gemm_tile.img --insn-offset ${INSN_OFFSET} --insn-count ${INSN_COUNT}
      --max-work 1000 --out ${WORK}/limited.out.img)
  expect_contains("${ERR}" "rqc-vta: error: ${WORK}/gemm_tile.img: the stream asks for ")
  expect_contains("${ERR}" "over the simulator's work limit of 1000")
  if(EXISTS ${WORK}/limited.out.img)
    message(FATAL_ERROR "a refused run wrote its output image")
  endif()
  run(2 vta sim --dram ${WORK}/gemm_tile.img --insn-offset ${INSN_OFFSET} --insn-count ${INSN_COUNT} --max-work 0)
  expect_contains("${ERR}" "--max-work")

elseif(CASE STREQUAL "sim_deadlock")
  read_args(deadlock)
  run(1 vta sim --dram ${WORK}/deadlock.img --insn-offset ${INSN_OFFSET} --insn-count ${INSN_COUNT})
  expect_contains("${ERR}" "rqc-vta: error: ${WORK}/deadlock.img: deadlock: compute module stuck: instruction 2 (LOAD UOP)")

elseif(CASE STREQUAL "sim_missing_finish")
  read_args(missing_finish)
  run(1 vta sim --dram ${WORK}/missing_finish.img --insn-offset ${INSN_OFFSET} --insn-count ${INSN_COUNT})
  expect_contains("${ERR}" "rqc-vta: error: ${WORK}/missing_finish.img: instruction 12 (LOAD UOP): the stream ends here without FINISH")

else()
  message(FATAL_ERROR "unknown case ${CASE}")
endif()

# run_equiv.cmake -- one file of Lightbend's equivalence suite (equiv/).
#   cmake -DTOOL=akt-config -DCASE=file -DEXPECT=original.json -P run_equiv.cmake
# (run with WORKING_DIRECTORY = the case's folder). Both files must load
# (akt-config --bare --json) and print the same JSON: same value, since the
# JSON output is canonical (sorted keys).
foreach(f IN ITEMS EXPECT CASE)
  execute_process(COMMAND ${TOOL} --bare --json ${${f}}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out_${f} ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "akt-config failed (${rc}) on ${${f}}:\n${err}")
  endif()
  string(STRIP "${out_${f}}" out_${f})
endforeach()
if(NOT out_CASE STREQUAL out_EXPECT)
  message(FATAL_ERROR "${CASE} differs from ${EXPECT}\n got: ${out_CASE}\nwant: ${out_EXPECT}")
endif()

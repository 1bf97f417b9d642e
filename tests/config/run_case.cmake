# run_case.cmake -- one conformance or diagnostics case for akt-config.
#   cmake -DTOOL=akt-config -DCASE=x.conf -DEXPECT=x.json|x.err -P run_case.cmake
# (run with WORKING_DIRECTORY = the case's folder, so messages carry the
# bare file name). A .json case must succeed and print exactly the
# expected JSON (akt-config --bare --json); a .err case must fail and its
# first stderr line must be exactly the expected diagnostic.
execute_process(COMMAND ${TOOL} --bare --json ${CASE}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
file(READ ${EXPECT} want)
string(STRIP "${want}" want)
if(EXPECT MATCHES "\\.json$")
  string(STRIP "${out}" out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "akt-config failed (${rc}) on ${CASE}:\n${err}")
  endif()
  if(NOT out STREQUAL want)
    message(FATAL_ERROR "${CASE}: JSON differs\n got: ${out}\nwant: ${want}")
  endif()
else()
  string(REGEX REPLACE "\n.*" "" first "${err}")
  if(rc EQUAL 0)
    message(FATAL_ERROR "${CASE}: expected an error, got success:\n${out}")
  endif()
  if(NOT first STREQUAL want)
    message(FATAL_ERROR "${CASE}: diagnostic differs\n got: ${first}\nwant: ${want}")
  endif()
endif()

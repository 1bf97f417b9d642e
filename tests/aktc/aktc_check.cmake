# aktc_check.cmake -- cmake -P driver for the aktc tests that run the
# compiler and compare what it writes byte for byte.
#
#   -DAKTC=<aktc> -DDIR=<tests/aktc> -DWORK=<scratch dir> -DMODE=<mode>
#   [-DUPDATE=ON]   rewrite the expected files instead of comparing
#
# MODE golden:  aktc --c_out on every ok/*.akt; outputs == ok/expected/*;
#               text.akt with --c_docs == ok/expected/text.akt.{h,docs.c}
# MODE cuda:    aktc --cuda_out on every gpu/*.akt; outputs == gpu/expected/*
# MODE fail:    every fail/*.akt exits 1 and its stderr == fail/<name>.err
# MODE compat:  every compat/<rule>.old.akt + .new.akt pair; stderr ==
#               compat/<rule>.err; exit 0 when that file is empty, else 1
# MODE cli:     usage errors exit 2, --version/--help exit 0, unsupported
#               outputs exit 1 with a clear message
cmake_minimum_required(VERSION 3.20)
set(failures 0)

function(expect_file actual expected)
  if(UPDATE)
    file(COPY_FILE "${actual}" "${expected}" ONLY_IF_DIFFERENT)
    return()
  endif()
  if(NOT EXISTS "${expected}")
    message(SEND_ERROR "missing expected file ${expected} (run the aktc-golden-update target)")
    math(EXPR f "${failures} + 1")
    set(failures ${f} PARENT_SCOPE)
    return()
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files "${actual}" "${expected}"
    RESULT_VARIABLE same)
  if(NOT same EQUAL 0)
    execute_process(COMMAND diff -u "${expected}" "${actual}" OUTPUT_VARIABLE d)
    message(SEND_ERROR "${actual} differs from ${expected}:\n${d}")
    math(EXPR f "${failures} + 1")
    set(failures ${f} PARENT_SCOPE)
  endif()
endfunction()

function(expect_text text expected_file)
  file(WRITE "${WORK}/actual.txt" "${text}")
  expect_file("${WORK}/actual.txt" "${expected_file}")
  set(failures ${failures} PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")

if(MODE STREQUAL "golden")
  file(GLOB inputs RELATIVE "${DIR}/ok" "${DIR}/ok/*.akt")
  list(SORT inputs)
  execute_process(COMMAND "${AKTC}" --c_out "${WORK}" ${inputs}
    WORKING_DIRECTORY "${DIR}/ok" RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "aktc failed on the golden corpus (${rc}):\n${err}")
  endif()
  if(UPDATE)
    file(MAKE_DIRECTORY "${DIR}/ok/expected")
  endif()
  foreach(in IN LISTS inputs)
    foreach(ext h c)
      expect_file("${WORK}/${in}.${ext}" "${DIR}/ok/expected/${in}.${ext}")
    endforeach()
  endforeach()
  # --c_docs: the same header; the descriptors carry the doc comments as
  # strings, byte for byte (text.akt's have */, /* and ?? in them)
  file(MAKE_DIRECTORY "${WORK}/docs")
  execute_process(COMMAND "${AKTC}" --c_docs --c_out "${WORK}/docs" text.akt
    WORKING_DIRECTORY "${DIR}/ok" RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "aktc --c_docs failed (${rc}):\n${err}")
  endif()
  expect_file("${WORK}/docs/text.akt.h" "${DIR}/ok/expected/text.akt.h")
  expect_file("${WORK}/docs/text.akt.c" "${DIR}/ok/expected/text.akt.docs.c")
elseif(MODE STREQUAL "cuda")
  # aktc --cuda_out on every gpu/*.akt: <f>.gpu.h and <f>.gpu.c ==
  # gpu/expected/* (the shared handler header, kernel and CPU loop)
  file(GLOB inputs RELATIVE "${DIR}/gpu" "${DIR}/gpu/*.akt")
  list(SORT inputs)
  execute_process(COMMAND "${AKTC}" --cuda_out "${WORK}" ${inputs}
    WORKING_DIRECTORY "${DIR}/gpu" RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "aktc failed on the gpu corpus (${rc}):\n${err}")
  endif()
  if(UPDATE)
    file(MAKE_DIRECTORY "${DIR}/gpu/expected")
  endif()
  foreach(in IN LISTS inputs)
    foreach(ext gpu.h gpu.c)
      expect_file("${WORK}/${in}.${ext}" "${DIR}/gpu/expected/${in}.${ext}")
    endforeach()
  endforeach()
elseif(MODE STREQUAL "fail")
  file(GLOB inputs RELATIVE "${DIR}/fail" "${DIR}/fail/*.akt")
  list(SORT inputs)
  foreach(in IN LISTS inputs)
    string(REGEX REPLACE "\\.akt$" "" name "${in}")
    execute_process(COMMAND "${AKTC}" --c_out "${WORK}" ${in}
      WORKING_DIRECTORY "${DIR}/fail" RESULT_VARIABLE rc ERROR_VARIABLE err)
    if(NOT rc EQUAL 1)
      message(SEND_ERROR "${in}: expected exit status 1, got ${rc}")
      math(EXPR failures "${failures} + 1")
    endif()
    expect_text("${err}" "${DIR}/fail/${name}.err")
  endforeach()
elseif(MODE STREQUAL "compat")
  file(GLOB olds RELATIVE "${DIR}/compat" "${DIR}/compat/*.old.akt")
  list(SORT olds)
  foreach(old IN LISTS olds)
    string(REGEX REPLACE "\\.old\\.akt$" "" name "${old}")
    execute_process(COMMAND "${AKTC}" --check-compat ${old} ${name}.new.akt
      WORKING_DIRECTORY "${DIR}/compat" RESULT_VARIABLE rc ERROR_VARIABLE err)
    if(name MATCHES "^ok_")
      set(want 0)
    else()
      set(want 1)
    endif()
    if(NOT rc EQUAL want)
      message(SEND_ERROR "${name}: expected exit status ${want}, got ${rc}:\n${err}")
      math(EXPR failures "${failures} + 1")
    endif()
    expect_text("${err}" "${DIR}/compat/${name}.err")
  endforeach()
elseif(MODE STREQUAL "cli")
  # 20,000 nested types or @gpu braces: a nesting-limit error, not the
  # parser's "memory exhausted" (fail/deep_*.akt show the exact text)
  string(REPEAT "list<" 20000 open)
  string(REPEAT ">" 20000 close)
  file(WRITE "${WORK}/deep_types.akt" "package deep;\nmessage M {\n    ${open}int32${close} x = 1;\n}\n")
  string(REPEAT "{" 20000 open)
  string(REPEAT "}" 20000 close)
  file(WRITE "${WORK}/deep_braces.akt" "package deep;\nactor A {\n    @gpu on M { ${open}${close} }\n}\n")
  # three @gpu handlers of 30 fields each: 90 message columns, more than
  # the 64 a batch of one actor type has
  set(wide "package wide;\nmessage W {\n")
  foreach(i RANGE 1 30)
    string(APPEND wide "    int32 f${i} = ${i};\n")
  endforeach()
  string(APPEND wide "}\nmessage X {\n")
  foreach(i RANGE 1 30)
    string(APPEND wide "    int32 f${i} = ${i};\n")
  endforeach()
  string(APPEND wide "}\nmessage Y {\n")
  foreach(i RANGE 1 30)
    string(APPEND wide "    int32 f${i} = ${i};\n")
  endforeach()
  string(APPEND wide "}\nactor A {\n    @gpu on W { }\n    @gpu on X { }\n    @gpu on Y { }\n}\n")
  file(WRITE "${WORK}/wide.akt" "${wide}")
  # args (comma-separated) | expected exit status | regex the output must match
  set(cases
    "${WORK}/deep_types.akt|1|error: types nest more than 100 levels deep"
    "${WORK}/deep_braces.akt|1|error: braces nest more than 100 levels deep"
    "${WORK}/wide.akt|1|actor wide.A have 90 message and 0 reply and tell fields in all"
    "--version|0|^aktc [0-9]+[.][0-9]+[.][0-9]+"
    "--help|0|usage: aktc"
    "|2|no input files"
    "--bogus|2|unknown option '--bogus'"
    "--c_out|2|needs a directory"
    "--c_docs,${DIR}/ok/greeter.akt|2|--c_docs needs --c_out"
    "--check-compat,x.akt|2|needs two files"
    "--py_out,${WORK}/missing,${DIR}/ok/greeter.akt|1|output directory .*missing. does not exist"
    "--cuda_out,${WORK}/missing,${DIR}/ok/greeter.akt|1|output directory .*missing. does not exist"
    "${DIR}/no/such/file.akt|1|cannot read"
    "--c_out,${WORK}/missing,${DIR}/ok/greeter.akt|1|output directory"
    "${DIR}/ok/greeter.akt,${DIR}/../../examples/greeter/greeter.akt|1|would both write greeter.akt.h"
    "--depfile,${WORK}/g.d,--c_out,${WORK},-I,${DIR}/ok,${DIR}/ok/alltypes.akt|0|^$"
    "--depfile,${WORK}/p.d,--py_out,${WORK},-I,${DIR}/ok,${DIR}/ok/alltypes.akt|0|^$")
  foreach(c IN LISTS cases)
    string(FIND "${c}" "|" p1)
    string(SUBSTRING "${c}" 0 ${p1} args)
    math(EXPR p1 "${p1} + 1")
    string(SUBSTRING "${c}" ${p1} 1 want)
    math(EXPR p1 "${p1} + 2")
    string(SUBSTRING "${c}" ${p1} -1 regex)
    string(REPLACE "," ";" args "${args}")
    execute_process(COMMAND "${AKTC}" ${args} RESULT_VARIABLE rc
      OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(NOT rc EQUAL want OR NOT out MATCHES "${regex}")
      message(SEND_ERROR "aktc ${args}: got ${rc} '${out}', want ${want} matching '${regex}'")
      math(EXPR failures "${failures} + 1")
    endif()
  endforeach()
  # the depfile names the imported file as a dependency of both outputs
  file(READ "${WORK}/g.d" dep)
  if(NOT dep MATCHES "alltypes\\.akt\\.h:[^\n]*alltypes\\.akt [^\n]*common\\.akt")
    message(SEND_ERROR "depfile lacks the import:\n${dep}")
    math(EXPR failures "${failures} + 1")
  endif()
  # with --py_out only, the Python module and stub, not the C pair
  file(READ "${WORK}/p.d" dep)
  if(NOT dep MATCHES "alltypes_akt\\.py:[^\n]*alltypes\\.akt [^\n]*common\\.akt"
      OR NOT dep MATCHES "alltypes_akt\\.pyi:" OR dep MATCHES "alltypes\\.akt\\.h:")
    message(SEND_ERROR "the --py_out depfile:\n${dep}")
    math(EXPR failures "${failures} + 1")
  endif()
else()
  message(FATAL_ERROR "unknown MODE '${MODE}'")
endif()

if(failures GREATER 0)
  message(FATAL_ERROR "${failures} check(s) failed")
endif()

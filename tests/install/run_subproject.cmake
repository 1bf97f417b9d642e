# Script mode: configure, build and run tests/install/subproject, which
# brings akt in with add_subdirectory().
#   -DAKT_SOURCE_DIR -DWORK_DIR -DCMAKE_C_COMPILER [-DCONSUMER_FLAGS=...]
file(REMOVE_RECURSE ${WORK_DIR})
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rv OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rv EQUAL 0)
    message(FATAL_ERROR "failed (${rv}): ${ARGN}\n${out}\n${err}")
  endif()
  set(LAST_OUT "${out}" PARENT_SCOPE)
endfunction()
# a sanitized akt build is passed on as AKT_SANITIZE (what a parent would do)
set(sanitize "")
if(CONSUMER_FLAGS MATCHES "address")
  set(sanitize address)
elseif(CONSUMER_FLAGS MATCHES "thread")
  set(sanitize thread)
endif()
run(${CMAKE_COMMAND} -S ${AKT_SOURCE_DIR}/tests/install/subproject -B ${WORK_DIR}
    -DAKT_SOURCE_DIR=${AKT_SOURCE_DIR} -DCMAKE_C_COMPILER=${CMAKE_C_COMPILER}
    -DAKT_SANITIZE=${sanitize})
run(${CMAKE_COMMAND} --build ${WORK_DIR} --target greeter consumer_testkit)
run(${WORK_DIR}/greeter)
if(NOT LAST_OUT MATCHES "hello, akt")
  message(FATAL_ERROR "greeter printed: ${LAST_OUT}")
endif()
run(${WORK_DIR}/consumer_testkit)
message(STATUS "akt as a subproject: ok")

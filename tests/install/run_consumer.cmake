# Script mode: install, configure + build + run the consumer project.
file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rv OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rv EQUAL 0)
    message(FATAL_ERROR "failed (${rv}): ${ARGN}\n${out}\n${err}")
  endif()
  set(LAST_OUT "${out}" PARENT_SCOPE)
endfunction()
run(${CMAKE_COMMAND} --install ${AKT_BUILD_DIR} --prefix ${prefix})
run(${CMAKE_COMMAND} -S ${AKT_SOURCE_DIR}/tests/install/consumer -B ${WORK_DIR}/build
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_C_COMPILER=${CMAKE_C_COMPILER}
    "-DCMAKE_C_FLAGS=${CONSUMER_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${CONSUMER_FLAGS}")
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run(${WORK_DIR}/build/consumer)
if(NOT LAST_OUT MATCHES "consumer ok")
  message(FATAL_ERROR "consumer printed: ${LAST_OUT}")
endif()
# pkg-config route: compile the same program with the flags akt.pc gives.
find_program(PKG_CONFIG pkg-config REQUIRED)
execute_process(COMMAND ${CMAKE_COMMAND} -E env PKG_CONFIG_PATH=${prefix}/lib/pkgconfig:${prefix}/lib/x86_64-linux-gnu/pkgconfig
  ${PKG_CONFIG} --cflags --libs akt OUTPUT_VARIABLE flags RESULT_VARIABLE rv OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rv EQUAL 0)
  message(FATAL_ERROR "pkg-config akt failed")
endif()
separate_arguments(flags UNIX_COMMAND "${flags}")
separate_arguments(cflags UNIX_COMMAND "${CONSUMER_FLAGS}")
run(${CMAKE_C_COMPILER} -std=c11 ${cflags} ${AKT_SOURCE_DIR}/tests/install/consumer/main.c ${flags}
    -Wl,-rpath,${prefix}/lib -Wl,-rpath,${prefix}/lib/x86_64-linux-gnu -o ${WORK_DIR}/consumer-pc)
run(${WORK_DIR}/consumer-pc)
message(STATUS "install consumer ok (cmake package and pkg-config)")

# Script mode: install, configure + build + run the consumer project (the
# shared and the static libakt, the testkit), then build main.c with the
# flags of akt.pc, shared and --static.
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
# the static link must run without libakt.so anywhere on the search path
run(${WORK_DIR}/build/consumer_static)
if(NOT LAST_OUT MATCHES "consumer ok")
  message(FATAL_ERROR "consumer_static printed: ${LAST_OUT}")
endif()
run(${WORK_DIR}/build/consumer_testkit)
if(NOT LAST_OUT MATCHES "consumer testkit ok")
  message(FATAL_ERROR "consumer_testkit printed: ${LAST_OUT}")
endif()

# pkg-config route: compile the same program with the flags akt.pc gives,
# once against libakt.so and once statically (--static: Libs.private and
# Requires.private, with libakt.a in place of -lakt).
find_program(PKG_CONFIG pkg-config REQUIRED)
set(pc_env PKG_CONFIG_PATH=${prefix}/lib/pkgconfig:${prefix}/lib/x86_64-linux-gnu/pkgconfig)
function(pc out)
  execute_process(COMMAND ${CMAKE_COMMAND} -E env ${pc_env} ${PKG_CONFIG} ${ARGN}
    OUTPUT_VARIABLE o ERROR_VARIABLE e RESULT_VARIABLE rv OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT rv EQUAL 0)
    message(FATAL_ERROR "pkg-config ${ARGN} failed:\n${e}")
  endif()
  set(${out} "${o}" PARENT_SCOPE)
endfunction()
pc(flags --cflags --libs akt)
pc(static_flags --static --cflags --libs akt)
pc(libdir --variable=libdir akt)
separate_arguments(flags UNIX_COMMAND "${flags}")
separate_arguments(static_flags UNIX_COMMAND "${static_flags}")
list(TRANSFORM static_flags REPLACE "^-lakt$" "${libdir}/libakt.a")
separate_arguments(cflags UNIX_COMMAND "${CONSUMER_FLAGS}")
run(${CMAKE_C_COMPILER} -std=c11 ${cflags} ${AKT_SOURCE_DIR}/tests/install/consumer/main.c ${flags}
    -Wl,-rpath,${libdir} -o ${WORK_DIR}/consumer-pc)
run(${WORK_DIR}/consumer-pc)
run(${CMAKE_C_COMPILER} -std=c11 ${cflags} ${AKT_SOURCE_DIR}/tests/install/consumer/main.c ${static_flags}
    -o ${WORK_DIR}/consumer-pc-static)
run(${WORK_DIR}/consumer-pc-static)
if(NOT LAST_OUT MATCHES "consumer ok")
  message(FATAL_ERROR "consumer-pc-static printed: ${LAST_OUT}")
endif()
message(STATUS "install consumer ok (cmake package: shared, static, testkit; pkg-config: shared, static)")

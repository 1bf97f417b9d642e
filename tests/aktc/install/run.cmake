# Script mode: install akt to a prefix, then build an outside project with
# find_package(akt) + akt_generate() (Unix Makefiles), run it, edit the
# IMPORTED file and check that the importing file is regenerated.
#   -DAKT_BUILD_DIR -DSRC (this folder) -DWORK -DCMAKE_C_COMPILER
#   [-DCONSUMER_FLAGS=...]  sanitizer flags when libakt was built with them
file(REMOVE_RECURSE ${WORK})
set(prefix ${WORK}/prefix)
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rv OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rv EQUAL 0)
    message(FATAL_ERROR "failed (${rv}): ${ARGN}\n${out}\n${err}")
  endif()
  set(LAST_OUT "${out}" PARENT_SCOPE)
endfunction()
run(${CMAKE_COMMAND} --install ${AKT_BUILD_DIR} --prefix ${prefix})
file(MAKE_DIRECTORY ${WORK}/src)
configure_file(${SRC}/CMakeLists.txt.in ${WORK}/src/CMakeLists.txt COPYONLY)
foreach(f base.akt orders.akt main.c)
  configure_file(${SRC}/${f} ${WORK}/src/${f} COPYONLY)
endforeach()
run(${CMAKE_COMMAND} -S ${WORK}/src -B ${WORK}/build -G "Unix Makefiles"
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_C_COMPILER=${CMAKE_C_COMPILER}
    "-DCMAKE_C_FLAGS=${CONSUMER_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${CONSUMER_FLAGS}")
run(${CMAKE_COMMAND} --build ${WORK}/build)
run(${WORK}/build/orders)
if(NOT LAST_OUT MATCHES "order 7: 3 x apple")
  message(FATAL_ERROR "orders printed: ${LAST_OUT}")
endif()
# nothing changed: nothing is regenerated
run(${CMAKE_COMMAND} --build ${WORK}/build)
if(LAST_OUT MATCHES "aktc ")
  message(FATAL_ERROR "a no-op build ran aktc:\n${LAST_OUT}")
endif()
# edit the imported file: orders.akt (which imports it) is regenerated too
execute_process(COMMAND ${CMAKE_COMMAND} -E sleep 1.1)
file(APPEND ${WORK}/src/base.akt "\nmessage Extra {\n    int32 x = 1;\n}\n")
run(${CMAKE_COMMAND} --build ${WORK}/build)
if(NOT LAST_OUT MATCHES "aktc [^\n]*orders\\.akt")
  message(FATAL_ERROR "editing base.akt did not regenerate orders.akt:\n${LAST_OUT}")
endif()
run(${WORK}/build/orders)
message(STATUS "akt_generate from an installed akt: ok")

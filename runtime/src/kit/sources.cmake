# kit: timers, stash, routers, event stream and logging, FSM runtime,
# coordinated shutdown (part of libakt); and the akt-testkit library.
file(GLOB AKT_KIT_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
list(APPEND AKT_SOURCES ${AKT_KIT_SOURCES})
# gpu.c speaks to libakt-gpu through gpu/src/plugin.h (dlopen, no link)
list(APPEND AKT_PRIVATE_INCLUDES ${PROJECT_SOURCE_DIR}/gpu/src)
# reads cell fields that core punning touches (CELL_STUB), like core itself
set_source_files_properties(${AKT_KIT_SOURCES} PROPERTIES COMPILE_OPTIONS "-fno-strict-aliasing")
include(${CMAKE_CURRENT_LIST_DIR}/../testkit/testkit.cmake)

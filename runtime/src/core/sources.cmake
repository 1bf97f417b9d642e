# core: the actor system, cells, mailboxes, dispatchers, messages, futures.
file(GLOB AKT_CORE_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
list(APPEND AKT_SOURCES ${AKT_CORE_SOURCES})
# The Vyukov stub node is punned as an akti_msg (only its first member is
# touched); keep the optimiser from reasoning about it through type-based
# aliasing.
set_source_files_properties(${AKT_CORE_SOURCES} PROPERTIES COMPILE_OPTIONS "-fno-strict-aliasing")

# core: the actor system, cells, mailboxes, dispatchers, messages, futures.
file(GLOB AKT_CORE_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
list(APPEND AKT_SOURCES ${AKT_CORE_SOURCES})

# types: the per-system type registry (descriptor lookup by id and name).
list(APPEND AKT_SOURCES ${CMAKE_CURRENT_LIST_DIR}/registry.c)

# persist: journals, snapshot stores and persistent actors (see README.md
# here). LMDB is the embedded store (only lmdb.c includes lmdb.h);
# PostgreSQL the shared one (only pg.c includes libpq-fe.h).
find_path(AKT_LMDB_INCLUDE_DIR lmdb.h REQUIRED)
find_library(AKT_LMDB_LIBRARY NAMES lmdb REQUIRED)
file(GLOB AKT_PERSIST_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
list(APPEND AKT_SOURCES ${AKT_PERSIST_SOURCES})
list(APPEND AKT_PRIVATE_INCLUDES ${AKT_LMDB_INCLUDE_DIR})
# a plain name (not a path) so the install export and akt.pc stay relocatable
list(APPEND AKT_PRIVATE_LIBS lmdb)
pkg_check_modules(LIBPQ REQUIRED libpq)
list(APPEND AKT_PRIVATE_INCLUDES ${LIBPQ_INCLUDE_DIRS})
list(APPEND AKT_PRIVATE_LIBS pq)

# remote: location-transparent messaging over NNG (see README.md here).
# The wire protocol idl/remote.proto is compiled with protoc-c at build time;
# the generated remote.pb-c.[ch] go to the build tree, never the source tree.
find_program(AKT_PROTOC_C protoc-c REQUIRED)
pkg_check_modules(PROTOBUFC REQUIRED libprotobuf-c)

set(AKT_REMOTE_GEN_DIR ${CMAKE_CURRENT_BINARY_DIR}/remote-gen)
set(AKT_REMOTE_PROTO ${PROJECT_SOURCE_DIR}/idl/remote.proto)
file(MAKE_DIRECTORY ${AKT_REMOTE_GEN_DIR})
add_custom_command(
  OUTPUT ${AKT_REMOTE_GEN_DIR}/remote.pb-c.c ${AKT_REMOTE_GEN_DIR}/remote.pb-c.h
  COMMAND ${AKT_PROTOC_C} --c_out=${AKT_REMOTE_GEN_DIR} -I${PROJECT_SOURCE_DIR}/idl ${AKT_REMOTE_PROTO}
  DEPENDS ${AKT_REMOTE_PROTO}
  COMMENT "protoc-c idl/remote.proto"
  VERBATIM)
set_source_files_properties(${AKT_REMOTE_GEN_DIR}/remote.pb-c.c PROPERTIES
  GENERATED TRUE COMPILE_OPTIONS "-Wno-pedantic")

file(GLOB AKT_REMOTE_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
list(APPEND AKT_SOURCES ${AKT_REMOTE_SOURCES} ${AKT_REMOTE_GEN_DIR}/remote.pb-c.c)
list(APPEND AKT_PRIVATE_INCLUDES ${AKT_REMOTE_GEN_DIR} ${PROTOBUFC_INCLUDE_DIRS})
# plain library names (not an imported target) so the install export stays valid
list(APPEND AKT_PRIVATE_LIBS ${PROTOBUFC_LIBRARIES})

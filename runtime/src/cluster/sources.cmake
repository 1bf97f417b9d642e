# cluster: membership (see README.md here). The wire protocol
# idl/cluster.proto is compiled with protoc-c at build time into the build
# tree, like remoting's.
find_program(AKT_PROTOC_C protoc-c REQUIRED)
pkg_check_modules(PROTOBUFC REQUIRED libprotobuf-c)

set(AKT_CLUSTER_GEN_DIR ${CMAKE_CURRENT_BINARY_DIR}/cluster-gen)
set(AKT_CLUSTER_PROTO ${PROJECT_SOURCE_DIR}/idl/cluster.proto)
file(MAKE_DIRECTORY ${AKT_CLUSTER_GEN_DIR})
add_custom_command(
  OUTPUT ${AKT_CLUSTER_GEN_DIR}/cluster.pb-c.c ${AKT_CLUSTER_GEN_DIR}/cluster.pb-c.h
  COMMAND ${AKT_PROTOC_C} --c_out=${AKT_CLUSTER_GEN_DIR} -I${PROJECT_SOURCE_DIR}/idl ${AKT_CLUSTER_PROTO}
  DEPENDS ${AKT_CLUSTER_PROTO}
  COMMENT "protoc-c idl/cluster.proto"
  VERBATIM)
set_source_files_properties(${AKT_CLUSTER_GEN_DIR}/cluster.pb-c.c PROPERTIES
  GENERATED TRUE COMPILE_OPTIONS "-Wno-pedantic")

file(GLOB AKT_CLUSTER_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
list(APPEND AKT_SOURCES ${AKT_CLUSTER_SOURCES} ${AKT_CLUSTER_GEN_DIR}/cluster.pb-c.c)
list(APPEND AKT_PRIVATE_INCLUDES ${AKT_CLUSTER_GEN_DIR} ${PROTOBUFC_INCLUDE_DIRS})
list(APPEND AKT_PRIVATE_LIBS ${PROTOBUFC_LIBRARIES})

# config: HOCON-style layered configuration (akt/config.h).
#
# The scanner and parser are generated into the build tree with the prefix
# cfgyy (aktc uses its own), and reference.conf is embedded as a byte array
# by embed.cmake (CMake only, no xxd), so libakt carries its defaults.
set(AKT_CFG_SRC ${CMAKE_CURRENT_LIST_DIR})
set(AKT_CFG_GEN ${CMAKE_CURRENT_BINARY_DIR}/config)
file(MAKE_DIRECTORY ${AKT_CFG_GEN})

bison_target(akt_cfg_parser ${AKT_CFG_SRC}/cfg_parse.y ${AKT_CFG_GEN}/cfg_parse.c
  DEFINES_FILE ${AKT_CFG_GEN}/cfg_parse.h
  COMPILE_FLAGS "-Wall -Wno-yacc")
flex_target(akt_cfg_scanner ${AKT_CFG_SRC}/cfg_lex.l ${AKT_CFG_GEN}/cfg_lex.c
  DEFINES_FILE ${AKT_CFG_GEN}/cfg_lex.h)
add_flex_bison_dependency(akt_cfg_scanner akt_cfg_parser)

add_custom_command(
  OUTPUT ${AKT_CFG_GEN}/reference_conf.c
  COMMAND ${CMAKE_COMMAND} -DIN=${AKT_CFG_SRC}/reference.conf
          -DOUT=${AKT_CFG_GEN}/reference_conf.c -P ${AKT_CFG_SRC}/embed.cmake
  DEPENDS ${AKT_CFG_SRC}/reference.conf ${AKT_CFG_SRC}/embed.cmake
  COMMENT "Embedding reference.conf"
  VERBATIM)

list(APPEND AKT_SOURCES
  ${AKT_CFG_SRC}/cfg_mem.c
  ${AKT_CFG_SRC}/cfg_value.c
  ${AKT_CFG_SRC}/cfg_build.c
  ${AKT_CFG_SRC}/cfg_merge.c
  ${AKT_CFG_SRC}/cfg_resolve.c
  ${AKT_CFG_SRC}/cfg_render.c
  ${AKT_CFG_SRC}/config.c
  ${AKT_CFG_SRC}/settings_reader.c
  ${BISON_akt_cfg_parser_OUTPUTS}
  ${FLEX_akt_cfg_scanner_OUTPUTS}
  ${AKT_CFG_GEN}/reference_conf.c)
list(APPEND AKT_PRIVATE_INCLUDES ${AKT_CFG_GEN})
# for targets that compile the config code on their own (the fuzzer, which
# needs it instrumented): sources and generated include dir
set_property(GLOBAL PROPERTY AKT_CONFIG_SOURCES
  ${AKT_CFG_SRC}/cfg_mem.c ${AKT_CFG_SRC}/cfg_value.c ${AKT_CFG_SRC}/cfg_build.c
  ${AKT_CFG_SRC}/cfg_merge.c ${AKT_CFG_SRC}/cfg_resolve.c ${AKT_CFG_SRC}/cfg_render.c
  ${AKT_CFG_SRC}/config.c ${BISON_akt_cfg_parser_OUTPUTS}
  ${FLEX_akt_cfg_scanner_OUTPUTS} ${AKT_CFG_GEN}/reference_conf.c
  ${CMAKE_CURRENT_LIST_DIR}/../core/err.c)
set_property(GLOBAL PROPERTY AKT_CONFIG_GEN_DIR ${AKT_CFG_GEN})


# Generated C is not ours to lint: flex's output trips -Wsign-compare etc.
set_source_files_properties(${FLEX_akt_cfg_scanner_OUTPUTS}
  PROPERTIES COMPILE_OPTIONS "-Wno-sign-compare;-Wno-unused-function;-Wno-unused-parameter")

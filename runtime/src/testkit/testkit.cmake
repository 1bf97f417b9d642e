# akt-testkit: probes, virtual time and deterministic systems for tests
# (akt/testkit.h). A separate static library on top of libakt's public API;
# our own suites link it (tests/kit, tests/core).
add_library(akt-testkit STATIC ${CMAKE_CURRENT_LIST_DIR}/testkit.c)
target_include_directories(akt-testkit PUBLIC
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/runtime/include>)
target_compile_definitions(akt-testkit PRIVATE _GNU_SOURCE)
target_link_libraries(akt-testkit PUBLIC akt_static)
# installed beside libakt (akt::akt-testkit in the CMake package)
install(TARGETS akt-testkit EXPORT aktTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})

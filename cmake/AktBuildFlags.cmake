# AktBuildFlags.cmake -- the warning and sanitizer flags of akt's own
# targets (not installed; find_package(akt) users never see it).
#
# The flags are set on each target that akt's tree defines, never with
# add_compile_options() / add_link_options() or CMAKE_C_FLAGS, so nothing
# reaches a project that brings akt in with add_subdirectory() (its own
# targets, or the code akt_generate() adds to them), and every target gets
# them whichever folder defines it. Call akt_apply_build_flags() once, at
# the end of the top-level CMakeLists.txt, after every add_subdirectory().
#
#   AKT_WARNING_FLAGS     compile options of every C target
#   AKT_SANITIZE          '' | address (ASan + UBSan) | thread (TSan)
#   AKT_SANITIZER_FLAGS   the compile options AKT_SANITIZE implies (also
#                         handed to out-of-tree builds that tests make: the
#                         install and doc tests)
include_guard(GLOBAL)

set(AKT_WARNING_FLAGS -Wall -Wextra -Wpedantic -Wno-unused-parameter)

set(AKT_SANITIZER_FLAGS "")
set(AKT_SANITIZER_LINK_FLAGS "")
set(AKT_SANITIZER_DEFS "")
if(AKT_SANITIZE STREQUAL "address")
  set(AKT_SANITIZER_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  set(AKT_SANITIZER_LINK_FLAGS -fsanitize=address,undefined)
elseif(AKT_SANITIZE STREQUAL "thread")
  set(AKT_SANITIZER_FLAGS -fsanitize=thread -fno-omit-frame-pointer)
  set(AKT_SANITIZER_LINK_FLAGS -fsanitize=thread)
  set(AKT_SANITIZER_DEFS AKT_TSAN=1)
elseif(NOT AKT_SANITIZE STREQUAL "")
  message(FATAL_ERROR "AKT_SANITIZE must be '', 'address' or 'thread', not '${AKT_SANITIZE}'")
endif()

# akt_apply_build_flags(<dir>) -- add the flags above to every target
# defined in <dir> and the folders below it that compiles or links C.
function(akt_apply_build_flags dir)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  foreach(t IN LISTS targets)
    get_target_property(type ${t} TYPE)
    if(type MATCHES "^(EXECUTABLE|STATIC_LIBRARY|SHARED_LIBRARY|MODULE_LIBRARY|OBJECT_LIBRARY)$")
      # PRIVATE: a target's own compile; per-source options (the -Wno-*
      # for flex/bison output) still come after these on the command line
      target_compile_options(${t} PRIVATE ${AKT_WARNING_FLAGS} ${AKT_SANITIZER_FLAGS})
      if(AKT_SANITIZER_DEFS)
        target_compile_definitions(${t} PRIVATE ${AKT_SANITIZER_DEFS})
      endif()
      if(AKT_SANITIZER_LINK_FLAGS AND type MATCHES "^(EXECUTABLE|SHARED_LIBRARY|MODULE_LIBRARY)$")
        target_link_options(${t} PRIVATE ${AKT_SANITIZER_LINK_FLAGS})
      endif()
    endif()
  endforeach()
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(d IN LISTS subdirs)
    akt_apply_build_flags(${d})
  endforeach()
endfunction()

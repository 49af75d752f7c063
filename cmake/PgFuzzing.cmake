# The fuzz preset (docs/fuzzing.md): every library is instrumented for libFuzzer's coverage and
# runs under AddressSanitizer and UndefinedBehaviorSanitizer; only the fuzzers link libFuzzer's
# main (pg_fuzzer). Needs clang with its runtime (Debian: clang-14, libclang-rt-14-dev).
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "PG_BUILD_FUZZERS needs clang (cmake --preset fuzz uses clang++-14)")
endif()
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
                    -fno-omit-frame-pointer)
add_link_options(-fsanitize=address,undefined)

# pg_fuzzer(NAME SOURCES ... DEPS ...)  a libFuzzer executable NAME (fuzz/NAME.cc's target);
# `fuzzers` builds them all, and only what they link.
function(pg_fuzzer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;INCLUDES" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR} ${ARG_INCLUDES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} pg_warnings)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  if(NOT TARGET fuzzers)
    add_custom_target(fuzzers)
  endif()
  add_dependencies(fuzzers ${name})
endfunction()

# Writes a C++ source defining `std::string_view <FUNCTION>()` that returns the bytes of INPUT.
# Usage: cmake -DINPUT=... -DOUTPUT=... -DFUNCTION=pg::api::OpenApiDocument -P embed_file.cmake
file(READ "${INPUT}" content HEX)
string(LENGTH "${content}" hex_length)
math(EXPR byte_count "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${content}")
string(REGEX MATCH "^(.*)::([^:]+)$" _ "${FUNCTION}")
set(ns "${CMAKE_MATCH_1}")
set(fn "${CMAKE_MATCH_2}")
file(WRITE "${OUTPUT}"
  "// Generated from ${INPUT}; do not edit.\n#include <string_view>\nnamespace ${ns} {\n"
  "namespace { const char kBytes[] = {${bytes} 0}; }\n"
  "std::string_view ${fn}() { return std::string_view(kBytes, ${byte_count}); }\n}\n")

#include "cli/fail.h"

#include <cstdio>

namespace pg::cli {

int Fail(const std::string& message) {
  std::fprintf(stderr, "parkguide: %s\n", message.c_str());
  return 1;
}

}  // namespace pg::cli

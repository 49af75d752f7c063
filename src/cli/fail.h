// How every command reports that it could not do its job: one line on stderr, "parkguide: " and
// a message that names the file, line or option at fault, and exit code 1.
#pragma once

#include <string>

namespace pg::cli {

// Prints "parkguide: <message>" to stderr and returns 1 (the command's exit code).
int Fail(const std::string& message);

}  // namespace pg::cli

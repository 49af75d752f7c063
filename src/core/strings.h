// Small string helpers used across modules (splitting, trimming, strict number parsing).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace pg {

// Splits on `sep`; keeps empty fields ("a,,b" gives 3 fields).
std::vector<std::string_view> SplitString(std::string_view text, char sep);
std::string_view TrimSpace(std::string_view text);
std::string ToLowerAscii(std::string_view text);

// Strict parsers: the whole (space-trimmed) text must be the number; nullopt otherwise.
std::optional<double> ParseDouble(std::string_view text);
std::optional<int64_t> ParseInt(std::string_view text);

// A network address: "HOST:PORT", "[IPv6]:PORT", or HOST alone (then `default_port`; with
// default_port 0 the port is required). The host is returned without brackets. Errors:
// kInvalidArgument naming `field` (the flag the text came from).
Result<std::pair<std::string, int>> ParseHostPort(std::string_view text, int default_port,
                                                  std::string_view field);

// Appends `text` as a JSON string literal: quotes, backslashes and control characters escaped,
// malformed UTF-8 replaced by U+FFFD, so the result is valid JSON whatever the input bytes.
void AppendJsonString(std::string& out, std::string_view text);

}  // namespace pg

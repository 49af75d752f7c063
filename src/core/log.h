// Minimal leveled logging to stderr: one line per message, time-stamped, thread-safe.
//
//   PG_LOG_INFO("imported {} facilities", n);
#pragma once

#include <fmt/format.h>

#include <string_view>

namespace pg {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

void SetLogLevel(LogLevel level);
bool LogEnabled(LogLevel level);
void LogLine(LogLevel level, std::string_view message);

}  // namespace pg

#define PG_LOG_AT(level, ...)                                                   \
  do {                                                                          \
    if (::pg::LogEnabled(level)) ::pg::LogLine(level, fmt::format(__VA_ARGS__)); \
  } while (false)
#define PG_LOG_DEBUG(...) PG_LOG_AT(::pg::LogLevel::kDebug, __VA_ARGS__)
#define PG_LOG_INFO(...) PG_LOG_AT(::pg::LogLevel::kInfo, __VA_ARGS__)
#define PG_LOG_WARNING(...) PG_LOG_AT(::pg::LogLevel::kWarning, __VA_ARGS__)
#define PG_LOG_ERROR(...) PG_LOG_AT(::pg::LogLevel::kError, __VA_ARGS__)

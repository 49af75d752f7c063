#include "store/write_rules.h"

#include <fmt/format.h>

#include <vector>

#include "core/redact.h"
#include "core/text_bounds.h"
#include "model/validation.h"

namespace pg::store {

Status ValidSource(const model::Source& source) {
  const std::vector<Status> problems = model::Validate(source);
  if (problems.empty()) return Status::Ok();
  const Status& first = problems.front();
  return InvalidArgument(
      fmt::format("source '{}': {}", BoundedText(source.id.str(), 80), first.message()),
      first.field());
}

std::string StoredText(std::string_view text) {
  constexpr size_t kMaxStoredText = size_t{64} << 10;
  return RedactSecrets(text.substr(0, kMaxStoredText));
}

int64_t HourBucketMs(int64_t unix_ms) {
  constexpr int64_t kHourMs = 3'600'000;
  return unix_ms >= 0 ? unix_ms / kHourMs * kHourMs : (unix_ms - kHourMs + 1) / kHourMs * kHourMs;
}

}  // namespace pg::store

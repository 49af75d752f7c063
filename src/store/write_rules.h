// What every store implementation applies to a write before it keeps it, so that SQLite and
// PostgreSQL keep exactly the same thing: one author for each rule.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "model/city_model.h"

namespace pg::store {

// A source as a store may keep it: one that model::Validate finds nothing wrong with reads back
// (SourceFromJson needs a scope, an id…), so LoadRegistry never fails on it. Errors:
// kInvalidArgument naming the source and the field.
Status ValidSource(const model::Source& source);

// Text kept from outside (a dead letter's payload, an audit entry's request): at most 64 KiB, then
// RedactSecrets — cut first, so that the rules also catch a secret cut short at the end.
std::string StoredText(std::string_view text);

// The start of the hour holding `unix_ms`, in ms (floor, also before 1970): a counter's bucket.
int64_t HourBucketMs(int64_t unix_ms);

// How many dead letters a store keeps: the newest, the rest go as new ones come.
inline constexpr int64_t kDeadLettersKept = 10'000;

}  // namespace pg::store

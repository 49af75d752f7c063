// The counters' role: named event counters in hourly buckets ("guidance.queries", …) that the
// server adds to and the weekly report sums.
//
// Contract (every implementation): AddToCounter is one transaction; buckets start on the hour
// (UTC). Storage faults fail a call with kUnavailable and a retry hint (store.h).
//
// Thread-safety: implementations are safe to call from several threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/status.h"
#include "core/time.h"

namespace pg::store {

// Sums counters (analytics).
class CounterReader {
 public:
  virtual ~CounterReader() = default;

  // The sum of a counter over buckets starting in [from, to); nullopt when no bucket of that
  // counter exists in the range (never recorded, as opposed to zero).
  virtual Result<std::optional<int64_t>> CounterSum(const std::string& name, Timestamp from,
                                                    Timestamp to) = 0;
};

// Counts (the server's counters).
class CounterWriter {
 public:
  virtual ~CounterWriter() = default;

  // Adds `count` to the hourly bucket of counter `name` holding `time`.
  virtual Status AddToCounter(const std::string& name, Timestamp time, int64_t count) = 0;
};

// Both.
class CounterStore : public CounterReader, public CounterWriter {};

}  // namespace pg::store

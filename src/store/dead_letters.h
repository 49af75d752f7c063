// The dead letters' role: messages an ingestion channel refused, kept with the reason so that an
// operator can see why a feed is not arriving (GET /api/v1/ingest/errors, the weekly report).
//
// Contract (every implementation): only the newest 10,000 letters are kept; an Append is one
// transaction. The store never keeps a credential: topic, reason and payload go through
// RedactSecrets (core/redact.h) on the way in, the payload cut to 64 KiB first. Storage faults
// fail a call with kUnavailable and a retry hint (store.h).
//
// Thread-safety: implementations are safe to call from several threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace pg::store {

// A message an ingestion channel refused, kept with the reason (GET /api/v1/ingest/errors).
// (The SQLite store's schema v6 scrubbed the rows stored before redaction.)
struct DeadLetter {
  int64_t id = 0;  // assigned by the store, increasing
  Timestamp received;
  std::string channel;  // "mqtt"
  std::string topic;
  std::string source;  // when known
  std::string reason;
  std::string payload;  // truncated to 64 KiB, then redacted
};

// Reads dead letters (the ingest API, analytics).
class DeadLetterReader {
 public:
  virtual ~DeadLetterReader() = default;

  // The newest `limit` dead letters, newest first.
  virtual Result<std::vector<DeadLetter>> LoadDeadLetters(int limit) = 0;
};

// Keeps dead letters (the ingestion channels).
class DeadLetterWriter {
 public:
  virtual ~DeadLetterWriter() = default;

  // Keeps a refused message (`letter.id` is ignored); only the newest 10,000 are kept.
  virtual Status AppendDeadLetter(const DeadLetter& letter) = 0;
};

// Both.
class DeadLetterStore : public DeadLetterReader, public DeadLetterWriter {};

}  // namespace pg::store

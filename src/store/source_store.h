// The sources' role: who may send observations, with the hash of their key (ingest/core/keys.h
// verifies it) and whether they are revoked. `parkguide source` writes them; the server loads
// them into its key ring at start-up.
//
// Contract (every implementation): each call is one transaction. The store never sees a key,
// only its encoded hash. Storage faults fail a call with kUnavailable and a retry hint (store.h).
//
// Thread-safety: implementations are safe to call from several threads.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "model/city_model.h"

namespace pg::store {

// A source as stored, with its key material (never the key itself).
struct SourceRecord {
  model::Source source;
  std::string key_hash;  // an encoded password hash (argon2id), verified by ingest/auth
  Timestamp created;
};

// Reads the sources and their keys (the server's key ring).
class SourceReader {
 public:
  virtual ~SourceReader() = default;

  // Every source, revoked ones included, in id order.
  virtual Result<std::vector<SourceRecord>> LoadSources() = 0;
};

// Adds and revokes sources (`parkguide source`, the demo city).
class SourceWriter {
 public:
  virtual ~SourceWriter() = default;

  // Errors: kInvalidArgument naming the field when the source is not valid (model::Validate:
  // an empty scope, a description over its bound…), so that every stored source reads back
  // (LoadSources, LoadRegistry); kAlreadyExists when the id is taken.
  virtual Status AddSource(const SourceRecord& record) = 0;
  // Marks the source revoked at `when` and clears its key hash: a revoked source never
  // authenticates again, and a registry write of the same source does not undo it.
  // Errors: kNotFound for an unknown id.
  virtual Status RevokeSource(const model::SourceId& id, Timestamp when) = 0;
};

// Both.
class SourceStore : public SourceReader, public SourceWriter {};

}  // namespace pg::store

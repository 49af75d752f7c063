// The sign history's roles: what every sign was told to show and why, when its controller
// confirmed it, its controller's faults, and operators' overrides — kept for audit (signs/,
// docs/api/signs.md). signs/ writes it and resumes from it after a restart; the signs API and the
// weekly report read it.
//
// Contract (every implementation): each Append/Mark call is one transaction, applied whole or not
// at all; the SQLite store syncs it to the disk before it returns (SqliteStoreOptions::kFull), so
// a content is on record before it is published. The store keeps the documents as given; it does
// not read them. Time ranges are half-open, [from, to). Storage faults fail a call with
// kUnavailable and a retry hint (store.h).
//
// Thread-safety: implementations are safe to call from several threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "model/city_model.h"

namespace pg::store {

// One content a sign was told to show, from `time` until the next record of the same sign
// (signs/, docs/api/signs.md). The store keeps the documents as given; it does not read them.
struct SignDisplayRecord {
  model::SignId sign;
  int64_t seq = 0;  // per sign, increasing with every new content
  Timestamp time;   // when it was published to the controller
  std::string content_json;
  std::string cause_json;  // what made the content change: observation, plan, override, clock
  std::optional<Timestamp> acknowledged;  // when the controller first confirmed showing it
};

// A controller's confirmation that it shows content `seq` of `sign`.
struct SignAck {
  model::SignId sign;
  int64_t seq = 0;
  Timestamp when;
};

// An event in the life of a sign's controller: offline, online, a reported fault.
struct SignFaultRecord {
  model::SignId sign;
  Timestamp time;
  std::string kind;    // "offline", "online", "controller_fault", "publish_failed"
  std::string detail;  // human-readable: why
};

// An operator's override of a sign, kept for audit after it ends.
struct SignOverrideRecord {
  int64_t id = 0;  // assigned by AddSignOverride
  model::SignId sign;
  std::optional<int> line;  // 0-based line; absent: every line
  std::string kind;         // "text" or "blank"
  model::LocalizedName text;
  std::string reason;
  std::string created_by;  // the key that set it
  Timestamp created;
  Timestamp expires;
  std::optional<Timestamp> ended;  // cleared by an operator, replaced, or expired
  std::string ended_by;
  std::string end_reason;
};

// Reads the history (the signs API, the weekly report, signs/ when it resumes).
class SignHistoryReader {
 public:
  virtual ~SignHistoryReader() = default;

  // Display records of one sign with from <= time < to, oldest first, at most `limit`.
  virtual Result<std::vector<SignDisplayRecord>> LoadSignDisplays(const model::SignId& sign,
                                                                  Timestamp from, Timestamp to,
                                                                  size_t limit) = 0;
  // What the sign was told to show at `at`: its newest record with time <= at; nullopt when
  // there is none.
  virtual Result<std::optional<SignDisplayRecord>> SignDisplayAt(const model::SignId& sign,
                                                                 Timestamp at) = 0;
  // The newest record of every sign that has one, in sign id order (to resume after a restart).
  virtual Result<std::vector<SignDisplayRecord>> LatestSignDisplays() = 0;

  // Fault events of one sign with from <= time < to, oldest first, at most `limit`.
  virtual Result<std::vector<SignFaultRecord>> LoadSignFaults(const model::SignId& sign,
                                                              Timestamp from, Timestamp to,
                                                              size_t limit) = 0;
  // The newest fault event of one sign with time <= at; nullopt when there is none.
  virtual Result<std::optional<SignFaultRecord>> SignFaultAt(const model::SignId& sign,
                                                             Timestamp at) = 0;

  // Overrides of one sign (all signs when `sign` is null), newest first, at most `limit`;
  // only those not yet ended when `open_only`.
  virtual Result<std::vector<SignOverrideRecord>> LoadSignOverrides(const model::SignId* sign,
                                                                    bool open_only,
                                                                    size_t limit) = 0;
};

// Writes the history (signs/).
class SignHistoryWriter {
 public:
  virtual ~SignHistoryWriter() = default;

  // Appends records in one transaction. Errors: kAlreadyExists when a (sign, seq) is stored
  // already (nothing of the batch is written).
  virtual Status AppendSignDisplays(std::span<const SignDisplayRecord> records) = 0;
  // Records the first acknowledgement of each (sign, seq), in one transaction; later ones leave
  // it unchanged. An unknown (sign, seq) is not an error: an acknowledgement may outrun
  // nothing it could confirm.
  virtual Status MarkSignsAcknowledged(std::span<const SignAck> acks) = 0;

  virtual Status AppendSignFault(const SignFaultRecord& record) = 0;

  // Stores a new override and returns its id (`record.id` is ignored), increasing.
  virtual Result<int64_t> AddSignOverride(const SignOverrideRecord& record) = 0;
  // Marks an override ended. Errors: kNotFound for an unknown id; kFailedPrecondition when it
  // has ended already.
  virtual Status EndSignOverride(int64_t id, Timestamp when, const std::string& by,
                                 const std::string& reason) = 0;
};

// Both: what signs/ needs.
class SignHistory : public SignHistoryReader, public SignHistoryWriter {};

}  // namespace pg::store

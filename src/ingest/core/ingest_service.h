// IngestService: what every ingestion channel (HTTP, MQTT) does with a batch — authenticate,
// parse and validate the whole batch, check every target against the source's scope and the
// source's rate, then hand it to the pipeline and report the outcome once it is durable.
//
//   service.Submit(request.Header("authorization"), request.body, journal::Channel::kHttp,
//                  [](IngestResult r) { /* 200 with counts, or the rejection */ });
//
// Outcomes (mapped to HTTP by api/ingest_api.cc):
//   kUnauthenticated   no valid key (401)
//   kInvalidArgument   the document or any item is invalid, or a seq the sequence rule
//                      refuses (state/sequence.h): every bad item is listed (400)
//   kPermissionDenied  a target outside the source's scope: every such item is listed (403)
//   kResourceExhausted more than max_batch items (413) or over the source's rate (429, with
//                      retry_after)
//   kUnavailable       the journal cannot be written now or the queue is full (503, with
//                      retry_after while a storage fault lasts)
// Nothing of a rejected batch is applied.
//
// Thread-safety: Submit from any thread; `done` runs on the caller's thread (rejections) or
// on the pipeline's committer thread (accepted batches) and must be quick.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "ingest/core/clock_check.h"
#include "ingest/core/keys.h"
#include "ingest/core/observation_parser.h"
#include "ingest/core/pipeline.h"
#include "journal/observation_codec.h"
#include "state/live_state.h"

namespace pg::ingest {

struct IngestLimits {
  size_t max_batch = 10'000;
  // Token bucket per source: observations per second, and the burst it may send at once.
  double observations_per_second = 200'000;
  double burst = 200'000;
  std::chrono::seconds max_future{300};
};

struct IngestResult {
  Status status;                 // OK: accepted and durable
  state::BatchCounts counts;     // when OK
  std::vector<ItemError> items;  // the bad or out-of-scope items, when rejected for them
  int retry_after_s = 0;         // for a rate limit (429) or a storage fault (503)
  std::string source;            // the authenticated source, when known
};

class IngestService {
 public:
  using Done = std::function<void(IngestResult)>;

  // REQUIRES: all arguments outlive the service.
  IngestService(state::LiveState& state, KeyRing& keys, ObservationPipeline& pipeline,
                const Clock& clock, IngestLimits limits = {});

  // The source whose key `credentials` is (the Authorization header value or a bare key),
  // reloading the keys once a second at most when the key is not known (a source added since).
  // Errors: kUnauthenticated. What the HTTP channel checks before reading a request's body.
  Result<std::shared_ptr<const Principal>> Authenticate(std::string_view credentials);

  // `credentials` is the Authorization header value (or a bare key); when `trusted_source` is
  // set instead (a broker that authenticated the publisher), no key is needed.
  void Submit(std::string_view credentials, std::string_view body, journal::Channel channel,
              Done done, const model::Source* trusted_source = nullptr);

  // A message of a publish/subscribe channel (MQTT) for the source named by its topic. The key
  // travels in the payload's root "key" member, unless `trust_topic_source` (the broker
  // authenticated the publisher and its ACL ties it to its topic; the source must still exist
  // and not be revoked). A key of another source than the topic's is refused
  // (kPermissionDenied). The key is checked before the payload is parsed (FindRootKey): a
  // message with a wrong key is refused at the cost of a scan.
  void SubmitMessage(std::string_view topic_source, std::string_view payload,
                     journal::Channel channel, Done done, bool trust_topic_source = false);

  // Validates and submits observations already parsed (the simulator, replays). Same outcomes.
  void SubmitParsed(const Principal& principal, std::vector<model::Observation> observations,
                    journal::Channel channel, Done done);

  // Called when a key is not known, at most once a second: reload keys (new sources).
  void SetKeyReloader(std::function<void()> reload);

  const IngestLimits& limits() const { return limits_; }

  // Per source, its newest batch refused for a time too far in the future (when, by how much):
  // what SuspectServerClock (clock_check.h) reads.
  std::vector<FutureRefusal> FutureRefusals() const;

 private:
  struct Bucket {
    double tokens = 0;
    Timestamp refilled;
  };
  // Takes `n` tokens of `source`; the seconds to wait when there are not enough.
  int TakeTokens(const std::string& source, size_t n);
  // Counts the refused seqs among a refused batch's problems on its (authenticated) source.
  void CountSeqErrors(const std::string& source, const std::vector<ItemError>& errors);
  // Adds to `parsed.errors` what the registry says of the items that parsed far enough to name a
  // target (an unknown facility beside a bad time), so that a refusal lists every bad field.
  void AddRegistryErrors(ParsedBatch& parsed) const;
  // The observations of `body` from `source`; nullopt with `result` filled (the document's error,
  // or every bad item: kInvalidArgument) when anything is wrong.
  std::optional<std::vector<model::Observation>> ParseOrRefuse(const model::SourceId& source,
                                                               std::string_view body,
                                                               IngestResult& result);
  // Counts a refused batch's problems on its source: seqs, and times ahead of the clock.
  void CountRefusal(const std::string& source, const ParsedBatch& parsed);

  state::LiveState& state_;
  KeyRing& keys_;
  ObservationPipeline& pipeline_;
  const Clock& clock_;
  const IngestLimits limits_;

  mutable std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;                 // guarded by mu_
  std::unordered_map<std::string, FutureRefusal> future_refusals_;  // guarded by mu_
  std::function<void()> reload_;                                    // guarded by mu_
  Timestamp last_reload_;                                           // guarded by mu_
};

}  // namespace pg::ingest

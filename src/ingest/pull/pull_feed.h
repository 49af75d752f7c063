// Pull adapters: car-park platforms that already publish DATEX II v3 parking status or NGSI-LD
// OffStreetParking entities, polled and fed in as a source like any other — the same scope
// checks, journal and acknowledgement, and dead letters for what cannot be taken
// (docs/interchange.md "Pulling from platforms that publish").
//
//   PG_ASSIGN_OR_RETURN(auto feeds, pull::LoadFeeds("feeds.json"));   // `serve --pull FILE`
//   pull::PullFeeds pulls(std::move(feeds), fetch, ingest, principal_of, dead_letters, clock);
//   pulls.Start();
//
// The feeds file (JSON):
//   {"feeds": [{"id": "hz-datex", "format": "datex2" | "ngsi-ld",
//               "url": "http://host:port/path?query", "source": "<a source id>",
//               "interval_s": 60, "mapping": "hz-mapping.csv"}]}
// The mapping CSV (relative to the feeds file) has a header and two columns, their id (the
// DATEX record id or the NGSI-LD entity id) and our facility id:
//   their_id,facility
//   PGS-P001,F12
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "ingest/core/ingest_service.h"
#include "ingest/pull/feed_readers.h"
#include "store/dead_letters.h"

namespace pg::ingest::pull {

enum class FeedFormat { kDatex2Status, kNgsiLd };

struct HttpUrl {
  std::string host;
  uint16_t port = 80;
  std::string target = "/";  // path and query
};
// "http://host[:port]/path?query". Errors: kInvalidArgument (field "url"); https is not spoken
// here (a TLS proxy on the same host can be).
Result<HttpUrl> ParseHttpUrl(std::string_view url);

struct FeedConfig {
  std::string id;
  FeedFormat format = FeedFormat::kDatex2Status;
  std::string url;
  HttpUrl http;
  model::SourceId source;
  std::chrono::seconds interval{60};
  std::map<std::string, model::FacilityId> mapping;  // their id → our facility
};

// Errors: kInvalidArgument naming the file (and the mapping file and its line) and the field.
Result<std::vector<FeedConfig>> LoadFeeds(const std::string& path);

// Readings → observations of one feed, remembering what it has taken: a reading no newer than
// the last one of its site is skipped (a poll repeats what did not change), an unknown one
// gives nothing (its facility goes stale on its own rather than show an old count as live), a
// site the feed says closed gives facility_status closed, and open again once it said closed.
class FeedTranslator {
 public:
  explicit FeedTranslator(const FeedConfig& config) : config_(config) {}

  struct Translation {
    std::vector<model::Observation> observations;
    std::vector<std::string> unmapped;  // their ids no facility is mapped to, newly seen
  };
  Translation Translate(const std::vector<SiteReading>& readings);

 private:
  const FeedConfig& config_;
  std::map<std::string, Timestamp> taken_;  // their id → time of the newest reading taken
  std::map<std::string, bool> closed_;      // their id → the last opening status said
  std::map<std::string, bool> unmapped_;    // reported once
};

// An HTTP GET of the feed; the body on a 200, an error otherwise.
using Fetch = std::function<Result<std::string>(const HttpUrl& url)>;
// The principal of an active source; null when there is none (revoked, removed).
using PrincipalOf = std::function<std::shared_ptr<const Principal>(const model::SourceId&)>;

class PullFeeds {
 public:
  // REQUIRES: the references outlive the object.
  PullFeeds(std::vector<FeedConfig> feeds, Fetch fetch, IngestService& ingest,
            PrincipalOf principal_of, store::DeadLetterWriter& dead_letters, const Clock& clock);
  ~PullFeeds();  // Stop()

  void Start();  // one thread polls every feed at its interval, the first poll at once
  void Stop();

  // One poll of feed `i` now (the thread's work; tests call it directly).
  void PollOnce(size_t i);

  struct Stats {
    uint64_t polls = 0, failures = 0, observations = 0, dead_letters = 0;
  };
  Stats stats() const;

 private:
  void Run();
  void DeadLetter(const FeedConfig& feed, std::string reason, std::string_view payload);

  std::vector<FeedConfig> feeds_;
  std::vector<std::unique_ptr<FeedTranslator>> translators_;
  Fetch fetch_;
  IngestService& ingest_;
  PrincipalOf principal_of_;
  store::DeadLetterWriter& dead_letters_;
  const Clock& clock_;
  std::atomic<uint64_t> polls_{0}, failures_{0}, observations_{0}, dead_letter_count_{0};
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace pg::ingest::pull

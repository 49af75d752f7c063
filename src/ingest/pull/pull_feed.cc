#include "ingest/pull/pull_feed.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/csv.h"
#include "core/log.h"
#include "core/strings.h"
#include "model/validation.h"

namespace pg::ingest::pull {
namespace {

using nlohmann::json;

constexpr size_t kDeadLetterExcerpt = 4096;

Result<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgument(fmt::format("{}: cannot be read", path), "path");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Result<std::map<std::string, model::FacilityId>> LoadMapping(const std::string& path) {
  PG_ASSIGN_OR_RETURN(std::string text, ReadText(path));
  int error_line = 0;
  auto records = ParseCsv(StripUtf8Bom(text), &error_line);
  if (!records.ok()) {
    return InvalidArgument(fmt::format("{}:{}: {}", path, error_line, records.status().message()),
                           "mapping");
  }
  std::map<std::string, model::FacilityId> mapping;
  for (const CsvRecord& r : *records) {
    if (r.line == 1 && !r.cells.empty() && r.cells[0] == "their_id") continue;  // the header
    if (r.cells.size() == 1 && r.cells[0].empty()) continue;                    // a blank line
    if (r.cells.size() != 2 || r.cells[0].empty()) {
      return InvalidArgument(
          fmt::format("{}:{}: expected two cells, their_id,facility", path, r.line), "mapping");
    }
    if (Status s = model::ValidateId(r.cells[1], "facility"); !s.ok()) {
      return InvalidArgument(fmt::format("{}:{}: facility {}", path, r.line, s.message()),
                             "mapping");
    }
    if (!mapping.emplace(r.cells[0], model::FacilityId(r.cells[1])).second) {
      return InvalidArgument(fmt::format("{}:{}: '{}' is mapped twice", path, r.line, r.cells[0]),
                             "mapping");
    }
  }
  return mapping;
}

Result<FeedConfig> FeedOf(const json& j, const std::string& file, const std::string& dir) {
  auto bad = [&](std::string_view field, std::string_view why) {
    return InvalidArgument(fmt::format("{}: feed {}: {} {}", file,
                                       j.contains("id") ? j["id"].dump() : "?", field, why),
                           std::string(field));
  };
  FeedConfig f;
  for (const char* field : {"id", "format", "url", "source", "mapping"}) {
    if (!j.contains(field) || !j[field].is_string()) return bad(field, "is required (a string)");
  }
  f.id = j["id"];
  if (j["format"] == "datex2") {
    f.format = FeedFormat::kDatex2Status;
  } else if (j["format"] == "ngsi-ld") {
    f.format = FeedFormat::kNgsiLd;
  } else {
    return bad("format", "must be datex2 or ngsi-ld");
  }
  f.url = j["url"];
  auto url = ParseHttpUrl(f.url);
  if (!url.ok()) return bad("url", url.status().message());
  f.http = *url;
  if (Status s = model::ValidateId(j["source"].get<std::string>(), "source"); !s.ok()) {
    return bad("source", s.message());
  }
  f.source = model::SourceId(j["source"].get<std::string>());
  if (j.contains("interval_s")) {
    if (!j["interval_s"].is_number_integer() || j["interval_s"] < 1 || j["interval_s"] > 86400) {
      return bad("interval_s", "must be a whole number of seconds in 1..86400");
    }
    f.interval = std::chrono::seconds(j["interval_s"].get<int>());
  }
  std::filesystem::path mapping = j["mapping"].get<std::string>();
  if (mapping.is_relative()) mapping = std::filesystem::path(dir) / mapping;
  PG_ASSIGN_OR_RETURN(f.mapping, LoadMapping(mapping.string()));
  return f;
}

model::Observation FacilityObservation(const FeedConfig& feed, const model::FacilityId& facility,
                                       Timestamp time, model::ObservationType type) {
  model::Observation o;
  o.type = type;
  o.source = feed.source;
  o.time = time;
  o.target = facility.str();
  return o;
}

}  // namespace

Result<HttpUrl> ParseHttpUrl(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme) {
    return InvalidArgument("must start with http:// (for https, a TLS proxy on the same host)",
                           "url");
  }
  url.remove_prefix(kScheme.size());
  HttpUrl out;
  const size_t slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  out.target = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  if (const size_t colon = authority.rfind(':');
      colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
    auto port = ParseInt(authority.substr(colon + 1));
    if (!port || *port < 1 || *port > 65535) return InvalidArgument("has a bad port", "url");
    out.port = static_cast<uint16_t>(*port);
    authority = authority.substr(0, colon);
  }
  if (authority.size() > 2 && authority.front() == '[' && authority.back() == ']') {
    authority = authority.substr(1, authority.size() - 2);
  }
  if (authority.empty()) return InvalidArgument("has no host", "url");
  out.host = std::string(authority);
  return out;
}

Result<std::vector<FeedConfig>> LoadFeeds(const std::string& path) {
  PG_ASSIGN_OR_RETURN(std::string text, ReadText(path));
  const json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("feeds") || !doc["feeds"].is_array()) {
    return InvalidArgument(fmt::format("{}: expected {{\"feeds\": [...]}}", path), "feeds");
  }
  const std::string dir = std::filesystem::path(path).parent_path().string();
  std::vector<FeedConfig> feeds;
  for (const json& j : doc["feeds"]) {
    if (!j.is_object())
      return InvalidArgument(fmt::format("{}: a feed is not an object", path), "feeds");
    PG_ASSIGN_OR_RETURN(FeedConfig f, FeedOf(j, path, dir));
    for (const FeedConfig& other : feeds) {
      if (other.id == f.id) {
        return InvalidArgument(fmt::format("{}: feed \"{}\" is named twice", path, f.id), "id");
      }
    }
    feeds.push_back(std::move(f));
  }
  return feeds;
}

FeedTranslator::Translation FeedTranslator::Translate(const std::vector<SiteReading>& readings) {
  Translation out;
  for (const SiteReading& r : readings) {
    auto mapped = config_.mapping.find(r.their_id);
    if (mapped == config_.mapping.end()) {
      if (!unmapped_[r.their_id]) out.unmapped.push_back(r.their_id);
      unmapped_[r.their_id] = true;
      continue;
    }
    if (r.unknown) continue;
    auto taken = taken_.find(r.their_id);
    if (taken != taken_.end() && r.time <= taken->second) continue;
    taken_[r.their_id] = r.time;
    const model::FacilityId& facility = mapped->second;
    const bool was_closed = closed_[r.their_id];
    if (r.opening == SiteReading::Opening::kClosed && !was_closed) {
      auto o =
          FacilityObservation(config_, facility, r.time, model::ObservationType::kFacilityStatus);
      o.facility_status = model::FacilityStatus::kClosed;
      out.observations.push_back(std::move(o));
      closed_[r.their_id] = true;
    } else if (r.opening == SiteReading::Opening::kOpen && was_closed) {
      auto o =
          FacilityObservation(config_, facility, r.time, model::ObservationType::kFacilityStatus);
      o.facility_status = model::FacilityStatus::kOpen;
      out.observations.push_back(std::move(o));
      closed_[r.their_id] = false;
    }
    if (r.vacant || r.occupied) {
      auto o =
          FacilityObservation(config_, facility, r.time, model::ObservationType::kFacilityCount);
      o.free = r.vacant;
      o.occupied = r.occupied;
      out.observations.push_back(std::move(o));
    }
  }
  return out;
}

PullFeeds::PullFeeds(std::vector<FeedConfig> feeds, Fetch fetch, IngestService& ingest,
                     PrincipalOf principal_of, store::DeadLetterWriter& dead_letters,
                     const Clock& clock)
    : feeds_(std::move(feeds)),
      fetch_(std::move(fetch)),
      ingest_(ingest),
      principal_of_(std::move(principal_of)),
      dead_letters_(dead_letters),
      clock_(clock) {
  for (const FeedConfig& f : feeds_) translators_.push_back(std::make_unique<FeedTranslator>(f));
}

PullFeeds::~PullFeeds() { Stop(); }

void PullFeeds::Start() {
  if (feeds_.empty() || thread_.joinable()) return;
  thread_ = std::thread([this] { Run(); });
}

void PullFeeds::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PullFeeds::Run() {
  std::vector<std::chrono::steady_clock::time_point> due(feeds_.size(),
                                                         std::chrono::steady_clock::now());
  std::unique_lock lock(mu_);
  while (!stopping_) {
    const auto next = std::min_element(due.begin(), due.end());
    if (wake_.wait_until(lock, *next, [this] { return stopping_; })) break;
    const size_t i = static_cast<size_t>(next - due.begin());
    lock.unlock();
    PollOnce(i);
    lock.lock();
    due[i] = std::chrono::steady_clock::now() + feeds_[i].interval;
  }
}

void PullFeeds::PollOnce(size_t i) {
  const FeedConfig& feed = feeds_[i];
  polls_.fetch_add(1, std::memory_order_relaxed);
  auto body = fetch_(feed.http);
  if (!body.ok()) {
    failures_.fetch_add(1, std::memory_order_relaxed);
    PG_LOG_WARNING("pull: feed {}: {}", feed.id, body.status().ToString());
    return;
  }
  auto readings =
      feed.format == FeedFormat::kDatex2Status ? ReadDatex2Status(*body) : ReadNgsiLdParking(*body);
  if (!readings.ok()) {
    failures_.fetch_add(1, std::memory_order_relaxed);
    return DeadLetter(feed, std::string(readings.status().message()), *body);
  }
  FeedTranslator::Translation t = translators_[i]->Translate(*readings);
  for (const std::string& id : t.unmapped) {
    DeadLetter(feed, fmt::format("no facility is mapped to '{}' (the feed's mapping file)", id),
               id);
  }
  if (t.observations.empty()) return;
  auto principal = principal_of_(feed.source);
  if (!principal) {
    failures_.fetch_add(1, std::memory_order_relaxed);
    return DeadLetter(
        feed, fmt::format("source '{}' does not exist or is revoked", feed.source.str()), "");
  }
  const size_t n = t.observations.size();
  ingest_.SubmitParsed(*principal, std::move(t.observations), journal::Channel::kPull,
                       [this, i, n](const IngestResult& r) {
                         if (r.status.ok()) {
                           observations_.fetch_add(n, std::memory_order_relaxed);
                           return;
                         }
                         std::string items;
                         for (const ItemError& e : r.items)
                           items += e.Name() + ": " + e.reason + "; ";
                         DeadLetter(feeds_[i], r.status.ToString(), items);
                       });
}

void PullFeeds::DeadLetter(const FeedConfig& feed, std::string reason, std::string_view payload) {
  dead_letter_count_.fetch_add(1, std::memory_order_relaxed);
  store::DeadLetter d;
  d.received = clock_.Now();
  d.channel = "pull";
  d.topic = feed.id;
  d.source = feed.source.str();
  d.reason = std::move(reason);
  d.payload = std::string(payload.substr(0, kDeadLetterExcerpt));
  if (Status s = dead_letters_.AppendDeadLetter(d); !s.ok()) {
    PG_LOG_WARNING("pull: feed {}: cannot keep a dead letter ({}): {}", feed.id, d.reason,
                   s.ToString());
  }
}

PullFeeds::Stats PullFeeds::stats() const {
  return {polls_.load(), failures_.load(), observations_.load(), dead_letter_count_.load()};
}

}  // namespace pg::ingest::pull

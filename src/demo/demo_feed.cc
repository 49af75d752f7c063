#include "demo/demo_feed.h"

#include <algorithm>
#include <span>
#include <vector>

#include "core/log.h"
#include "core/redact.h"
#include "ingest/core/observation_parser.h"

namespace pg::demo {

Result<std::map<std::string, std::string>> LoadDemoKeys(const registry::Registry& registry,
                                                        store::SettingsReader& store) {
  std::map<std::string, std::string> keys;
  for (const auto& source : registry.sources()) {
    PG_ASSIGN_OR_RETURN(auto key, store.GetSetting("demo.key." + source.id.str()));
    if (key) keys[source.id.str()] = *key;
  }
  return keys;
}

DemoFeed::DemoFeed(std::unique_ptr<ingest::simulator::CitySimulator> simulator,
                   std::map<std::string, std::string> keys, Options options)
    : simulator_(std::move(simulator)), keys_(std::move(keys)), options_(std::move(options)) {}

DemoFeed::TickReport DemoFeed::Tick(Timestamp now) {
  std::map<std::string, std::vector<model::Observation>> by_source;
  for (auto& o : simulator_->Tick(now)) by_source[o.source.str()].push_back(std::move(o));
  TickReport report;
  for (const auto& [source, observations] : by_source) {
    auto key = keys_.find(source);
    if (key == keys_.end()) {
      PG_LOG_WARNING("demo feed: no key for source {}", source);
      report.unsent += observations.size();
      continue;
    }
    for (size_t first = 0; first < observations.size(); first += options_.max_batch) {
      size_t n = std::min(options_.max_batch, observations.size() - first);
      Post(key->second, ingest::ToWireJson(std::span(observations).subspan(first, n)), n, report);
    }
  }
  return report;
}

void DemoFeed::Post(const std::string& key, const std::string& body, size_t count,
                    TickReport& report) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!connection_ || !connection_->open()) {
      auto c = api::http::HttpConnection::Open(options_.host, options_.port);
      if (!c.ok()) break;
      connection_ = std::move(*c);
    }
    auto r = connection_->Request(
        "POST", "/api/v1/observations", body,
        {{"Authorization", "Bearer " + key}, {"Content-Type", "application/json"}});
    if (!r.ok()) {
      connection_.reset();
      continue;
    }
    if (r->status == 200) {
      report.accepted += count;
    } else {
      PG_LOG_WARNING("demo feed: {} {}", r->status, RedactSecrets(r->body));
      report.refused += count;
    }
    return;
  }
  report.unsent += count;
}

}  // namespace pg::demo

// DemoFeed: the demo city's live feed, a client of its own server. Each tick of the city
// simulator (ingest/simulator/city_simulator.h) is grouped by source and posted to
// POST /api/v1/observations with that source's key, in batches of at most the API's limit — the
// same path (authentication, scopes, validation, journal, acknowledgement) a car park's gate
// system takes, so the demo exercises what a city runs.
//
//   PG_ASSIGN_OR_RETURN(auto keys, LoadDemoKeys(*registry, settings));
//   DemoFeed feed(std::move(simulator), std::move(keys), {.port = server.port()});
//   DemoFeed::TickReport r = feed.Tick(clock.Now());   // every few seconds
//
// Thread-safety: one thread ticks a feed.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "api/http/client.h"
#include "core/status.h"
#include "core/time.h"
#include "ingest/simulator/city_simulator.h"
#include "registry/registry.h"
#include "store/settings_store.h"

namespace pg::demo {

// The demo database's key of each simulated source (written by the demo's preparation), by
// source id; sources without one are left out. Errors: the store's.
Result<std::map<std::string, std::string>> LoadDemoKeys(const registry::Registry& registry,
                                                        store::SettingsReader& store);

class DemoFeed {
 public:
  struct Options {
    std::string host = "127.0.0.1";
    uint16_t port = 0;
    size_t max_batch = 10'000;  // the API's limit per request
  };
  // What one tick did, in observations.
  struct TickReport {
    size_t accepted = 0;  // answered 200
    size_t refused = 0;   // answered otherwise (logged with the answer)
    size_t unsent = 0;    // no key for their source, or the server could not be reached
  };

  DemoFeed(std::unique_ptr<ingest::simulator::CitySimulator> simulator,
           std::map<std::string, std::string> keys, Options options);

  // Posts what the sources would have sent since the previous tick. A failed connection is
  // opened again and the batch sent once more; what still fails is counted, never retried later
  // (the simulator's next tick carries newer values).
  TickReport Tick(Timestamp now);

 private:
  // Posts one batch; its observations go to one of the report's counts.
  void Post(const std::string& key, const std::string& body, size_t count, TickReport& report);

  std::unique_ptr<ingest::simulator::CitySimulator> simulator_;
  const std::map<std::string, std::string> keys_;
  const Options options_;
  std::unique_ptr<api::http::HttpConnection> connection_;
};

}  // namespace pg::demo

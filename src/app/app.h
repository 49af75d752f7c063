// App: the composition root — opens the store, builds the registry snapshot and live state,
// starts the sign service (and its MQTT link), the HTTP API, the history recorder and (for the
// demo) the simulated feed and sign controllers, and stops them in the reverse order.
//
//   PG_ASSIGN_OR_RETURN(auto app, App::Create(config, SystemClock::Instance()));
//   PG_RETURN_IF_ERROR(app->Start());
//   WaitForTerminationSignal();
//   app->Stop();
//
// Thread-safety: Create/Start/Stop from one thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace pg::app {

struct AppConfig {
  // The city's local files: the SQLite store itself unless store_uri is set, and the names of the
  // journal, road graph, reports and operator key beside it (<db_path>.journal, …).
  std::string db_path;
  // The city's store on a PostgreSQL server (postgres://…), shared by the city's nodes; "": the
  // SQLite file db_path.
  std::string store_uri;
  // The bus the city's nodes share (nats://host:port of its servers; empty: one node, with the
  // local journal as its log). With a bus, observations are acknowledged once the bus holds them
  // and every node applies them all (ingest/bus/bus_pipeline.h).
  std::vector<std::string> bus_servers;
  int bus_replicas = 1;  // copies the bus keeps of each message (1, 3 or 5)
  // Loopback unless told otherwise: the server has no TLS, so it faces the network through a
  // proxy or by the operator's explicit choice (--listen 0.0.0.0:8080).
  std::string bind_address = "127.0.0.1";
  uint16_t port = 8080;  // 0: any free port (tests)
  int io_threads = 0;    // 0: one per core
  // Requests per second one address, and one key, may send (the burst is twice that; 0: no
  // limit). Past it: 429 with Retry-After (api/http/server.h).
  double http_rate = 2000;
  // Event streams one address may hold open (a traffic centre behind one NAT address may need
  // more than the default).
  size_t http_streams_per_address = 64;
  // Run the simulated feed over the registry (the demo).
  bool simulate = false;
  uint64_t simulator_seed = 20261128;
  std::chrono::milliseconds simulator_tick{2000};
  // How often the live state is sampled into the occupancy history.
  std::chrono::minutes history_step{5};
  // The write-ahead log of observations; "" means "<db_path>.journal".
  std::string journal_dir;
  // Start even when the journal is empty although the database notes durable records in it
  // (the journal is truly gone): the live state starts empty, the loss is an incident.
  bool accept_journal_loss = false;
  // Per-source ingest rate limit (observations per second, also the burst).
  double ingest_rate_limit = 200'000;
  // Local minute of day of the scheduled reset of entry/exit counts (SPEC §3: "nightly reset when
  // closed"); none when unset. Offsets of cars known to stay come from the store's setting
  // "state.reset_offsets" ({"F12": 35, …}).
  std::optional<int> count_reset_minute;
  // MQTT broker ("host:port"; empty: no MQTT): observations are subscribed to and the guidance
  // signs' contents published on it.
  std::string mqtt_broker;
  // Pull adapters (ingest/pull/pull_feed.h): a feeds file of DATEX II / NGSI-LD platforms to
  // poll; empty: none.
  std::string pull_feeds_file;
  // Trust the topic's source segment (the broker authenticates publishers per source).
  bool mqtt_trust_topic_source = false;
  // A larger MQTT message is dead-lettered unread (ingest/mqtt/mqtt_subscriber.h).
  size_t mqtt_max_message_bytes = size_t{16} << 20;
  // How often keys are reloaded from the store (sources, role keys) and silence checked.
  std::chrono::milliseconds maintenance_period{2000};
  // Keys (api/authorizer.h): the role keys stored in the database (`parkguide key`), reloaded
  // every maintenance period, and beside them the keys of this file (the traffic centre, admins,
  // sign controllers; empty: none, except in the demo, which makes a traffic centre key and
  // writes it to <db>.operator-key, mode 0600). Then the sign service's timing. The demo drives
  // every sign with an in-process reference controller.
  std::string keys_file;
  std::chrono::milliseconds sign_min_interval{5'000};
  std::chrono::milliseconds sign_ack_timeout{30'000};
  std::chrono::milliseconds sign_heartbeat_timeout{90'000};
  // Weekly reports (analytics/report.h): written into `reports_dir` ("" means
  // "<db_path>.reports") once the city's local time passes the weekday (0 = Monday) and minute of
  // day, and served at /api/v1/reports; PDFs are printed with `chromium` when it is installed.
  std::string reports_dir;
  int report_weekday = 0;
  int report_minute_of_day = 6 * 60;
  std::string chromium = "/usr/bin/chromium";
};

class App {
 public:
  // Opens the store and loads the registry. Errors: those of the store; kFailedPrecondition when
  // the database holds no city (import one first).
  static Result<std::unique_ptr<App>> Create(const AppConfig& config, const Clock& clock);
  ~App();

  // Starts serving. Errors: kUnavailable when the address/port cannot be bound.
  Status Start();
  // Stops everything; idempotent.
  void Stop();
  // The port actually bound (after Start).
  uint16_t port() const;

  struct Impl;

 private:
  explicit App(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Blocks until SIGINT or SIGTERM. REQUIRES: BlockTerminationSignals() was called before any
// thread was started.
void BlockTerminationSignals();
// Raises the soft limit of open files to the hard one (systemd starts services at 1024, each
// connection is a descriptor); the HTTP server derives its connection cap from the result.
void RaiseOpenFileLimit();
int WaitForTerminationSignal();

}  // namespace pg::app

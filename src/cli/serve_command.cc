// parkguide serve --db city.db [--port N]
#include <filesystem>

#include "app/app.h"
#include "cli/city_access.h"
#include "cli/commands.h"
#include "cli/usage.h"
#include "core/log.h"
#include "core/strings.h"
#include "model/model_json.h"

namespace pg::cli {

int RunApp(const app::AppConfig& config) {
  app::BlockTerminationSignals();
  app::RaiseOpenFileLimit();
  auto app = app::App::Create(config, SystemClock::Instance());
  if (!app.ok()) return Fail(app.status().message());
  if (Status s = (*app)->Start(); !s.ok()) return Fail(s.message());
  int signal = app::WaitForTerminationSignal();
  PG_LOG_INFO("signal {}: stopping", signal);
  (*app)->Stop();
  return 0;
}

void AddListenOptions(CLI::App& cmd, app::AppConfig& config) {
  cmd.add_option("--port", config.port, "HTTP port")->envname("PORT")->capture_default_str();
  cmd.add_option("--bind", config.bind_address, "Address to listen on")->capture_default_str();
  cmd.add_option_function<std::string>(
         "--listen",
         [&config](const std::string& text) {
           auto address = ParseHostPort(text, 0, "--listen");
           if (!address.ok()) throw CLI::ValidationError("--listen", address.status().message());
           config.bind_address = address->first;
           config.port = static_cast<uint16_t>(address->second);
         },
         "ADDRESS:PORT to listen on, e.g. 0.0.0.0:8080 for every interface (default: loopback)")
      ->excludes("--bind");
  cmd.add_option("--http-rate", config.http_rate,
                 "Requests per second one address, and one key, may send (burst twice that; 0: "
                 "no limit); past it the answer is 429")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd.add_option("--streams-per-address", config.http_streams_per_address,
                 "Event streams (GET /api/v1/stream) one address may hold open")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
}

void AddServeCommand(CLI::App& app, int* exit_code) {
  auto config = std::make_shared<app::AppConfig>();
  CLI::App* cmd = app.add_subcommand("serve", "Serve a city: API, live state, dashboard");
  cmd->add_option("--db", config->db_path,
                  "City database (SQLite); with --store, the prefix of this node's files of the "
                  "city (journal, road graph, reports)")
      ->required();
  AddStoreOption(*cmd);
  cmd->add_option("--bus", config->bus_servers,
                  "The NATS JetStream servers the city's nodes share (nats://host:port, "
                  "comma-separated): observations are acknowledged once the bus holds them and "
                  "every node applies them all; needs --store (docs/operations.md)")
      ->delimiter(',')
      ->envname("PARKGUIDE_BUS")
      ->check([](const std::string& url) -> std::string {
        return url.starts_with("nats://") ? "" : "--bus: '" + url + "' is not a nats:// URL";
      });
  cmd->add_option("--bus-replicas", config->bus_replicas,
                  "Copies of every message the bus keeps (1, 3 or 5: a majority acknowledges)")
      ->check(CLI::IsMember({1, 3, 5}))
      ->capture_default_str();
  AddListenOptions(*cmd, *config);
  cmd->add_option(
         "--keys", config->keys_file,
         "Key file of the traffic centre and sign controllers (docs/api/roles.md); role keys "
         "in the database need none (parkguide key)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--threads", config->io_threads, "HTTP io threads (0: one per core)");
  cmd->add_option("--mqtt", config->mqtt_broker,
                  "MQTT broker host:port to take observations from (parkguide/<city>/obs/+) and "
                  "publish the guidance signs' contents to (parkguide/<city>/signs/+)");
  cmd->add_flag("--mqtt-trust-topic", config->mqtt_trust_topic_source,
                "The broker authenticates each source (per-source credentials and ACL): no key "
                "in the payload");
  cmd->add_option("--pull", config->pull_feeds_file,
                  "Feeds file of car-park platforms to poll for DATEX II parking status or "
                  "NGSI-LD parking entities (docs/interchange.md)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--mqtt-max-message-bytes", config->mqtt_max_message_bytes,
                  "A larger MQTT message is dead-lettered without being read")
      ->check(CLI::Range(size_t{1024}, size_t{64} << 20))
      ->capture_default_str();
  auto reset = std::make_shared<std::string>();
  auto report_time = std::make_shared<std::string>();
  cmd->add_option("--count-reset", *reset,
                  "Local time HH:MM at which entry/exit counts of closed facilities (and those "
                  "with an offset in the setting state.reset_offsets) reset")
      ->each([config](const std::string& text) {
        auto minute = model::ParseMinuteOfDay(text, "--count-reset");
        if (!minute.ok()) throw CLI::ValidationError("--count-reset", minute.status().message());
        config->count_reset_minute = *minute % (24 * 60);
      });
  cmd->add_option("--journal", config->journal_dir, "Journal directory (default <db>.journal)");
  cmd->add_flag("--accept-journal-loss", config->accept_journal_loss,
                "Start although the journal is empty and the database notes records in it (the "
                "journal is truly gone): the live state starts empty and the loss is reported");
  cmd->add_option("--ingest-rate", config->ingest_rate_limit,
                  "Per-source ingest limit, observations per second")
      ->capture_default_str();
  cmd->add_option("--reports", config->reports_dir,
                  "Folder of the weekly reports written every Monday (default <db>.reports)");
  cmd->add_option("--report-time", *report_time,
                  "Local time HH:MM on Mondays at which last week's reports are written")
      ->each([config](const std::string& text) {
        auto minute = model::ParseMinuteOfDay(text, "--report-time");
        if (!minute.ok()) throw CLI::ValidationError("--report-time", minute.status().message());
        config->report_minute_of_day = *minute % (24 * 60);
      });
  cmd->callback([config, exit_code] {
    if (!config->bus_servers.empty() && StoreUri().empty()) {
      Fail("--bus: the nodes of a city share its store: give --store postgresql://… too");
      *exit_code = kUsageExitCode;
      return;
    }
    // serve never makes a city: a mistyped path must not leave an empty database behind.
    if (StoreUri().empty() && !std::filesystem::exists(config->db_path)) {
      Fail("--db: no city database at " + config->db_path +
           ": make one with `parkguide demo --db`, `import-osm` or `import-registry`");
      *exit_code = kUsageExitCode;
      return;
    }
    // Held until the server has stopped: a second process must not touch the journal it writes.
    auto lock = LockCity(config->db_path);
    if (!lock.ok()) {
      *exit_code = Fail(lock.status().message());
      return;
    }
    config->store_uri = StoreUri();
    *exit_code = RunApp(*config);
  });
}

}  // namespace pg::cli

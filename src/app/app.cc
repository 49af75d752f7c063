#include "app/app.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <future>
#include <map>
#include <nlohmann/json.hpp>

#include "api/access.h"
#include "api/analytics_api.h"
#include "api/audit_api.h"
#include "api/authorizer.h"
#include "api/export_api.h"
#include "api/facility_writes_api.h"
#include "api/forecast_api.h"
#include "api/guidance_api.h"
#include "api/health.h"
#include "api/http/client.h"
#include "api/http/server.h"
#include "api/ingest_api.h"
#include "api/keys_api.h"
#include "api/live_json.h"
#include "api/metrics_api.h"
#include "api/ngsi_ld_api.h"
#include "api/ngsi_ld_subscriptions.h"
#include "api/ocpp_api.h"
#include "api/read_api.h"
#include "api/roads_api.h"
#include "api/role_keys.h"
#include "api/route_api.h"
#include "api/signs_api.h"
#include "api/sources_api.h"
#include "app/forecast_wiring.h"
#include "app/guidance_wiring.h"
#include "app/report_wiring.h"
#include "core/file_system.h"
#include "core/log.h"
#include "core/redact.h"
#include "core/strings.h"
#include "core/thread_priority.h"
#include "demo/demo_feed.h"
#include "events/event_bus.h"
#include "forecast/service.h"
#include "graph/graph_file.h"
#include "graph/graph_settings.h"
#include "history/recorder.h"
#include "ingest/bus/bus_pipeline.h"
#include "ingest/core/ingest_service.h"
#include "ingest/core/observation_parser.h"
#include "ingest/core/pipeline.h"
#include "ingest/mqtt/mqtt_subscriber.h"
#include "ingest/pull/pull_feed.h"
#include "ingest/simulator/city_simulator.h"
#include "journal/damage_log.h"
#include "mqtt/client.h"
#include "registry/registry.h"
#include "routing/road_network.h"
#include "signs/controller_sim.h"
#include "signs/mqtt_sign_link.h"
#include "signs/sign_service.h"
#include "state/live_metrics.h"
#include "state/live_state.h"
#include "store/store.h"

namespace pg::app {
namespace {

// Writes `text` to a new file at `path` that only its owner can read or write (mode 0600 from
// the moment it exists: O_CREAT|O_EXCL with the mode, never a chmod after). A file left by an
// earlier run is removed first; O_EXCL refuses to follow a symlink planted in its place.
// Errors: kUnavailable naming the path.
Status WriteOwnerOnlyFile(const std::string& path, std::string_view text) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Unavailable(fmt::format("cannot replace '{}': {}", path, std::strerror(errno)));
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Unavailable(fmt::format("cannot create '{}': {}", path, std::strerror(errno)));
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::close(fd) == 0 && ok;
  if (!ok) return Unavailable(fmt::format("cannot write '{}': {}", path, std::strerror(errno)));
  return Status::Ok();
}

}  // namespace

// The database setting that notes how far the city's journal is durable.
constexpr const char* kJournalMarkSetting = "journal.durable";

// A thread that runs `body` every `period` until stopped; stopping wakes it at once. Background
// work gives it a `nice` value (core/thread_priority.h).
class PeriodicThread {
 public:
  template <typename F>
  PeriodicThread(std::chrono::milliseconds period, F body, int nice = 0)
      : thread_([this, period, body = std::move(body), nice]() mutable {
          if (nice > 0) LowerThisThreadsPriority(nice);
          std::unique_lock lock(mutex_);
          while (!stop_) {
            lock.unlock();
            body();
            lock.lock();
            cv_.wait_for(lock, period, [this] { return stop_; });
          }
        }) {}
  PeriodicThread(const PeriodicThread&) = delete;
  PeriodicThread& operator=(const PeriodicThread&) = delete;
  ~PeriodicThread() { Stop(); }

  void Stop() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

struct App::Impl {
  AppConfig config;
  const Clock* clock = nullptr;
  std::unique_ptr<store::Store> store;
  // Declared before the state and the pipeline, which publish into it.
  std::unique_ptr<events::EventBus> bus;
  std::unique_ptr<state::LiveState> live;
  std::shared_ptr<const routing::RoadNetwork> roads;  // null when the city has no graph file
  std::unique_ptr<ingest::ObservationPipeline> pipeline;
  // With several nodes, which one publishes the signs and writes the derived history
  // (store::WriterLease); null on one node, which does it all.
  std::unique_ptr<store::WriterLease> writer_lease;
  std::unique_ptr<PeriodicThread> writer_watch;  // starts the writer's duties when it takes over
  bool writer_duties_started = false;            // writer_watch's thread (and Start) only
  std::string journal_dir;                       // "" when the bus is the log (several nodes)
  // Journal incidents no operator has acknowledged yet (journal/damage_log.h), re-read by the
  // maintenance thread so `parkguide journal ack` clears /health without a restart.
  std::mutex journal_mu;
  std::vector<journal::Incident> journal_incidents;  // guarded by journal_mu
  uint64_t journal_mark = 0;  // the durable seq last noted in the database; history thread only
  ingest::KeyRing keys;
  std::unique_ptr<ingest::IngestService> ingest;
  std::unique_ptr<api::http::Server> server;
  std::unique_ptr<ingest::MqttSubscriber> mqtt;
  std::unique_ptr<ingest::pull::PullFeeds> pulls;
  // The demo's feed, made in Start once the server's port is known.
  std::unique_ptr<ingest::simulator::CitySimulator> simulator;
  std::map<std::string, std::string> simulator_keys;  // source id → key
  std::unique_ptr<demo::DemoFeed> demo_feed;
  std::unique_ptr<PeriodicThread> simulator_thread;
  std::unique_ptr<PeriodicThread> history_thread;
  std::unique_ptr<PeriodicThread> maintenance_thread;
  std::unique_ptr<LiveStateReader> forecast_live;
  std::unique_ptr<forecast::ForecastService> forecasts;
  std::unique_ptr<PeriodicThread> forecast_thread;
  std::unique_ptr<guidance::Guide> guide;     // null when the city has no road graph
  std::atomic<int64_t> guidance_answered{0};  // since start (for /metrics and the counter)
  // What the store keeps of the live state over time: a bus subscriber, ticked by history_thread.
  // Shared with its subscription, which the bus's thread may still be calling after Unsubscribe.
  std::shared_ptr<history::Recorder> recorder;
  uint64_t recorder_subscription = 0;  // on `bus`
  std::unique_ptr<ReportSchedule> reports;
  std::unique_ptr<PeriodicThread> report_thread;
  int report_ticks = 0;
  bool started = false;
  // Who may write what (api/authorizer.h): the role keys of the database and the --keys file's;
  // every write recorded in the audit log (api/access.h).
  std::unique_ptr<api::RoleKeyRing> role_keys;
  std::mutex keys_reload_mu;       // ReloadKeys: one at a time
  std::mutex role_keys_reload_mu;  // ReloadRoleKeys: one at a time
  std::unique_ptr<api::AuditTrail> audit;
  std::unique_ptr<api::Access> access;
  // Signs: the service and where its contents go.
  std::unique_ptr<signs::SignService> signs;
  std::unique_ptr<signs::MqttSignLink> sign_link;
  std::unique_ptr<signs::LoopbackPublisher> demo_controllers;  // the demo without a broker
  std::vector<std::unique_ptr<signs::MqttReferenceController>> demo_mqtt_controllers;
  std::unique_ptr<PeriodicThread> demo_heartbeat_thread;
  uint64_t sign_subscription = 0;  // on `bus`
  std::unique_ptr<api::NgsiLdSubscriptions> ngsi_subscriptions;
  uint64_t ngsi_subscription = 0;  // on `bus`

  // The steps of App::Create, in its order.
  Result<std::shared_ptr<const registry::Registry>> OpenCity();  // the store and the registry
  // The bus, the live state, the journal and its recovery, the ingest service, MQTT.
  Status OpenIngest(std::shared_ptr<const registry::Registry> registry);
  Status OpenJournalPipeline();  // one node: the local journal is the log
  Status OpenBusPipeline();      // several: the bus is
  Status CreateAuthorizer();
  Status CreateSigns();
  Status CreateSimulator(std::shared_ptr<const registry::Registry> registry);  // the demo's feed
  Status CreatePullFeeds();                                                    // --pull
  void RegisterLiveApis();  // the HTTP server with the read, route, roads, ingest and signs APIs
  // Forecasts, analytics and the weekly reports, with their APIs.
  Status CreatePlanning(const registry::Registry& registry);

  // What /metrics exposes: the live picture (facilities by state, sources and their counters),
  // the journal, the ingest channels, the HTTP server, the signs and guidance. Each collector
  // reads a stats snapshot; none touches the store.
  std::vector<api::MetricsCollector> MetricsCollectors() {
    std::vector<api::MetricsCollector> collectors;
    collectors.emplace_back([this](PrometheusText& out) {
      state::AppendLiveMetrics(*live, clock->Now(), out);
      ingest::AppendJournalMetrics(pipeline->stats(), out);
      AppendJournalIncidentMetrics(out);
      if (mqtt) ingest::AppendMqttIngestMetrics(mqtt->stats(), out);
      api::http::AppendHttpMetrics(server->stats(), out);
      if (signs) signs::AppendSignMetrics(signs->stats(), out);
      if (audit) api::AppendAuditMetrics(audit->stats(), out);
      out.Counter("parkguide_guidance_answers_total", "Guidance queries answered",
                  guidance_answered.load());
      if (const store::StorageHealth* health = store->storage_health()) {
        store::AppendStorageMetrics(health->Health(), out);
      }
    });
    collectors.emplace_back([this](PrometheusText& out) {
      auto problems = api::CollectHealth(HealthChecks());
      out.Gauge("parkguide_health_degraded", "1 when /health says degraded",
                problems.empty() ? 0 : 1);
      std::map<std::pair<std::string, std::string>, int> by_kind;
      for (const auto& p : problems) ++by_kind[{p.component, p.kind}];
      for (const auto& [key, n] : by_kind) {
        out.Gauge("parkguide_health_problems", "Problems /health reports, by component and kind", n,
                  {{"component", key.first}, {"kind", key.second}});
      }
    });
    return collectors;
  }

  // The journal damage no operator has acknowledged yet (journal/damage_log.h).
  void AppendJournalIncidentMetrics(PrometheusText& out) {
    std::lock_guard lock(journal_mu);
    uint64_t lost = 0;
    for (const auto& i : journal_incidents) lost += i.lost_records();
    out.Gauge("parkguide_journal_incidents_unacknowledged",
              "Journal damage incidents no operator has acknowledged", journal_incidents.size());
    out.Gauge("parkguide_journal_records_lost_unacknowledged",
              "Journal records lost in unacknowledged incidents", lost);
  }

  // What makes /health degraded (api/health.h).
  std::vector<api::HealthCheck> HealthChecks() {
    std::vector<api::HealthCheck> checks;
    checks.push_back([this](std::vector<api::HealthProblem>& out) {
      std::lock_guard lock(journal_mu);
      for (const auto& i : journal_incidents) {
        out.push_back({"journal", i.severity,
                       fmt::format("{} (incident #{}; when looked at: parkguide journal ack)",
                                   i.summary, i.id),
                       i.detected, journal::ToJson(i)});
      }
    });
    checks.push_back([this](std::vector<api::HealthProblem>& out) {
      const auto j = pipeline->stats();
      if (!j.faulted) return;
      out.push_back({"journal", "storage_fault",
                     fmt::format("observations are refused (503): the journal cannot be written: "
                                 "{}; retrying by itself every {} s",
                                 j.fault, j.retry_after_s),
                     j.fault_since, nullptr});
    });
    checks.push_back([this](std::vector<api::HealthProblem>& out) {
      const store::StorageHealth* health = store->storage_health();
      if (!health) return;
      const store::StorageHealthReport r = health->Health();
      if (r.fault == store::StorageFault::kNone) return;
      out.push_back({"database", "storage_fault",
                     fmt::format("the city database cannot be written ({}: {}): sign changes "
                                 "are held and operator writes answer 503; retrying by itself",
                                 store::Name(r.fault), r.last_error),
                     r.since, nullptr});
    });
    checks.push_back([this](std::vector<api::HealthProblem>& out) {
      auto s =
          ingest::SuspectServerClock(*live->Snapshot(), ingest->FutureRefusals(), clock->Now());
      if (!s) return;
      out.push_back({"clock", s->kind == ingest::ClockSuspicion::Kind::kBehind ? "behind" : "ahead",
                     s->message, std::nullopt, nullptr});
    });
    checks.push_back([this](std::vector<api::HealthProblem>& out) {
      if (!mqtt) return;
      const auto m = mqtt->stats();
      if (m.connected && m.subscribed) return;
      out.push_back({"mqtt", "disconnected",
                     fmt::format("not subscribed to the MQTT broker {}: observations over MQTT "
                                 "wait in the broker's session; reconnecting",
                                 config.mqtt_broker),
                     std::nullopt, nullptr});
    });
    return checks;
  }

  // Notes in the database how far the journal is durable, so that a start that finds less (a
  // wrong --journal path, an unmounted disk, deleted files) knows records are missing.
  void NoteJournalMark() {
    if (journal_dir.empty()) return;  // the bus is the log: its checkpoint is this node's own
    uint64_t durable = pipeline->stats().durable_seq;
    if (durable <= journal_mark) return;
    nlohmann::json mark{{"seq", durable}, {"dir", journal_dir}};
    if (Status s = store->PutSetting(kJournalMarkSetting, mark.dump()); !s.ok()) {
      PG_LOG_WARNING("journal mark: {}", s.ToString());
      return;
    }
    journal_mark = durable;
  }

  // Re-reads the journal's damage log: acknowledgements made with `parkguide journal ack`.
  void RefreshJournalIncidents() {
    if (journal_dir.empty()) return;  // the bus is the log: no journal here
    auto log = journal::DamageLog::Load(FileSystem::Default(), journal_dir);
    if (!log.ok()) {
      PG_LOG_WARNING("journal damage log: {}", log.status().ToString());
      return;
    }
    auto open = log->Unacknowledged();
    std::lock_guard lock(journal_mu);
    if (open.size() < journal_incidents.size()) {
      PG_LOG_INFO("journal: {} incident(s) acknowledged; {} remain",
                  journal_incidents.size() - open.size(), open.size());
    }
    journal_incidents = std::move(open);
  }

  // Skips its first call: a report due at start-up is written a minute later, leaving the start
  // to the feed and the signs, and a short-lived server (tests, smoke runs) to stop at once.
  void WriteDueReports() {
    if (report_ticks++ == 0) return;
    auto week = reports->Tick();
    if (!week.ok()) {
      PG_LOG_WARNING("weekly report: {}", week.status().ToString());
    } else if (!week->empty()) {
      PG_LOG_INFO("weekly report: wrote the reports of {} to {}", *week,
                  config.reports_dir.empty() ? config.db_path + ".reports" : config.reports_dir);
    }
  }

  // Loads the keys (new sources, revocations) and declares the sources' intervals.
  void ReloadKeys() {
    // One at a time, as ReloadRoleKeys: a reload that read the sources before a revocation must
    // not load them after the revoking handler's own reload.
    std::lock_guard lock(keys_reload_mu);
    auto records = store->LoadSources();
    if (!records.ok()) {
      PG_LOG_WARNING("sources: {}", records.status().ToString());
      return;
    }
    for (const auto& r : *records) live->DeclareSource(r.source.id, r.source.expected_interval);
    keys.Load(*records, live->index());
  }

  // Loads the role keys (added, rotated, revoked with `parkguide key` or the admin API).
  void ReloadRoleKeys() {
    // One reload at a time, reading and loading together: a reload that read the keys before a
    // revocation must not load them after the revoking handler's own reload (the key would be
    // back until the next one).
    std::lock_guard lock(role_keys_reload_mu);
    auto records = store->LoadApiKeys();
    if (!records.ok()) {
      PG_LOG_WARNING("role keys: {}", records.status().ToString());
      return;
    }
    role_keys->Load(*records);
  }

  bool IsWriter() const { return !writer_lease || writer_lease->held(); }

  // What only the city's writer does, started once this node holds the lease: the signs'
  // worker (publishing and their history) and the polled feeds.
  void StartWriterDuties() {
    if (writer_duties_started || !IsWriter()) return;
    writer_duties_started = true;
    if (writer_lease) PG_LOG_INFO("this node is the city's writer: signs, history and reports");
    signs->Start();
    if (pulls) pulls->Start();
  }

  void Maintain() {
    ReloadKeys();
    ReloadRoleKeys();
    RefreshJournalIncidents();
    for (const auto& a : live->CheckSilence(clock->Now())) {
      if (a.silent) {
        PG_LOG_WARNING("source {} is silent: nothing received since {} (expected every {} s)",
                       a.source, FormatRfc3339Utc(a.last_received), a.expected_interval.count());
      } else {
        PG_LOG_INFO("source {} is reporting again", a.source);
      }
    }
  }

  // Reloads recent history for forecasts and retrains when due (forecast/service.h).
  void UpdateForecasts() {
    if (Status s = forecasts->Refresh(); !s.ok()) PG_LOG_WARNING("forecast: {}", s.ToString());
    if (!forecasts->RetrainDue()) return;
    if (Status s = forecasts->Retrain(); !s.ok()) PG_LOG_WARNING("forecast: {}", s.ToString());
  }
};

// The keys of the --keys file (or the demo's key for this run), then the role keys of the
// database beside them, reloaded with the source keys.
Status App::Impl::CreateAuthorizer() {
  std::unique_ptr<api::Authorizer> file_keys;
  if (!config.keys_file.empty()) {
    PG_ASSIGN_OR_RETURN(file_keys, api::StaticKeyAuthorizer::FromFile(config.keys_file));
  } else if (config.simulate) {
    std::string key = api::StaticKeyAuthorizer::NewKey();
    file_keys = std::make_unique<api::StaticKeyAuthorizer>(std::vector{
        api::StaticKeyAuthorizer::KeyFor("demo-traffic-centre", api::Role::kTrafficCentre, key)});
    // Never in the log (logs are shipped and kept): in a file only this user can read.
    std::string path = config.db_path + ".operator-key";
    PG_RETURN_IF_ERROR(WriteOwnerOnlyFile(path, key + "\n"));
    PG_LOG_INFO(
        "demo: the traffic centre's key (sign overrides and rules, closures, rejected input, the "
        "audit log) for this run is in {}",
        path);
  }
  role_keys = std::make_unique<api::RoleKeyRing>(*clock, std::move(file_keys));
  audit = std::make_unique<api::AuditTrail>(*store, *clock);
  access = std::make_unique<api::Access>(*role_keys, audit.get());
  ReloadRoleKeys();
  role_keys->SetReloader([this] { ReloadRoleKeys(); });
  role_keys->SetOtherKeys([this](std::string_view key) { return keys.Authenticate(key).ok(); });
  if (config.keys_file.empty() && !config.simulate && role_keys->size() == 0) {
    PG_LOG_WARNING(
        "no --keys file and no role keys in the database: every write but observations is "
        "refused until `parkguide key add` makes one");
  }
  return Status::Ok();
}

Status App::Impl::CreateSigns() {
  signs::SignServiceOptions options;
  options.min_publish_interval = config.sign_min_interval;
  options.ack_timeout = config.sign_ack_timeout;
  options.heartbeat_timeout = config.sign_heartbeat_timeout;
  signs =
      std::make_unique<signs::SignService>(options, *clock, *store, signs::FromLiveState(*live));
  PG_RETURN_IF_ERROR(signs->Load());
  sign_subscription =
      bus->SubscribeFrom(std::nullopt, [s = signs.get()](const events::EventPtr& e) {
        s->OnEvent(*e);
        return true;
      });
  ngsi_subscriptions = std::make_unique<api::NgsiLdSubscriptions>(*live, *store, *clock);
  PG_RETURN_IF_ERROR(ngsi_subscriptions->Load());
  ngsi_subscription = bus->SubscribeFrom(std::nullopt, [this](const events::EventPtr& e) {
    if (IsWriter()) ngsi_subscriptions->OnEvent(*e);  // one node notifies
    return true;
  });
  auto registry = live->registry();
  const std::string& city = registry->city().id;

  if (!config.mqtt_broker.empty()) {
    PG_ASSIGN_OR_RETURN(auto address, mqtt::ParseBrokerAddress(config.mqtt_broker, "mqtt"));
    mqtt::Options sign_mqtt;
    sign_mqtt.host = address.first;
    sign_mqtt.port = address.second;
    PG_ASSIGN_OR_RETURN(sign_link, signs::MqttSignLink::Start(sign_mqtt, city, *signs, *clock));
    signs->AddPublisher(*sign_link);
  }
  if (config.simulate) {
    // Every controller of the demo city, answering like a real one.
    std::map<std::string, std::vector<std::string>> controllers;
    for (const auto& s : registry->signs()) {
      controllers[s.controller_id.empty() ? s.id.str() : s.controller_id].push_back(s.id.str());
    }
    if (sign_link) {
      for (const auto& [id, sign_ids] : controllers) {
        signs::MqttReferenceController::Options o;
        o.mqtt = sign_link->client().options();
        o.mqtt.client_id.clear();
        o.city = city;
        o.controller_id = id;
        o.signs = sign_ids;
        PG_ASSIGN_OR_RETURN(auto c, signs::MqttReferenceController::Start(o));
        demo_mqtt_controllers.push_back(std::move(c));
      }
    } else {
      demo_controllers = std::make_unique<signs::LoopbackPublisher>(*signs);
      demo_controllers->set_clock(clock);
      for (const auto& [id, sign_ids] : controllers) demo_controllers->AddController(id);
      signs->AddPublisher(*demo_controllers);
    }
  }
  return Status::Ok();
}

namespace {

// How far the journal was durable when last noted (0 when never).
Result<uint64_t> RecordedJournalMark(store::Store& store) {
  PG_ASSIGN_OR_RETURN(auto text, store.GetSetting(kJournalMarkSetting));
  if (!text) return uint64_t{0};
  auto j = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("seq") || !j["seq"].is_number_unsigned()) {
    return DataLoss(
        fmt::format("setting {} is not a journal mark: {}", kJournalMarkSetting, *text));
  }
  return j["seq"].get<uint64_t>();
}

// The road graph next to the database, mapped read-only; null when there is none (the city
// serves everything but routes). A graph file of another format or from another OSM import than
// the database's is refused: serving routes on the wrong map is worse than not starting.
Result<std::shared_ptr<const routing::RoadNetwork>> LoadRoadNetwork(const std::string& db_path,
                                                                    store::Store& store) {
  const std::string path = graph::GraphPathForDatabase(db_path);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    PG_LOG_INFO(
        "no road graph at {}: /api/v1/route answers 503 until `parkguide build-roads` "
        "builds one",
        path);
    return std::shared_ptr<const routing::RoadNetwork>();
  }
  PG_ASSIGN_OR_RETURN(std::optional<uint64_t> fingerprint, graph::RecordedGraphFingerprint(store));
  if (!fingerprint) {
    PG_LOG_WARNING("{}: the database records no graph fingerprint; using the file unchecked", path);
  }
  graph::GraphOpenOptions options;
  options.expected_fingerprint = fingerprint;
  PG_ASSIGN_OR_RETURN(auto network, routing::RoadNetwork::Open(path, options));
  PG_LOG_INFO("road graph {}: {} car and {} foot search nodes, {:.1f} MB mapped", path,
              network->View(routing::Mode::kCar).node_count(),
              network->View(routing::Mode::kFoot).node_count(), network->file()->file_size() / 1e6);
  return network;
}

}  // namespace

App::App(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

App::~App() { Stop(); }

namespace {

// The live rules of the server's options and the city's settings (state.reset_offsets).
// Errors: kInvalidArgument naming the setting when it is not a JSON object of counts.
Result<state::LiveRules> LiveRulesFor(const AppConfig& config, store::Store& store) {
  state::LiveRules rules;
  rules.reset_minute_of_day = config.count_reset_minute;
  PG_ASSIGN_OR_RETURN(auto offsets, store.GetSetting("state.reset_offsets"));
  if (!offsets) return rules;
  auto j = nlohmann::json::parse(*offsets, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) {
    return InvalidArgument("setting state.reset_offsets must be a JSON object of counts",
                           "state.reset_offsets");
  }
  for (const auto& [id, n] : j.items()) {
    if (!n.is_number_integer() || n.get<int>() < 0) {
      return InvalidArgument(fmt::format("state.reset_offsets: '{}' must be a count >= 0", id),
                             "state.reset_offsets");
    }
    rules.reset_offsets[id] = n.get<int>();
  }
  return rules;
}

// The MQTT subscriber's options for `--mqtt host[:port]`. Errors: kInvalidArgument naming mqtt.
Result<ingest::MqttOptions> MqttOptionsFor(const AppConfig& config, const std::string& city) {
  ingest::MqttOptions options;
  PG_ASSIGN_OR_RETURN(std::tie(options.host, options.port),
                      mqtt::ParseBrokerAddress(config.mqtt_broker, "mqtt"));
  options.city = city;
  options.trust_topic_source = config.mqtt_trust_topic_source;
  options.max_message_bytes = config.mqtt_max_message_bytes;
  options.max_queued_bytes = std::max(options.max_queued_bytes, 4 * options.max_message_bytes);
  return options;
}

}  // namespace

Result<std::shared_ptr<const registry::Registry>> App::Impl::OpenCity() {
  if (config.store_uri.empty()) {
    PG_ASSIGN_OR_RETURN(store, store::OpenSqliteStore(config.db_path));
  } else {
    PG_ASSIGN_OR_RETURN(store, store::OpenPostgresStore(config.store_uri));
  }
  PG_ASSIGN_OR_RETURN(model::RegistryData data, store->LoadRegistry());
  if (!data.city && data.facilities.empty()) {
    return FailedPrecondition(fmt::format(
        "the store {} holds no city: run `parkguide import-osm` and `parkguide import-registry` "
        "first, or `parkguide demo`",
        config.store_uri.empty() ? "'" + config.db_path + "'" : "given by --store"));
  }
  return registry::Registry::Build(std::move(data));
}

Status App::Impl::OpenJournalPipeline() {
  journal::RecoveryReport report;
  journal_dir = config.journal_dir.empty() ? config.db_path + ".journal" : config.journal_dir;
  ingest::PipelineOptions pipeline_options;
  pipeline_options.clock = clock;
  PG_ASSIGN_OR_RETURN(journal_mark, RecordedJournalMark(*store));
  journal::JournalOptions journal_options{.dir = journal_dir,
                                          .clock = clock,
                                          .known_durable_seq = journal_mark,
                                          .accept_missing = config.accept_journal_loss};
  PG_ASSIGN_OR_RETURN(pipeline, ingest::IngestPipeline::Open(FileSystem::Default(), journal_options,
                                                             *live, pipeline_options, &report));
  PG_LOG_INFO("journal {}: {}", journal_dir, report.ToString());
  journal_incidents = report.unacknowledged;
  return Status::Ok();
}

Status App::Impl::OpenBusPipeline() {
  bus::BusOptions bus_options{.servers = config.bus_servers,
                              .city = live->registry()->city().id,
                              .replicas = config.bus_replicas};
  PG_ASSIGN_OR_RETURN(auto observation_bus, bus::ObservationBus::Connect(bus_options));
  ingest::BusPipelineOptions options{.checkpoint_path = config.db_path + ".bus-checkpoint",
                                     .clock = clock};
  ingest::BusRecovery report;
  PG_ASSIGN_OR_RETURN(
      pipeline, ingest::BusPipeline::Open(FileSystem::Default(), std::move(observation_bus), *live,
                                          options, &report));
  PG_LOG_INFO("bus {}: checkpoint at {}, {} messages applied, caught up to {}",
              bus::StreamName(bus_options.city), report.checkpoint_seq, report.applied,
              report.caught_up_to);
  return Status::Ok();
}

Status App::Impl::OpenIngest(std::shared_ptr<const registry::Registry> registry) {
  bus = std::make_unique<events::EventBus>(65536, api::RenderLiveEvent);
  PG_ASSIGN_OR_RETURN(state::LiveRules rules, LiveRulesFor(config, *store));
  live =
      std::make_unique<state::LiveState>(std::move(registry), std::move(rules), clock, bus.get());
  ReloadKeys();
  PG_RETURN_IF_ERROR(config.bus_servers.empty() ? OpenJournalPipeline() : OpenBusPipeline());
  ReloadKeys();  // the restored state may list sources again: keep declared intervals
  ingest::IngestLimits limits;
  limits.observations_per_second = config.ingest_rate_limit;
  limits.burst = std::max(config.ingest_rate_limit, 10'000.0);
  ingest = std::make_unique<ingest::IngestService>(*live, keys, *pipeline, *clock, limits);
  ingest->SetKeyReloader([this] { ReloadKeys(); });
  PG_RETURN_IF_ERROR(CreatePullFeeds());
  if (config.mqtt_broker.empty()) return Status::Ok();
  PG_ASSIGN_OR_RETURN(ingest::MqttOptions mqtt_options,
                      MqttOptionsFor(config, live->registry()->city().id));
  mqtt = std::make_unique<ingest::MqttSubscriber>(mqtt_options, *ingest, *store, *clock);
  return Status::Ok();
}

// The feeds of --pull, fetched with the HTTP client and written as their sources.
Status App::Impl::CreatePullFeeds() {
  if (config.pull_feeds_file.empty()) return Status::Ok();
  PG_ASSIGN_OR_RETURN(auto feeds, ingest::pull::LoadFeeds(config.pull_feeds_file));
  auto fetch = [](const ingest::pull::HttpUrl& url) -> Result<std::string> {
    PG_ASSIGN_OR_RETURN(
        auto r, api::http::HttpGet(url.host, url.port, url.target, {}, std::chrono::seconds(20),
                                   /*max_body_bytes=*/uint64_t{64} << 20));  // another system's
    if (r.status != 200) {
      return Unavailable(
          fmt::format("http://{}:{}{} answered HTTP {}", url.host, url.port, url.target, r.status));
    }
    return std::move(r.body);
  };
  auto principal_of = [this](const model::SourceId& source) { return keys.BySource(source.str()); };
  PG_LOG_INFO("pull: {} feeds from {}", feeds.size(), config.pull_feeds_file);
  pulls = std::make_unique<ingest::pull::PullFeeds>(std::move(feeds), fetch, *ingest, principal_of,
                                                    *store, *clock);
  return Status::Ok();
}

Status App::Impl::CreateSimulator(std::shared_ptr<const registry::Registry> registry) {
  PG_ASSIGN_OR_RETURN(auto stored, store->GetSetting("demo.land_use"));
  auto land_use = ingest::simulator::LandUseFromJson(stored.value_or("{}"));
  PG_ASSIGN_OR_RETURN(simulator_keys, demo::LoadDemoKeys(*registry, *store));
  simulator = std::make_unique<ingest::simulator::CitySimulator>(
      std::move(registry), std::move(land_use), config.simulator_seed);
  return Status::Ok();
}

void App::Impl::RegisterLiveApis() {
  api::http::ServerOptions options;
  options.bind_address = config.bind_address;
  options.port = config.port;
  if (config.io_threads > 0) options.io_threads = config.io_threads;
  for (api::http::RequestLimits* limits : {&options.per_address, &options.per_client}) {
    limits->per_second = config.http_rate;
    limits->burst = 2 * config.http_rate;
  }
  options.max_streams_per_address = config.http_streams_per_address;
  server = std::make_unique<api::http::Server>(options);
  api::ApiContext context;
  context.live = live.get();
  context.store = store.get();
  context.clock = clock;
  context.version = "0.1.0";
  context.health_checks = HealthChecks();
  api::RegisterReadApi(*server, context);
  api::RegisterRouteApi(*server, roads);
  api::RegisterRoadsApi(*server, roads);
  api::IngestApiContext ingest_context;
  ingest_context.service = ingest.get();
  ingest_context.live = live.get();
  ingest_context.bus = bus.get();
  ingest_context.store = store.get();
  ingest_context.authorizer = role_keys.get();
  ingest_context.clock = clock;
  api::RegisterIngestApi(*server, ingest_context);
  api::SignsApiContext signs_context;
  signs_context.live = live.get();
  signs_context.signs = signs.get();
  signs_context.store = store.get();
  signs_context.clock = clock;
  signs_context.authorizer = role_keys.get();
  signs_context.access = access.get();
  api::RegisterSignsApi(*server, signs_context);
  api::RegisterExportApi(*server, {live.get(), clock, signs.get(), store.get(), {}, {}});
  api::RegisterNgsiLdApi(*server, {live.get(), clock});
  api::RegisterNgsiLdSubscriptionsApi(*server, {ngsi_subscriptions.get(), access.get()});
  api::RegisterOcppApi(*server, {live.get(), ingest.get(), clock});
  api::RegisterFacilityWritesApi(*server,
                                 {ingest.get(), live.get(), clock, role_keys.get(), access.get()});
  api::RegisterAuditApi(*server, {store.get(), live.get(), role_keys.get()});
  api::RegisterKeysApi(
      *server, {store.get(), live.get(), clock, access.get(), [this] { ReloadRoleKeys(); }});
  api::RegisterSourcesApi(*server,
                          {store.get(), live.get(), clock, access.get(), [this] { ReloadKeys(); }});
}

Status App::Impl::CreatePlanning(const registry::Registry& registry) {
  forecast_live = std::make_unique<LiveStateReader>(*live, *clock);
  forecast::ServiceOptions forecast_options;
  forecast_options.time_zone = registry.city().time_zone;
  PG_ASSIGN_OR_RETURN(auto calendar, store->GetSetting("forecast.calendar"));
  forecast_options.calendar_csv = calendar.value_or("");
  PG_ASSIGN_OR_RETURN(forecasts,
                      forecast::ForecastService::Create(*clock, *store, forecast_live.get(),
                                                        std::move(forecast_options)));
  forecasts->SetSeries(ForecastSeries(registry));
  PG_RETURN_IF_ERROR(forecasts->LoadModels());
  state::LiveState* state = live.get();
  auto current = [state] { return state->registry(); };
  api::RegisterForecastApi(*server, {forecasts.get(), current, clock});
  const std::string reports_dir =
      config.reports_dir.empty() ? config.db_path + ".reports" : config.reports_dir;
  api::RegisterAnalyticsApi(*server, {*store, current, clock, reports_dir});
  reports = std::make_unique<ReportSchedule>(
      *store, *clock, current,
      ReportScheduleOptions{reports_dir, config.report_weekday, config.report_minute_of_day,
                            config.chromium});
  return Status::Ok();
}

Result<std::unique_ptr<App>> App::Create(const AppConfig& config, const Clock& clock) {
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->clock = &clock;
  PG_ASSIGN_OR_RETURN(auto registry, impl->OpenCity());
  PG_RETURN_IF_ERROR(impl->OpenIngest(registry));
  PG_RETURN_IF_ERROR(impl->CreateAuthorizer());
  PG_RETURN_IF_ERROR(impl->CreateSigns());
  PG_ASSIGN_OR_RETURN(impl->roads, LoadRoadNetwork(config.db_path, *impl->store));
  if (config.simulate) {
    PG_RETURN_IF_ERROR(impl->CreateSimulator(registry));
  }
  impl->RegisterLiveApis();
  PG_RETURN_IF_ERROR(impl->CreatePlanning(*registry));
  PG_ASSIGN_OR_RETURN(impl->guide, BuildGuide(impl->roads, registry, *impl->store));
  api::RegisterGuidanceApi(*impl->server,
                           {impl->guide.get(), impl->live.get(), impl->forecasts.get(), &clock,
                            &impl->guidance_answered});
  api::RegisterMetricsApi(*impl->server, impl->MetricsCollectors());
  return std::unique_ptr<App>(new App(std::move(impl)));
}

Status App::Start() {
  Impl& s = *impl_;
  // The signs first, so that the API serves their content from the first request.
  const bool shares_live_state = !s.config.bus_servers.empty();
  if (shares_live_state || !s.config.store_uri.empty()) {
    s.writer_lease = s.store->AcquireWriterLease();
  }
  // A node killed a moment ago may still hold it: the server notices its session ended soon.
  for (int i = 0; i < 25 && !shares_live_state && !s.IsWriter(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  if (!shares_live_state && !s.IsWriter()) {
    // Without a bus the nodes would not share their live state, and both would publish the
    // signs and write their history: one node per city, as with a SQLite file.
    return FailedPrecondition(
        "another node serves this city from the same store without a bus (it holds the city's "
        "writer lease): stop it, or give every node --bus to share the city (docs/operations.md)");
  }
  s.StartWriterDuties();
  if (!s.writer_duties_started) {
    PG_LOG_INFO("another node is the city's writer; this one takes over when it goes");
    s.signs->RefuseChanges(
        "this node is not the city's writer, whose sign worker alone shows sign changes: send "
        "them to the node whose log says \"this node is the city's writer\"");
    s.writer_watch =
        std::make_unique<PeriodicThread>(std::chrono::seconds(1), [&s, tick = 0]() mutable {
          s.StartWriterDuties();
          // Until then, the signs as the writer last published them (read from the store).
          if (!s.writer_duties_started && ++tick % 5 == 0) {
            if (Status loaded = s.signs->Load(); !loaded.ok()) {
              PG_LOG_WARNING("signs: {}", loaded.ToString());
            }
          }
        });
  }
  if (s.demo_controllers) {
    s.demo_heartbeat_thread = std::make_unique<PeriodicThread>(
        std::chrono::seconds(30), [&s] { s.demo_controllers->Heartbeat(s.clock->Now()); });
  }
  PG_RETURN_IF_ERROR(s.server->Start());
  if (s.mqtt) PG_RETURN_IF_ERROR(s.mqtt->Start());
  if (s.ngsi_subscriptions) s.ngsi_subscriptions->Start();
  if (s.simulator) {
    // The feed posts to the API like any source; its first tick goes in before "serving" is
    // announced, so the demo is never seen all unknown. The periodic thread's first run is
    // that tick.
    s.demo_feed =
        std::make_unique<demo::DemoFeed>(std::move(s.simulator), std::move(s.simulator_keys),
                                         demo::DemoFeed::Options{.port = s.server->port()});
    std::promise<void> first;
    auto first_done = first.get_future();
    s.simulator_thread = std::make_unique<PeriodicThread>(
        s.config.simulator_tick, [&s, first = std::move(first), done = false]() mutable {
          s.demo_feed->Tick(s.clock->Now());
          if (!done) {
            done = true;
            first.set_value();
          }
        });
    first_done.wait();
  }
  s.recorder = std::make_shared<history::Recorder>(
      *s.live, *s.store, *s.clock, history::RecorderOptions{.slot = s.config.history_step});
  s.recorder->AddTotalCounter({"guidance.queries", &s.guidance_answered});
  s.recorder_subscription =
      s.bus->SubscribeFrom(std::nullopt, [recorder = s.recorder](const events::EventPtr& e) {
        recorder->OnEvent(*e);
        return true;
      });
  s.history_thread = std::make_unique<PeriodicThread>(
      std::chrono::seconds(10),
      [&s] {
        s.NoteJournalMark();
        if (s.IsWriter()) s.recorder->Tick();
      },
      kBackgroundNice);
  // The weekly report is work nobody waits for: it yields the cores to ingest and guidance (on
  // two cores, at normal priority, it held ingest's p99 at seconds for a minute: bench/soak.sh).
  s.report_thread = std::make_unique<PeriodicThread>(
      std::chrono::minutes(1),
      [&s] {
        if (s.IsWriter()) s.WriteDueReports();
      },
      kIdleNice);
  s.maintenance_thread =
      std::make_unique<PeriodicThread>(s.config.maintenance_period, [&s] { s.Maintain(); });
  s.forecast_thread = std::make_unique<PeriodicThread>(
      std::chrono::minutes(5), [&s] { s.UpdateForecasts(); }, kBackgroundNice);
  s.started = true;
  PG_LOG_INFO("serving {} on http://{}:{}/", s.live->registry()->city().id, s.config.bind_address,
              s.server->port());
  return Status::Ok();
}

void App::Stop() {
  if (!impl_) return;
  Impl& s = *impl_;
  // The feed first (it posts to the server), then the server (in-flight requests wait for the
  // pipeline), then the pipeline (commits what is queued and writes a checkpoint).
  if (s.simulator_thread) s.simulator_thread->Stop();
  if (s.writer_watch) s.writer_watch->Stop();
  if (s.server) s.server->Stop();
  if (s.mqtt) s.mqtt->Stop();
  if (s.pulls) s.pulls->Stop();
  if (s.maintenance_thread) s.maintenance_thread->Stop();
  if (s.history_thread) s.history_thread->Stop();
  if (s.demo_heartbeat_thread) s.demo_heartbeat_thread->Stop();
  if (s.bus && s.sign_subscription) s.bus->Unsubscribe(s.sign_subscription);
  if (s.bus && s.ngsi_subscription) s.bus->Unsubscribe(s.ngsi_subscription);
  if (s.ngsi_subscriptions) s.ngsi_subscriptions->Stop();
  if (s.bus && s.recorder_subscription) s.bus->Unsubscribe(s.recorder_subscription);
  if (s.signs) s.signs->Stop();
  s.demo_mqtt_controllers.clear();
  s.sign_link.reset();
  if (s.forecast_thread) s.forecast_thread->Stop();
  if (s.report_thread) s.report_thread->Stop();
  if (s.pipeline) {
    s.pipeline->Stop();
    s.NoteJournalMark();
  }
  // After the pipeline: its last answers may record audit entries.
  if (s.audit) s.audit->Stop();
  if (s.started) {
    PG_LOG_INFO("stopped");
    s.started = false;
  }
}

uint16_t App::port() const { return impl_->server->port(); }

void BlockTerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void RaiseOpenFileLimit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  const rlim_t before = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    PG_LOG_WARNING("could not raise the open-file limit from {}: {}", before, std::strerror(errno));
    return;
  }
  PG_LOG_INFO("open-file limit raised from {} to {}", before, limit.rlim_cur);
}

int WaitForTerminationSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int signal = 0;
  sigwait(&set, &signal);
  return signal;
}

}  // namespace pg::app

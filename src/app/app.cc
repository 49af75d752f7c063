#include "app/app.h"

#include <fmt/format.h>

#include <csignal>
#include <filesystem>
#include <future>
#include <map>
#include <nlohmann/json.hpp>

#include "api/forecast_api.h"
#include "api/guidance_api.h"
#include "api/http/server.h"
#include "api/http/test_client.h"
#include "api/ingest_api.h"
#include "api/read_api.h"
#include "api/route_api.h"
#include "app/forecast_wiring.h"
#include "app/guidance_wiring.h"
#include "core/file_system.h"
#include "core/log.h"
#include "core/strings.h"
#include "events/event_bus.h"
#include "forecast/service.h"
#include "graph/graph_file.h"
#include "graph/road_import.h"
#include "ingest/core/ingest_service.h"
#include "ingest/core/observation_parser.h"
#include "ingest/core/pipeline.h"
#include "ingest/mqtt/mqtt_subscriber.h"
#include "ingest/simulator/city_simulator.h"
#include "registry/registry.h"
#include "routing/road_network.h"
#include "state/live_state.h"
#include "state/rollup.h"
#include "store/store.h"

namespace pg::app {

// A thread that runs `body` every `period` until stopped; stopping wakes it at once.
class PeriodicThread {
 public:
  template <typename F>
  PeriodicThread(std::chrono::milliseconds period, F body)
      : thread_([this, period, body = std::move(body)]() mutable {
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
  std::unique_ptr<ingest::IngestPipeline> pipeline;
  ingest::KeyRing keys;
  std::unique_ptr<ingest::IngestService> ingest;
  std::unique_ptr<api::http::Server> server;
  std::unique_ptr<ingest::MqttSubscriber> mqtt;
  std::unique_ptr<ingest::simulator::CitySimulator> simulator;
  std::map<std::string, std::string> simulator_keys;  // source id → key
  std::unique_ptr<api::http::HttpConnection> simulator_connection;
  std::unique_ptr<PeriodicThread> simulator_thread;
  std::unique_ptr<PeriodicThread> history_thread;
  std::unique_ptr<PeriodicThread> maintenance_thread;
  std::unique_ptr<LiveStateReader> forecast_live;
  std::unique_ptr<forecast::ForecastService> forecasts;
  std::unique_ptr<PeriodicThread> forecast_thread;
  std::unique_ptr<guidance::Guide> guide;  // null when the city has no road graph
  Timestamp last_history_slot;
  state::RollupBuilder rollups;
  bool started = false;

  // Feeds the 5-minute rollups: every facility's view and every charger site's busy connectors
  // at this moment, then stores the buckets that have closed.
  void SampleRollups() {
    Timestamp now = clock->Now();
    auto reg = live->registry();
    auto snap = live->Snapshot();
    using Kind = model::OccupancyRollup::Kind;
    for (const auto& f : reg->facilities()) {
      state::FacilityView v = state::ViewFacility(*reg, *snap, f, now, live->rules());
      rollups.Add(Kind::kFacility, f.id.str(), now, v.occupied, v.capacity);
    }
    for (const auto& site : state::ChargerSites(*reg, *snap)) {
      rollups.Add(Kind::kChargerSite, site.site, now,
                  site.known > 0 ? std::optional<int>(site.busy) : std::nullopt, site.connectors);
    }
    auto closed = rollups.Flush(now);
    if (closed.empty()) return;
    if (Status st = store->AppendRollups(closed); !st.ok()) {
      PG_LOG_WARNING("rollups: {}", st.ToString());
    }
  }

  // Loads the keys (new sources, revocations) and declares the sources' intervals.
  void ReloadKeys() {
    auto records = store->LoadSources();
    if (!records.ok()) {
      PG_LOG_WARNING("sources: {}", records.status().ToString());
      return;
    }
    for (const auto& r : *records) live->DeclareSource(r.source.id, r.source.expected_interval);
    keys.Load(*records, live->index());
  }

  void Maintain() {
    ReloadKeys();
    for (const auto& a : live->CheckSilence(clock->Now())) {
      if (a.silent) {
        PG_LOG_WARNING("source {} is silent: nothing received since {} (expected every {} s)",
                       a.source, FormatRfc3339Utc(a.last_received), a.expected_interval.count());
      } else {
        PG_LOG_INFO("source {} is reporting again", a.source);
      }
    }
  }

  // One tick of the demo's feed, posted to our own API with each simulated source's key.
  void FeedTick() {
    std::map<std::string, std::vector<model::Observation>> by_source;
    for (auto& o : simulator->Tick(clock->Now())) by_source[o.source.str()].push_back(std::move(o));
    for (const auto& [source, observations] : by_source) {
      auto key = simulator_keys.find(source);
      if (key == simulator_keys.end()) {
        PG_LOG_WARNING("demo feed: no key for source {}", source);
        continue;
      }
      for (size_t first = 0; first < observations.size(); first += 10'000) {
        size_t n = std::min<size_t>(10'000, observations.size() - first);
        std::string body = ingest::ToWireJson(std::span(observations).subspan(first, n));
        for (int attempt = 0; attempt < 2; ++attempt) {
          if (!simulator_connection || !simulator_connection->open()) {
            auto c = api::http::HttpConnection::Open("127.0.0.1", server->port());
            if (!c.ok()) break;
            simulator_connection = std::move(*c);
          }
          auto r = simulator_connection->Request(
              "POST", "/api/v1/observations", body,
              {{"Authorization", "Bearer " + key->second}, {"Content-Type", "application/json"}});
          if (!r.ok()) {
            simulator_connection.reset();
            continue;
          }
          if (r->status != 200) PG_LOG_WARNING("demo feed: {} {}", r->status, r->body);
          break;
        }
      }
    }
  }

  void RecordHistory() {
    Timestamp now = clock->Now();
    auto step = std::chrono::duration_cast<Milliseconds>(config.history_step);
    Timestamp slot = Timestamp(now.time_since_epoch() / step * step);
    if (slot <= last_history_slot) return;
    auto reg = live->registry();
    auto snap = live->Snapshot();
    std::vector<model::OccupancySample> samples;
    for (const auto& f : reg->facilities()) {
      state::FacilityView v = state::ViewFacility(*reg, *snap, f, now, live->rules());
      if (!v.occupied) continue;  // unknown or closed: nothing true to record
      samples.push_back({f.id, slot, *v.occupied, v.capacity});
    }
    if (Status s = store->AppendOccupancy(samples); !s.ok()) {
      PG_LOG_WARNING("history: {}", s.ToString());
      return;
    }
    if (Status s = store->AppendChargerSiteOccupancy(ChargerSiteSamples(*reg, *snap, slot));
        !s.ok()) {
      PG_LOG_WARNING("history: {}", s.ToString());
    }
    last_history_slot = slot;
  }

  // Reloads recent history for forecasts and retrains when due (forecast/service.h).
  void UpdateForecasts() {
    if (Status s = forecasts->Refresh(); !s.ok()) PG_LOG_WARNING("forecast: {}", s.ToString());
    if (!forecasts->RetrainDue()) return;
    if (Status s = forecasts->Retrain(); !s.ok()) PG_LOG_WARNING("forecast: {}", s.ToString());
  }
};

namespace {

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

Result<std::unique_ptr<App>> App::Create(const AppConfig& config, const Clock& clock) {
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->clock = &clock;
  PG_ASSIGN_OR_RETURN(impl->store, store::OpenSqliteStore(config.db_path));
  PG_ASSIGN_OR_RETURN(model::RegistryData data, impl->store->LoadRegistry());
  if (!data.city && data.facilities.empty()) {
    return FailedPrecondition(fmt::format(
        "database '{}' holds no city: run `parkguide import-osm` and `parkguide import-registry` "
        "first, or `parkguide demo`",
        config.db_path));
  }
  PG_ASSIGN_OR_RETURN(auto registry, registry::Registry::Build(std::move(data)));
  impl->bus = std::make_unique<events::EventBus>();
  state::LiveRules rules;
  rules.reset_minute_of_day = config.count_reset_minute;
  PG_ASSIGN_OR_RETURN(auto offsets, impl->store->GetSetting("state.reset_offsets"));
  if (offsets) {
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
  }
  impl->live =
      std::make_unique<state::LiveState>(registry, std::move(rules), &clock, impl->bus.get());
  impl->ReloadKeys();
  journal::RecoveryReport report;
  std::string journal_dir =
      config.journal_dir.empty() ? config.db_path + ".journal" : config.journal_dir;
  PG_ASSIGN_OR_RETURN(impl->pipeline,
                      ingest::IngestPipeline::Open(FileSystem::Default(), {.dir = journal_dir},
                                                   *impl->live, {}, &report));
  PG_LOG_INFO("journal {}: {}", journal_dir, report.ToString());
  impl->ReloadKeys();  // the restored state may list sources again: keep declared intervals
  ingest::IngestLimits limits;
  limits.observations_per_second = config.ingest_rate_limit;
  limits.burst = std::max(config.ingest_rate_limit, 10'000.0);
  impl->ingest = std::make_unique<ingest::IngestService>(*impl->live, impl->keys, *impl->pipeline,
                                                         clock, limits);
  impl->ingest->SetKeyReloader([s = impl.get()] { s->ReloadKeys(); });

  if (!config.mqtt_broker.empty()) {
    ingest::MqttOptions mqtt;
    auto colon = config.mqtt_broker.rfind(':');
    mqtt.host = config.mqtt_broker.substr(0, colon);
    if (colon != std::string::npos) {
      auto port = ParseInt(config.mqtt_broker.substr(colon + 1));
      if (!port || *port <= 0 || *port > 65535) {
        return InvalidArgument(fmt::format("'{}' is not host:port", config.mqtt_broker), "mqtt");
      }
      mqtt.port = static_cast<int>(*port);
    }
    mqtt.city = registry->city().id;
    mqtt.trust_topic_source = config.mqtt_trust_topic_source;
    impl->mqtt = std::make_unique<ingest::MqttSubscriber>(mqtt, *impl->ingest, *impl->store, clock);
  }
  PG_ASSIGN_OR_RETURN(impl->roads, LoadRoadNetwork(config.db_path, *impl->store));

  if (config.simulate) {
    PG_ASSIGN_OR_RETURN(auto stored, impl->store->GetSetting("demo.land_use"));
    auto land_use = ingest::simulator::LandUseFromJson(stored.value_or("{}"));
    impl->simulator = std::make_unique<ingest::simulator::CitySimulator>(
        registry, std::move(land_use), config.simulator_seed);
    for (const auto& source : registry->sources()) {
      PG_ASSIGN_OR_RETURN(auto key, impl->store->GetSetting("demo.key." + source.id.str()));
      if (key) impl->simulator_keys[source.id.str()] = *key;
    }
  }

  api::http::ServerOptions options;
  options.bind_address = config.bind_address;
  options.port = config.port;
  if (config.io_threads > 0) options.io_threads = config.io_threads;
  impl->server = std::make_unique<api::http::Server>(options);
  api::ApiContext context;
  context.live = impl->live.get();
  context.store = impl->store.get();
  context.clock = &clock;
  context.version = "0.1.0";
  api::RegisterReadApi(*impl->server, context);
  api::RegisterRouteApi(*impl->server, impl->roads);
  api::IngestApiContext ingest_context;
  ingest_context.service = impl->ingest.get();
  ingest_context.live = impl->live.get();
  ingest_context.bus = impl->bus.get();
  ingest_context.store = impl->store.get();
  ingest_context.clock = &clock;
  api::RegisterIngestApi(*impl->server, ingest_context);

  impl->forecast_live = std::make_unique<LiveStateReader>(*impl->live, clock);
  forecast::ServiceOptions forecast_options;
  forecast_options.time_zone = registry->city().time_zone;
  PG_ASSIGN_OR_RETURN(auto calendar, impl->store->GetSetting("forecast.calendar"));
  forecast_options.calendar_csv = calendar.value_or("");
  PG_ASSIGN_OR_RETURN(impl->forecasts, forecast::ForecastService::Create(
                                           clock, *impl->store, impl->forecast_live.get(),
                                           std::move(forecast_options)));
  impl->forecasts->SetSeries(ForecastSeries(*registry));
  PG_RETURN_IF_ERROR(impl->forecasts->LoadModels());
  state::LiveState* live = impl->live.get();
  api::RegisterForecastApi(*impl->server,
                           {impl->forecasts.get(), [live] { return live->registry(); }, &clock});
  PG_ASSIGN_OR_RETURN(impl->guide, BuildGuide(impl->roads, registry, *impl->store));
  api::RegisterGuidanceApi(*impl->server,
                           {impl->guide.get(), impl->live.get(), impl->forecasts.get(), &clock});
  return std::unique_ptr<App>(new App(std::move(impl)));
}

Status App::Start() {
  Impl& s = *impl_;
  PG_RETURN_IF_ERROR(s.server->Start());
  if (s.mqtt) PG_RETURN_IF_ERROR(s.mqtt->Start());
  if (s.simulator) {
    // The feed posts to the API like any source; its first tick goes in before "serving" is
    // announced, so the demo is never seen all unknown. The periodic thread's first run is
    // that tick.
    std::promise<void> first;
    auto first_done = first.get_future();
    s.simulator_thread = std::make_unique<PeriodicThread>(
        s.config.simulator_tick, [&s, first = std::move(first), done = false]() mutable {
          s.FeedTick();
          if (!done) {
            done = true;
            first.set_value();
          }
        });
    first_done.wait();
  }
  s.history_thread = std::make_unique<PeriodicThread>(std::chrono::seconds(10), [&s] {
    s.RecordHistory();
    s.SampleRollups();
  });
  s.maintenance_thread =
      std::make_unique<PeriodicThread>(s.config.maintenance_period, [&s] { s.Maintain(); });
  s.forecast_thread =
      std::make_unique<PeriodicThread>(std::chrono::minutes(5), [&s] { s.UpdateForecasts(); });
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
  if (s.server) s.server->Stop();
  if (s.mqtt) s.mqtt->Stop();
  if (s.maintenance_thread) s.maintenance_thread->Stop();
  if (s.history_thread) s.history_thread->Stop();
  if (s.forecast_thread) s.forecast_thread->Stop();
  if (s.pipeline) s.pipeline->Stop();
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

#include "app/app.h"

#include <fmt/format.h>

#include <csignal>
#include <filesystem>

#include "api/http/server.h"
#include "api/read_api.h"
#include "api/route_api.h"
#include "core/log.h"
#include "graph/graph_file.h"
#include "graph/road_import.h"
#include "ingest/simulator/city_simulator.h"
#include "registry/registry.h"
#include "routing/road_network.h"
#include "state/live_state.h"
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
  std::unique_ptr<state::LiveState> live;
  std::shared_ptr<const routing::RoadNetwork> roads;  // null when the city has no graph file
  std::unique_ptr<api::http::Server> server;
  std::unique_ptr<ingest::simulator::CitySimulator> simulator;
  std::unique_ptr<PeriodicThread> simulator_thread;
  std::unique_ptr<PeriodicThread> history_thread;
  Timestamp last_history_slot;
  bool started = false;

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
    last_history_slot = slot;
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
  impl->live = std::make_unique<state::LiveState>(registry);
  PG_ASSIGN_OR_RETURN(impl->roads, LoadRoadNetwork(config.db_path, *impl->store));

  if (config.simulate) {
    PG_ASSIGN_OR_RETURN(auto stored, impl->store->GetSetting("demo.land_use"));
    auto land_use = ingest::simulator::LandUseFromJson(stored.value_or("{}"));
    impl->simulator = std::make_unique<ingest::simulator::CitySimulator>(
        registry, std::move(land_use), config.simulator_seed);
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
  return std::unique_ptr<App>(new App(std::move(impl)));
}

Status App::Start() {
  Impl& s = *impl_;
  if (s.simulator) {
    // The first tick before serving, so the API never shows the demo as unknown.
    s.live->ApplyBatch(s.simulator->Tick(s.clock->Now()));
    s.simulator_thread = std::make_unique<PeriodicThread>(
        s.config.simulator_tick, [&s] { s.live->ApplyBatch(s.simulator->Tick(s.clock->Now())); });
  }
  s.history_thread =
      std::make_unique<PeriodicThread>(std::chrono::seconds(10), [&s] { s.RecordHistory(); });
  PG_RETURN_IF_ERROR(s.server->Start());
  s.started = true;
  PG_LOG_INFO("serving {} on http://{}:{}/", s.live->registry()->city().id, s.config.bind_address,
              s.server->port());
  return Status::Ok();
}

void App::Stop() {
  if (!impl_) return;
  Impl& s = *impl_;
  if (s.server) s.server->Stop();
  if (s.simulator_thread) s.simulator_thread->Stop();
  if (s.history_thread) s.history_thread->Stop();
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

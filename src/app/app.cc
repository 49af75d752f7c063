#include "app/app.h"

#include <fmt/format.h>

#include <csignal>

#include "api/forecast_api.h"
#include "api/http/server.h"
#include "api/read_api.h"
#include "app/forecast_wiring.h"
#include "core/log.h"
#include "forecast/service.h"
#include "ingest/simulator/city_simulator.h"
#include "registry/registry.h"
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
  std::unique_ptr<api::http::Server> server;
  std::unique_ptr<ingest::simulator::CitySimulator> simulator;
  std::unique_ptr<PeriodicThread> simulator_thread;
  std::unique_ptr<PeriodicThread> history_thread;
  std::unique_ptr<LiveStateReader> forecast_live;
  std::unique_ptr<forecast::ForecastService> forecasts;
  std::unique_ptr<PeriodicThread> forecast_thread;
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
  s.forecast_thread =
      std::make_unique<PeriodicThread>(std::chrono::minutes(5), [&s] { s.UpdateForecasts(); });
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
  if (s.forecast_thread) s.forecast_thread->Stop();
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

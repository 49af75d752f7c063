#include "app/app.h"

#include <fmt/format.h>

#include <csignal>

#include "api/authorizer.h"
#include "api/http/server.h"
#include "api/read_api.h"
#include "api/signs_api.h"
#include "core/log.h"
#include "ingest/simulator/city_simulator.h"
#include "registry/registry.h"
#include "signs/controller_sim.h"
#include "signs/mqtt_sign_link.h"
#include "signs/sign_service.h"
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
  Timestamp last_history_slot;
  bool started = false;
  // Signs: the service, where its contents go, who may override them.
  std::unique_ptr<api::Authorizer> authorizer;
  std::unique_ptr<signs::SignService> signs;
  std::unique_ptr<signs::MqttSignLink> sign_link;
  std::unique_ptr<signs::LoopbackPublisher> demo_controllers;  // the demo without a broker
  std::vector<std::unique_ptr<signs::MqttReferenceController>> demo_mqtt_controllers;
  std::unique_ptr<PeriodicThread> demo_heartbeat_thread;

  Status CreateSigns();

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

Status App::Impl::CreateSigns() {
  signs::SignServiceOptions options;
  options.min_publish_interval = config.sign_min_interval;
  options.ack_timeout = config.sign_ack_timeout;
  options.heartbeat_timeout = config.sign_heartbeat_timeout;
  signs =
      std::make_unique<signs::SignService>(options, *clock, *store, signs::FromLiveState(*live));
  PG_RETURN_IF_ERROR(signs->Load());
  live->Subscribe([s = signs.get()](const state::LiveChange& c) { s->OnLiveChange(c); });
  auto registry = live->registry();
  const std::string& city = registry->city().id;

  if (!config.keys_file.empty()) {
    PG_ASSIGN_OR_RETURN(authorizer, api::StaticKeyAuthorizer::FromFile(config.keys_file));
  } else if (config.simulate) {
    std::string key = api::StaticKeyAuthorizer::NewKey();
    authorizer = std::make_unique<api::StaticKeyAuthorizer>(
        std::vector{api::StaticKeyAuthorizer::KeyFor("demo-operator", api::Role::kOperator, key)});
    PG_LOG_INFO("demo: operator key for sign overrides and rules (this run only): {}", key);
  } else {
    authorizer =
        std::make_unique<api::StaticKeyAuthorizer>(std::vector<api::StaticKeyAuthorizer::Key>{});
    PG_LOG_WARNING(
        "signs: no --keys file: sign overrides, rules and HTTP acknowledgements are "
        "refused");
  }

  if (!config.mqtt_broker.empty()) {
    PG_ASSIGN_OR_RETURN(auto address, signs::ParseBrokerAddress(config.mqtt_broker));
    signs::MqttOptions mqtt;
    mqtt.host = address.first;
    mqtt.port = address.second;
    PG_ASSIGN_OR_RETURN(sign_link, signs::MqttSignLink::Start(mqtt, city, *signs, *clock));
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
  PG_RETURN_IF_ERROR(impl->CreateSigns());

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
  api::SignsApiContext signs_context;
  signs_context.live = impl->live.get();
  signs_context.signs = impl->signs.get();
  signs_context.store = impl->store.get();
  signs_context.clock = &clock;
  signs_context.authorizer = impl->authorizer.get();
  api::RegisterSignsApi(*impl->server, signs_context);
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
  s.signs->Start();
  if (s.demo_controllers) {
    s.demo_heartbeat_thread = std::make_unique<PeriodicThread>(
        std::chrono::seconds(30), [&s] { s.demo_controllers->Heartbeat(s.clock->Now()); });
  }
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
  if (s.demo_heartbeat_thread) s.demo_heartbeat_thread->Stop();
  if (s.signs) s.signs->Stop();
  s.demo_mqtt_controllers.clear();
  s.sign_link.reset();
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

// Sign latency: acknowledged observation → new sign content received from the MQTT broker, with
// 1,000 signs and a full city feed (docs/benchmarks.md, "Signs").
//
// A synthetic city: 1,500 car parks; 100 level-1 signs (3 group lines of 8 car parks), 500
// level-2 signs (3 car parks each) and 400 level-3 signs (one car park each). The background
// feed reports every car park every `--feed-period` seconds with a count that moves by a few
// spaces (so sign contents keep changing), in batches every 100 ms. Probes: 200 car parks that
// the feed leaves alone, each shown by its own entrance sign, get a count the sign has never
// shown; the latency of a probe is from the return of LiveState::Apply (the observation is
// durable and applied: what the ingest acknowledges) to the moment a subscriber on the broker
// receives the entrance sign's content with that count. Each probe car park is probed at most
// every 10 s, so the per-sign rate limit (5 s) never delays a probe: what is measured is the
// pipeline — listener, evaluation, history write (SQLite), MQTT publish, broker, subscriber.
//
//   build/bench/bench/sign_latency_bench [--seconds 60] [--feed-period 10] [--min-interval-ms 5000]
//
// Prints one table row per run. Starts its own mosquitto (as the tests do).
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "core/log.h"
#include "events/event_bus.h"
#include "mqtt/client.h"
#include "registry/registry.h"
#include "signs/mqtt_sign_link.h"
#include "signs/sign_service.h"
#include "state/live_state.h"
#include "store/store.h"
#include "tests/support/mosquitto_broker.h"
#include "tests/support/temp_dir.h"

namespace pg {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kFacilities = 1500;
constexpr int kProbes = 200;  // facilities 0..199: probed, not fed
constexpr int kLevel1 = 100;
constexpr int kLevel2 = 500;
constexpr int kLevel3 = 400;  // the first 200 show the probe facilities

std::string FacilityId(int i) { return fmt::format("F{:04}", i); }

model::RegistryData MakeCity(const std::string& city_id) {
  model::RegistryData data;
  model::City city;
  city.id = city_id;
  data.city = city;
  std::mt19937 rng(7);
  for (int i = 0; i < kFacilities; ++i) {
    model::Facility f;
    f.id = model::FacilityId(FacilityId(i));
    f.location = {34.0 + i * 1e-4, 113.8};
    f.capacity.total = i < kProbes ? 1000 : 100 + static_cast<int>(rng() % 1400);
    // Probes are open around the clock: a probe closed by its hours would show CLOSED, never
    // its count, and the figures would depend on the time of day the benchmark runs.
    f.opening_hours = i >= kProbes && i % 5 == 0 ? "Mo-Su 06:00-23:00" : "24/7";
    data.facilities.push_back(f);
  }
  model::Source s;
  s.id = model::SourceId("gates");
  s.scope.all = true;
  s.expected_interval = std::chrono::seconds(60);
  data.sources.push_back(s);
  auto fed = [&] {
    return FacilityId(kProbes + static_cast<int>(rng() % (kFacilities - kProbes)));
  };
  int n = 0;
  auto add = [&](model::SignLevel level, std::vector<model::SignLine> lines) {
    model::Sign sign;
    sign.id = model::SignId(fmt::format("S{:04}", n++));
    sign.location = {34.0, 113.8};
    sign.level = level;
    sign.lines = std::move(lines);
    sign.digits = 4;
    data.signs.push_back(sign);
  };
  for (int i = 0; i < kLevel1; ++i) {
    std::vector<model::SignLine> lines(3);
    for (auto& l : lines) {
      for (int k = 0; k < 8; ++k) l.facilities.emplace_back(fed());
      l.arrow = model::Arrow::kLeft;
    }
    add(model::SignLevel::kArea, lines);
  }
  for (int i = 0; i < kLevel2; ++i) {
    std::vector<model::SignLine> lines(3);
    for (auto& l : lines) l.facilities.emplace_back(fed());
    add(model::SignLevel::kRoute, lines);
  }
  for (int i = 0; i < kLevel3; ++i) {
    std::string f = i < kProbes ? FacilityId(i) : fed();
    add(model::SignLevel::kEntrance, {{{model::FacilityId(f)}, model::Arrow::kStraight, {}}});
  }
  return data;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(std::min<double>(v.size() - 1, p / 100.0 * v.size()));
  return v[i];
}

int Run(int seconds, int feed_period_s, int min_interval_ms) {
  SetLogLevel(LogLevel::kWarning);
  testing::TempDir dir;
  testing::MosquittoBroker broker(dir.File("broker"));
  if (testing::MosquittoBinary().empty() || !broker.Start()) {
    std::fprintf(stderr, "no mosquitto broker: %s\n", broker.Log().c_str());
    return 1;
  }
  std::string city_id = fmt::format("bench-{}", ::getpid());
  auto registry = *registry::Registry::Build(MakeCity(city_id));
  auto store = std::move(*store::OpenSqliteStore(dir.File("city.db")));
  events::EventBus bus;
  state::LiveState live(registry, {}, nullptr, &bus);
  signs::SignServiceOptions options;
  options.min_publish_interval = std::chrono::milliseconds(min_interval_ms);
  // No controllers answer in this benchmark: health is not what is measured.
  options.ack_timeout = std::chrono::hours(1);
  options.heartbeat_timeout = std::chrono::hours(1);
  signs::SignService service(options, SystemClock::Instance(), *store, signs::FromLiveState(live));
  if (!service.Load().ok()) return 1;
  uint64_t subscription = bus.SubscribeFrom(std::nullopt, [&](const events::EventPtr& e) {
    service.OnEvent(*e);
    return true;
  });
  mqtt::Options link_options;
  link_options.host = "127.0.0.1";
  link_options.port = broker.port();
  auto link = signs::MqttSignLink::Start(link_options, city_id, service, SystemClock::Instance());
  if (!link.ok() || !(*link)->client().WaitConnected(std::chrono::seconds(10))) return 1;
  service.AddPublisher(**link);

  // The subscriber: waits for each probe's count on its entrance sign.
  std::mutex mu;
  std::map<std::string, std::pair<int, Clock::time_point>> expected;  // sign → (count, t0)
  std::vector<double> latencies_ms;
  std::atomic<uint64_t> received{0};
  std::string prefix = fmt::format("parkguide/{}/signs/", city_id);
  link_options.client_id.clear();
  mqtt::Handlers handlers;
  handlers.on_message = [&](std::string_view topic, std::string_view payload, bool) {
    auto t = Clock::now();
    received.fetch_add(1, std::memory_order_relaxed);
    std::string sign(topic.substr(prefix.size()));
    std::lock_guard lock(mu);
    auto it = expected.find(sign);
    if (it == expected.end()) return;
    auto j = nlohmann::json::parse(payload, nullptr, false);
    if (!j.is_object() || j["lines"][0].value("count", -1) != it->second.first) return;
    latencies_ms.push_back(
        std::chrono::duration<double, std::milli>(t - it->second.second).count());
    expected.erase(it);
  };
  auto subscriber = mqtt::Client::Start(link_options, std::move(handlers));
  if (!subscriber.ok() || !(*subscriber)->WaitConnected(std::chrono::seconds(10))) return 1;
  (*subscriber)->Subscribe(prefix + "+", 0).IgnoreError();

  // Every car park once, so every sign has a content before the clock starts.
  std::vector<model::Observation> all;
  std::mt19937 rng(11);
  std::vector<int> free(kFacilities);
  for (int i = 0; i < kFacilities; ++i) {
    int capacity = registry->facilities()[i].capacity.total.value_or(0);
    free[i] = i < kProbes ? 900 : static_cast<int>(rng() % (capacity + 1));
    model::Observation o;
    o.type = model::ObservationType::kFacilityCount;
    o.source = model::SourceId("gates");
    o.time = SystemClock::Instance().Now();
    o.target = FacilityId(i);
    o.free = free[i];
    all.push_back(o);
  }
  live.ApplyBatch(all);
  service.Start();
  // Past the rate limit of the first contents, so that no probe waits for it.
  std::this_thread::sleep_for(std::chrono::milliseconds(min_interval_ms) + std::chrono::seconds(2));
  uint64_t warm = received.load();
  auto stats0 = service.stats();

  std::atomic<bool> stop{false};
  std::atomic<uint64_t> fed{0};
  std::thread feeder([&] {
    // Every fed car park once per feed period, spread over 100 ms batches.
    const int per_batch = std::max(1, (kFacilities - kProbes) / (feed_period_s * 10));
    int next = kProbes;
    auto tick = Clock::now();
    std::mt19937 r(13);
    while (!stop.load()) {
      std::vector<model::Observation> batch;
      for (int k = 0; k < per_batch; ++k) {
        int i = next;
        next = next + 1 >= kFacilities ? kProbes : next + 1;
        int capacity = registry->facilities()[i].capacity.total.value_or(0);
        free[i] = std::clamp(free[i] + static_cast<int>(r() % 7) - 3, 0, capacity);
        model::Observation o;
        o.type = model::ObservationType::kFacilityCount;
        o.source = model::SourceId("gates");
        o.time = SystemClock::Instance().Now();
        o.target = FacilityId(i);
        o.free = free[i];
        batch.push_back(std::move(o));
      }
      live.ApplyBatch(batch);
      fed += batch.size();
      tick += std::chrono::milliseconds(100);
      std::this_thread::sleep_until(tick);
    }
  });

  // Probes: 20 a second, each probe car park every 10 s; a count never shown before.
  int probes = 0;
  auto start = Clock::now();
  auto tick = start;
  int value = 1000;
  while (Clock::now() - start < std::chrono::seconds(seconds)) {
    int i = probes % kProbes;
    std::string sign = fmt::format("S{:04}", kLevel1 + kLevel2 + i);
    value = value >= 999 ? 100 : value + 1;  // 100..999 of 1,000: always a green count
    model::Observation o;
    o.type = model::ObservationType::kFacilityCount;
    o.source = model::SourceId("gates");
    o.time = SystemClock::Instance().Now();
    o.target = FacilityId(i);
    o.free = value;
    {
      std::lock_guard lock(mu);
      expected[sign] = {value, Clock::now()};
    }
    live.Apply(o);
    {
      // t0 is when Apply returned: the observation is applied and would be acknowledged.
      std::lock_guard lock(mu);
      auto it = expected.find(sign);
      if (it != expected.end() && it->second.first == value) it->second.second = Clock::now();
    }
    ++probes;
    tick += std::chrono::milliseconds(50);
    std::this_thread::sleep_until(tick);
  }
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::this_thread::sleep_for(std::chrono::seconds(2));  // the last answers
  stop = true;
  feeder.join();
  bus.Unsubscribe(subscription);
  service.Stop();
  auto stats = service.stats();
  std::lock_guard lock(mu);
  size_t lost = expected.size();
  std::printf(
      "| %d s | %.0f obs/s | %d ms | %d | %zu (%zu not seen) | %.1f | %.1f | %.1f | %.0f msg/s | "
      "%.0f |\n",
      seconds, fed.load() / elapsed, min_interval_ms, probes, latencies_ms.size(), lost,
      Percentile(latencies_ms, 50), Percentile(latencies_ms, 99),
      latencies_ms.empty() ? 0.0 : *std::max_element(latencies_ms.begin(), latencies_ms.end()),
      (received.load() - warm) / elapsed, (stats.evaluations - stats0.evaluations) / elapsed);
  return 0;
}

}  // namespace
}  // namespace pg

int main(int argc, char** argv) {
  int seconds = 60;
  int feed_period = 10;
  int min_interval_ms = 5000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--seconds")) seconds = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--feed-period")) feed_period = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--min-interval-ms")) min_interval_ms = std::atoi(argv[i + 1]);
  }
  std::printf(
      "| run | background feed | rate limit | probes | answered | p50 ms | p99 ms | max ms | "
      "MQTT out | evaluations/s |\n|---|---|---|---|---|---|---|---|---|---|\n");
  return pg::Run(seconds, feed_period, min_interval_ms);
}

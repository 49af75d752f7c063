#include "soak_ingest.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

#include "api/http/client.h"
#include "core/time.h"

namespace pg::bench {
namespace {

using Clock = std::chrono::steady_clock;
using api::http::HttpConnection;

constexpr std::array<const char*, 5> kStatuses = {"Available", "Charging", "Preparing", "Finishing",
                                                  "SuspendedEV"};

struct CountTarget {
  std::string facility;
  int capacity = 0;
  bool capacity_known =
      false;  // else the reports carry free and occupied: the capacity is their sum
  int occupied = 0;
};

constexpr int kAssumedCapacity = 100;  // of a car park whose capacity the registry does not know
struct BayTarget {
  std::string bay;
  bool occupied = false;
};
struct ConnectorTarget {
  std::string charger;
  int connector = 0;
  size_t status = 0;
};

enum class Kind { kCount, kEntryExit, kBay, kCharger };

}  // namespace

struct IngestDriver::Source {
  SourceKey key;
  SourceCounts* counts = nullptr;
  std::vector<CountTarget> facilities;
  std::vector<BayTarget> bays;
  std::vector<ConnectorTarget> connectors;
  std::array<double, 4> cumulative{};  // of the kinds' weights, in Kind order
  std::mt19937_64 rng;
  int64_t seq = 0;
  int64_t boot = 0;
  std::string body;

  double Uniform() { return std::uniform_real_distribution<double>(0, 1)(rng); }
  size_t Pick(size_t n) { return static_cast<size_t>(rng() % n); }

  // The weights of the file comment, those of kinds without targets moved to the counts (or,
  // without counted facilities, spread over what there is).
  void SetWeights() {
    std::array<double, 4> w = {0.6, 0.1, 0.2, 0.1};
    if (bays.empty()) w[0] += std::exchange(w[2], 0);
    if (connectors.empty()) w[0] += std::exchange(w[3], 0);
    if (facilities.empty()) w[0] = w[1] = 0;
    double sum = 0;
    for (size_t i = 0; i < w.size(); ++i) cumulative[i] = sum += w[i];
    for (double& c : cumulative) c = sum > 0 ? c / sum : 0;  // no target at all: never run
  }

  Kind NextKind() {
    const double u = Uniform();
    for (size_t i = 0; i < cumulative.size(); ++i) {
      if (u < cumulative[i]) return static_cast<Kind>(i);
    }
    return Kind::kCount;
  }

  void AppendCount(const std::string& time, double change_share) {
    CountTarget& t = facilities[Pick(facilities.size())];
    if (Uniform() < change_share) {
      const int step = 1 + static_cast<int>(Pick(3));
      t.occupied = std::clamp(t.occupied + (rng() % 2 ? step : -step), 0, t.capacity);
    }
    if (t.capacity_known) {
      fmt::format_to(std::back_inserter(body),
                     R"({{"type":"facility_count","facility":"{}","time":"{}","occupied":{},)"
                     R"("seq":{},"boot":{}}})",
                     t.facility, time, t.occupied, ++seq, boot);
      return;
    }
    fmt::format_to(std::back_inserter(body),
                   R"({{"type":"facility_count","facility":"{}","time":"{}","occupied":{},)"
                   R"("free":{},"seq":{},"boot":{}}})",
                   t.facility, time, t.occupied, t.capacity - t.occupied, ++seq, boot);
  }

  void AppendEntryOrExit(const std::string& time) {
    CountTarget& t = facilities[Pick(facilities.size())];
    const bool entry = t.occupied == 0 || (t.occupied < t.capacity && rng() % 2);
    t.occupied += entry ? 1 : -1;
    fmt::format_to(std::back_inserter(body),
                   R"({{"type":"{}","facility":"{}","time":"{}","seq":{},"boot":{}}})",
                   entry ? "entry" : "exit", t.facility, time, ++seq, boot);
  }

  void AppendBay(const std::string& time, double change_share) {
    BayTarget& t = bays[Pick(bays.size())];
    if (Uniform() < change_share) t.occupied = !t.occupied;
    fmt::format_to(std::back_inserter(body),
                   R"({{"type":"bay","bay":"{}","time":"{}","occupied":{},"seq":{},"boot":{}}})",
                   t.bay, time, t.occupied, ++seq, boot);
  }

  void AppendCharger(const std::string& time, double change_share) {
    ConnectorTarget& t = connectors[Pick(connectors.size())];
    if (Uniform() < change_share) t.status = Pick(kStatuses.size());
    fmt::format_to(std::back_inserter(body),
                   R"({{"type":"charger","charger":"{}","connector":{},"time":"{}",)"
                   R"("status":"{}","seq":{},"boot":{}}})",
                   t.charger, t.connector, time, kStatuses[t.status], ++seq, boot);
  }

  // The next batch into `body`, its observations stamped `time`.
  void Build(int n, const std::string& time, double change_share) {
    body.clear();
    body += R"({"observations":[)";
    for (int i = 0; i < n; ++i) {
      if (i > 0) body += ',';
      switch (NextKind()) {
        case Kind::kCount:
          AppendCount(time, change_share);
          break;
        case Kind::kEntryExit:
          AppendEntryOrExit(time);
          break;
        case Kind::kBay:
          AppendBay(time, change_share);
          break;
        case Kind::kCharger:
          AppendCharger(time, change_share);
          break;
      }
    }
    body += "]}";
  }
};

namespace {

// Facility i (and its bays and chargers) to source i mod n, as a car park's gate system reports
// its counts and its chargers, and a zone's sensor gateway its bays; a charger outside any
// facility to the sources in turn.
void ShareTargets(const CityInfo& city, std::vector<std::unique_ptr<IngestDriver::Source>>& out) {
  const size_t n = out.size();
  std::map<std::string, size_t> owner;
  for (size_t i = 0; i < city.facilities.size(); ++i) owner[city.facilities[i].id] = i % n;
  for (size_t i : city.counted) {
    const FacilityInfo& f = city.facilities[i];
    const int capacity = f.capacity > 0 ? f.capacity : kAssumedCapacity;
    out[owner[f.id]]->facilities.push_back({f.id, capacity, f.capacity > 0, capacity / 2});
  }
  size_t k = 0;
  auto owner_of = [&](const std::string& facility) {
    auto it = owner.find(facility);
    return it != owner.end() ? it->second : k++ % n;
  };
  for (const BayInfo& b : city.bays) out[owner_of(b.facility)]->bays.push_back({b.id, false});
  for (const ChargerInfo& c : city.chargers) {
    const size_t to = owner_of(c.facility);
    for (int connector : c.connectors) out[to]->connectors.push_back({c.id, connector, 0});
  }
}

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

IngestDriver::IngestDriver(uint16_t port, const CityInfo& city, const std::vector<SourceKey>& keys,
                           IngestOptions options, Load& load)
    : port_(port), options_(options), load_(load) {
  const int64_t boot = NowMillis();  // a new boot per run: its seqs start afresh
  for (size_t k = 0; k < keys.size(); ++k) {
    auto s = std::make_unique<Source>();
    auto c = std::make_unique<SourceCounts>();
    c->id = keys[k].id;
    s->key = keys[k];
    s->counts = c.get();
    s->rng.seed(20261207 + k);
    s->boot = boot;
    s->body.reserve(static_cast<size_t>(options.batch) * 160);
    sources_.push_back(std::move(s));
    counts_.push_back(std::move(c));
  }
  ShareTargets(city, sources_);
  for (auto& s : sources_) s->SetWeights();
}

IngestDriver::~IngestDriver() { Join(); }

void IngestDriver::Start(const std::atomic<bool>& stop) {
  if (options_.obs_per_s <= 0) return;
  for (size_t k = 0; k < sources_.size(); ++k) {
    const Source& s = *sources_[k];
    if (s.facilities.empty() && s.bays.empty() && s.connectors.empty()) {
      fmt::print(stderr, "soak: source {} has no target in this city: it sends nothing\n",
                 s.key.id);
      continue;
    }
    threads_.emplace_back([this, k, &stop] { Run(*sources_[k], k, stop); });
  }
}

void IngestDriver::Join() {
  for (auto& t : threads_) t.join();
  threads_.clear();
}

namespace {

void CountAnswer(const api::http::ClientResponse& r, SourceCounts& counts, RequestStats& stats,
                 int batch) {
  if (r.status != 200) {
    counts.refused += batch;
    return stats.NonOk(r.status, r.body, "ingest");
  }
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  const int64_t accepted = j.value("accepted", int64_t{0});
  const int64_t duplicate = j.value("duplicate", int64_t{0});
  const int64_t out_of_order = j.value("out_of_order", int64_t{0});
  const int64_t seq_refused = j.value("seq_refused", int64_t{0});
  counts.accepted += accepted;
  counts.duplicate += duplicate;
  counts.out_of_order += out_of_order;
  counts.seq_refused += seq_refused;
  stats.items += accepted + duplicate + out_of_order + seq_refused;
  ++stats.ok;
}

}  // namespace

void IngestDriver::Run(Source& s, size_t index, const std::atomic<bool>& stop) {
  const double period_s =
      options_.batch * static_cast<double>(sources_.size()) / options_.obs_per_s;
  const auto period = std::chrono::duration<double>(period_s);
  const auto start = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                        period * (static_cast<double>(index) / sources_.size()));
  const api::http::HeaderList headers = {{"Authorization", "Bearer " + s.key.key},
                                         {"Content-Type", "application/json"}};
  std::unique_ptr<HttpConnection> conn;
  for (int64_t i = 0; !stop; ++i) {
    const auto due =
        start + std::chrono::duration_cast<Clock::duration>(period * static_cast<double>(i));
    std::this_thread::sleep_until(due);
    if (stop) break;
    if (!conn || !conn->open()) {
      auto opened = HttpConnection::Open("127.0.0.1", port_);
      if (!opened.ok()) {
        load_.ingest.Unanswered(opened.status().message(), "ingest connect");
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        continue;
      }
      conn = std::move(*opened);
    }
    s.Build(options_.batch, FormatRfc3339Utc(FromUnixMillis(NowMillis())), options_.change_share);
    auto r = conn->Request("POST", "/api/v1/observations", s.body, headers);
    load_.ingest.latency.Record(
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - due));
    if (!r.ok()) {
      s.counts->unanswered += options_.batch;
      load_.ingest.Unanswered(r.status().message(), "ingest");
      conn.reset();
      continue;
    }
    CountAnswer(*r, *s.counts, load_.ingest, options_.batch);
  }
}

}  // namespace pg::bench

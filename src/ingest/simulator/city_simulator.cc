#include "ingest/simulator/city_simulator.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <numbers>

#include "ingest/simulator/demand_curves.h"

namespace pg::ingest::simulator {
namespace {

constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kDayMs = 24 * 60 * kMinuteMs;
constexpr std::chrono::seconds kHeartbeat{60};

// SplitMix64: a good 64-bit mixer, so that noise is a pure function of its inputs.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t HashString(std::string_view s) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return h;
}

double Uniform(uint64_t h) {
  return (static_cast<double>(Mix(h) >> 11) + 0.5) / 9007199254740992.0;
}

// A standard normal draw determined by `h` (Box–Muller).
double Normal(uint64_t h) {
  double u1 = Uniform(h);
  double u2 = Uniform(h ^ 0x5bd1e995ULL);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2 * std::numbers::pi * u2);
}

// Smooth noise: normal values at knots every `period_ms`, interpolated with a cosine ramp.
double SmoothNoise(uint64_t key, int64_t t_ms, int64_t period_ms) {
  int64_t k = t_ms >= 0 ? t_ms / period_ms : (t_ms - period_ms + 1) / period_ms;
  double frac = static_cast<double>(t_ms - k * period_ms) / static_cast<double>(period_ms);
  double a = Normal(key ^ Mix(static_cast<uint64_t>(k)));
  double b = Normal(key ^ Mix(static_cast<uint64_t>(k + 1)));
  double w = (1 - std::cos(frac * std::numbers::pi)) / 2;
  return a * (1 - w) + b * w;
}

DayType DayTypeOf(int weekday) {
  if (weekday == 5) return DayType::kSaturday;
  if (weekday == 6) return DayType::kSunday;
  return DayType::kWeekday;
}

}  // namespace

std::string_view Name(LandUse use) {
  switch (use) {
    case LandUse::kCommercial:
      return "commercial";
    case LandUse::kOffice:
      return "office";
    case LandUse::kResidential:
      return "residential";
    case LandUse::kHospital:
      return "hospital";
    case LandUse::kLeisure:
      return "leisure";
    case LandUse::kParkAndRide:
      return "park_and_ride";
  }
  return "commercial";
}

std::optional<LandUse> ParseLandUse(std::string_view text) {
  for (LandUse u : {LandUse::kCommercial, LandUse::kOffice, LandUse::kResidential,
                    LandUse::kHospital, LandUse::kLeisure, LandUse::kParkAndRide}) {
    if (Name(u) == text) return u;
  }
  return std::nullopt;
}

std::string LandUseToJson(const std::map<std::string, LandUse>& land_use) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [id, use] : land_use) j[id] = Name(use);
  return j.dump();
}

std::map<std::string, LandUse> LandUseFromJson(std::string_view json) {
  std::map<std::string, LandUse> out;
  auto j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return out;
  for (const auto& [id, use] : j.items()) {
    if (!use.is_string()) continue;
    if (auto u = ParseLandUse(use.get<std::string>())) out[id] = *u;
  }
  return out;
}

CitySimulator::CitySimulator(std::shared_ptr<const registry::Registry> registry,
                             std::map<std::string, LandUse> land_use, uint64_t seed,
                             SimulatorSources sources)
    : registry_(std::move(registry)),
      land_use_(std::move(land_use)),
      seed_(seed),
      sources_(std::move(sources)) {}

LandUse CitySimulator::LandUseOf(const model::Facility& f) const {
  if (auto it = land_use_.find(f.id.str()); it != land_use_.end()) return it->second;
  if (f.kind == model::FacilityKind::kParkAndRide) return LandUse::kParkAndRide;
  static constexpr LandUse kCycle[] = {LandUse::kCommercial,  LandUse::kOffice,
                                       LandUse::kResidential, LandUse::kCommercial,
                                       LandUse::kLeisure,     LandUse::kHospital};
  return kCycle[HashString(f.id.str()) % std::size(kCycle)];
}

double CitySimulator::ShareAt(const model::Facility& f, Timestamp t) const {
  LandUse use = LandUseOf(f);
  LocalTime local = ToLocal(t, registry_->time_zone());
  double hour = local.minute_of_day / 60.0 + static_cast<double>(ToUnixMillis(t) % kMinuteMs) /
                                                 static_cast<double>(60 * kMinuteMs);
  uint64_t key = HashString(f.id.str()) ^ Mix(seed_);
  int64_t t_ms = ToUnixMillis(t);
  // Each car park has its own typical level (popular or not), a level per day, a slow drift
  // over hours and a fast wiggle over minutes.
  double site_level = 0.8 + 0.35 * Uniform(key ^ 0xa1);
  double day_level =
      1 +
      DayLevelSigma(use) * Normal(key ^ Mix(static_cast<uint64_t>((t_ms + 8 * 3600'000) / kDayMs)));
  double share = OccupancyShare(use, DayTypeOf(local.weekday), hour) * site_level * day_level;
  // The measured residual is strongly autocorrelated (0.94–0.98 at 5 minutes): a slow component
  // carries it, and a small fast one makes counts move from minute to minute as gates do.
  share += ShortTermSigma(use) * SmoothNoise(key ^ 0xb2, t_ms, 90 * kMinuteMs);
  share += 0.1 * ShortTermSigma(use) * SmoothNoise(key ^ 0xc3, t_ms, 2 * kMinuteMs);
  return std::clamp(share, 0.0, 1.0);
}

int CitySimulator::OccupiedAt(const model::Facility& f, Timestamp t) const {
  int capacity = f.capacity.total.value_or(0);
  if (f.kind == model::FacilityKind::kOnStreet) {
    auto bays = registry_->BaysOf(f.id);
    if (!bays.empty()) {
      int n = 0;
      for (const auto* b : bays) n += BayOccupiedAt(*b, t) ? 1 : 0;
      return std::min(n, capacity);
    }
  }
  return static_cast<int>(std::lround(ShareAt(f, t) * capacity));
}

const std::vector<CitySimulator::Session>& CitySimulator::SessionsOn(
    const std::string& key, int64_t day_index, const SessionKind& kind) const {
  std::string cache_key = key + "#" + std::to_string(day_index);
  if (auto it = session_cache_.find(cache_key); it != session_cache_.end()) return it->second;
  if (session_cache_.size() > 200'000) session_cache_.clear();  // bounded memory in long runs
  std::vector<Session> sessions;
  uint64_t h = HashString(key) ^ Mix(seed_) ^ Mix(static_cast<uint64_t>(day_index) * 7919);
  // The local day starts at local midnight; the profile is evaluated in local hours.
  const auto& zone = registry_->time_zone();
  Timestamp noon_utc = FromUnixMillis(day_index * kDayMs + kDayMs / 2);
  LocalTime local = ToLocal(noon_utc, zone);
  Timestamp day_start = FromLocal(local.year, local.month, local.day, 0, zone);
  DayType day = DayTypeOf(local.weekday);
  const int64_t start_ms = ToUnixMillis(day_start);
  // Arrivals while free form a non-homogeneous Poisson process: drawn by thinning against the
  // day's highest rate, so a quiet night does not skip the morning.
  auto rate_at = [&](double hour_of_day) {
    if (kind.charger) {
      double share = ChargerInUseShare(day, hour_of_day);
      return share / std::max(0.05, 1 - share) * 60.0 / ChargerSessionMinutes(kind.dc_fast);
    }
    return BayArrivalsPerHour(day, hour_of_day) * kind.rate_scale;
  };
  double max_rate = 0.01;
  for (int half_hour = 0; half_hour < 48; ++half_hour) {
    max_rate = std::max(max_rate, rate_at(half_hour / 2.0));
  }
  uint64_t draw = 0;
  int64_t t = start_ms;
  const int64_t end = start_ms + kDayMs;
  while (true) {
    t += static_cast<int64_t>(-std::log(Uniform(h ^ Mix(++draw))) / max_rate * 3600'000.0);
    if (t >= end) break;
    double hour_of_day = static_cast<double>(t - start_ms) / 3600'000.0;
    if (Uniform(h ^ Mix(++draw)) * max_rate > rate_at(hour_of_day)) continue;
    // Draws in a fixed order: the session must not depend on argument evaluation order.
    double u_kind = Uniform(h ^ Mix(++draw));
    double u_dwell = Uniform(h ^ Mix(++draw));
    double z = Normal(h ^ Mix(++draw));
    double dwell_minutes = kind.charger ? ChargerSessionMinutes(kind.dc_fast) * std::exp(0.5 * z)
                                        : BayDwellMinutes(kind.limit_minutes, u_kind, u_dwell, z);
    int64_t departure =
        t + std::max<int64_t>(2 * kMinuteMs, static_cast<int64_t>(dwell_minutes * kMinuteMs));
    sessions.push_back({t, departure});
    t = departure + kMinuteMs;  // the next car finds the bay free from here
  }
  return session_cache_.emplace(cache_key, std::move(sessions)).first->second;
}

bool CitySimulator::InSession(const std::string& key, Timestamp t, const SessionKind& kind,
                              Timestamp* since) const {
  int64_t t_ms = ToUnixMillis(t);
  int64_t day = (t_ms + 8 * 3600'000) / kDayMs;  // any stable day bucketing works here
  // A session may have begun on the previous day's list.
  for (int64_t d : {day, day - 1, day + 1}) {
    for (const auto& s : SessionsOn(key, d, kind)) {
      if (s.start_ms <= t_ms && t_ms < s.end_ms) {
        if (since) *since = FromUnixMillis(s.start_ms);
        return true;
      }
    }
  }
  return false;
}

bool CitySimulator::BayOccupiedAt(const model::Bay& bay, Timestamp t, Timestamp* since) const {
  // Stays follow the bay's posted limit; disabled bays are used less.
  SessionKind kind;
  kind.limit_minutes = bay.time_limit_minutes.value_or(0);
  kind.rate_scale = bay.category == model::SpaceCategory::kDisabled ? 0.3 : 1.0;
  return InSession(bay.id.str(), t, kind, since);
}

model::ChargerStatus CitySimulator::ConnectorStatusAt(const model::Charger& c, int connector,
                                                      Timestamp t) const {
  std::string key = c.id.str() + "/" + std::to_string(connector);
  // Fault episodes: a few hours, rare, per connector per day.
  uint64_t h = HashString(key) ^ Mix(seed_);
  int64_t t_ms = ToUnixMillis(t);
  int64_t day = t_ms / kDayMs;
  if (Uniform(h ^ Mix(static_cast<uint64_t>(day))) < ChargerFaultShare() * 6) {
    int64_t start = day * kDayMs + static_cast<int64_t>(Uniform(h ^ 0x77 ^ Mix(day)) * kDayMs);
    if (t_ms >= start && t_ms < start + 4 * 3600'000) return model::ChargerStatus::kFaulted;
  }
  SessionKind kind;
  kind.charger = true;
  for (const auto& con : c.connectors) {
    if (con.id == connector) {
      kind.dc_fast =
          con.type != model::ConnectorType::kGbtAc && con.type != model::ConnectorType::kType2;
    }
  }
  Timestamp since;
  if (InSession(key, t, kind, &since)) {
    if (t - since < std::chrono::minutes(2)) return model::ChargerStatus::kPreparing;
    return model::ChargerStatus::kCharging;
  }
  return model::ChargerStatus::kAvailable;
}

std::vector<model::OccupancySample> CitySimulator::FacilityHistory(Timestamp from, Timestamp to,
                                                                   Milliseconds step) const {
  std::vector<model::OccupancySample> out;
  for (const auto& f : registry_->facilities()) {
    if (!f.capacity.total || *f.capacity.total <= 0) continue;
    for (Timestamp t = from; t < to; t += step) {
      out.push_back({f.id, t, OccupiedAt(f, t), *f.capacity.total});
    }
  }
  return out;
}

std::vector<model::Observation> CitySimulator::Tick(Timestamp now) {
  std::vector<model::Observation> out;
  // A restarted feed is a new boot (docs/api/ingest.md, "Sequence numbers"): its seqs start
  // again at 1 and are not taken for duplicates of what the journal saw.
  if (boot_ == 0) boot_ = ToUnixMillis(now);
  auto emit = [&](model::ObservationType type, const model::SourceId& source, std::string target) {
    model::Observation o;
    o.type = type;
    o.source = source;
    o.time = now;
    o.seq = ++seq_;
    o.boot = boot_;
    o.target = std::move(target);
    out.push_back(std::move(o));
    return &out.back();
  };
  for (const auto& f : registry_->facilities()) {
    if (!f.capacity.total || *f.capacity.total <= 0) continue;
    int occupied = OccupiedAt(f, now);
    auto last = last_count_.find(f.id.str());
    auto reported = last_report_.find(f.id.str());
    bool changed = last == last_count_.end() || last->second != occupied;
    bool heartbeat_due = reported == last_report_.end() || now - reported->second >= kHeartbeat;
    if (!changed && !heartbeat_due) continue;
    bool on_street = f.kind == model::FacilityKind::kOnStreet;
    auto* o = emit(model::ObservationType::kFacilityCount,
                   on_street ? sources_.bays : sources_.gates, f.id.str());
    o->occupied = occupied;
    last_count_[f.id.str()] = occupied;
    last_report_[f.id.str()] = now;
  }
  for (const auto& b : registry_->bays()) {
    bool occupied = BayOccupiedAt(b, now);
    auto last = last_bay_.find(b.id.str());
    if (last != last_bay_.end() && last->second == occupied) continue;
    emit(model::ObservationType::kBay, sources_.bays, b.id.str())->bay_occupied = occupied;
    last_bay_[b.id.str()] = occupied;
  }
  for (const auto& c : registry_->chargers()) {
    if (c.lifecycle != model::Lifecycle::kInService) continue;
    for (const auto& con : c.connectors) {
      model::ChargerStatus status = ConnectorStatusAt(c, con.id, now);
      std::string key = c.id.str() + "/" + std::to_string(con.id);
      auto last = last_connector_.find(key);
      if (last != last_connector_.end() && last->second == status) continue;
      auto* o = emit(model::ObservationType::kCharger, sources_.chargers, c.id.str());
      o->connector = con.id;
      o->charger_status = status;
      last_connector_[key] = status;
    }
  }
  last_tick_ = now;
  return out;
}

}  // namespace pg::ingest::simulator

// CitySimulator: a live simulated feed for any registry — car-park gate counts, on-street bay
// sensors and charger status — with realistic daily and weekly curves (demand_profiles.h, derived
// from real occupancy series).
//
// Everything is a deterministic function of (seed, target, time): the four weeks of backfilled
// history and the live feed that follows are one continuous series, and a restarted demo resumes
// the same city. The simulator only produces observations; it never touches state.
//
//   CitySimulator sim(registry, {{"F1", LandUse::kOffice}}, /*seed=*/7);
//   auto history = sim.FacilityHistory(from, to, std::chrono::minutes(5));
//   std::vector<model::Observation> batch = sim.Tick(clock.Now());
//
// Thread-safety: not thread-safe; one thread ticks it.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/time.h"
#include "model/history.h"
#include "model/observation.h"
#include "registry/registry.h"

namespace pg::ingest::simulator {

// What drives demand at a car park.
enum class LandUse { kCommercial, kOffice, kResidential, kHospital, kLeisure, kParkAndRide };
std::string_view Name(LandUse use);
std::optional<LandUse> ParseLandUse(std::string_view text);

// A land-use assignment as JSON, {"F1": "office", …}: how the demo keeps it in the store's
// settings. Parsing skips entries it does not understand.
std::string LandUseToJson(const std::map<std::string, LandUse>& land_use);
std::map<std::string, LandUse> LandUseFromJson(std::string_view json);

// Sources the simulator speaks as (they must exist in the registry to pass freshness rules).
struct SimulatorSources {
  model::SourceId gates{"sim-gates"};        // off-street facility counts
  model::SourceId bays{"sim-bays"};          // on-street bay sensors and zone counts
  model::SourceId chargers{"sim-chargers"};  // charger connector status
};

class CitySimulator {
 public:
  // `land_use` assigns a demand profile per facility id; facilities not named get one from their
  // kind and a hash of their id. Facilities without a capacity are not simulated.
  CitySimulator(std::shared_ptr<const registry::Registry> registry,
                std::map<std::string, LandUse> land_use, uint64_t seed,
                SimulatorSources sources = {});

  // Occupied spaces of an off-street facility at `t`.
  int OccupiedAt(const model::Facility& facility, Timestamp t) const;
  // Whether a bay is occupied at `t`, and since when.
  bool BayOccupiedAt(const model::Bay& bay, Timestamp t, Timestamp* since = nullptr) const;
  // The status of one connector at `t`.
  model::ChargerStatus ConnectorStatusAt(const model::Charger& charger, int connector,
                                         Timestamp t) const;

  // Samples of every simulated facility for [from, to) every `step` (on-street zones from their
  // bays), oldest first.
  std::vector<model::OccupancySample> FacilityHistory(Timestamp from, Timestamp to,
                                                      Milliseconds step) const;

  // The observations sources would have sent since the previous Tick (the first Tick reports
  // everything): a count when a facility's count changed or its heartbeat is due, bay changes,
  // connector status changes. Times are within (previous, now].
  std::vector<model::Observation> Tick(Timestamp now);

  LandUse LandUseOf(const model::Facility& facility) const;

 private:
  struct Session {
    int64_t start_ms;
    int64_t end_ms;
  };
  // What a stream of sessions is: cars at a bay, or vehicles charging at a connector.
  struct SessionKind {
    bool charger = false;
    bool dc_fast = false;     // chargers: shorter sessions
    int limit_minutes = 0;    // bays: the posted limit (0: none)
    double rate_scale = 1.0;  // bays: arrivals relative to the measured rate
  };
  // Sessions of one target starting on one day, generated on demand and cached.
  const std::vector<Session>& SessionsOn(const std::string& key, int64_t day_index,
                                         const SessionKind& kind) const;
  bool InSession(const std::string& key, Timestamp t, const SessionKind& kind,
                 Timestamp* since) const;
  double ShareAt(const model::Facility& facility, Timestamp t) const;

  std::shared_ptr<const registry::Registry> registry_;
  std::map<std::string, LandUse> land_use_;
  uint64_t seed_;
  SimulatorSources sources_;
  std::optional<Timestamp> last_tick_;
  std::unordered_map<std::string, int> last_count_;
  std::unordered_map<std::string, Timestamp> last_report_;
  std::unordered_map<std::string, bool> last_bay_;
  std::unordered_map<std::string, model::ChargerStatus> last_connector_;
  // The feed's sequence: `boot` is the time of its first Tick (a restarted feed is a new boot,
  // so its seqs start again at 1 without being taken for duplicates); `seq` counts up from 1.
  int64_t boot_ = 0;
  int64_t seq_ = 0;
  mutable std::unordered_map<std::string, std::vector<Session>> session_cache_;
};

}  // namespace pg::ingest::simulator

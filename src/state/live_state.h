// LiveState: the live occupancy of every facility, bay and charger (SPEC §3), and its rules.
//
// Observations are applied in the order they were made durable. The state keeps, per target, the
// newest accepted value; an observation older than what is held never overwrites it (it is still
// history). Counts are clamped into 0..capacity and the clamp counted as an anomaly of the source.
// Readers take an immutable LiveSnapshot; whether a facility is `unknown` (stale) is decided at
// read time from the snapshot, the registry and the reader's clock (see FacilityView).
//
//   LiveState state(registry);
//   ApplyOutcome o = state.Apply(observation);
//   auto snap = state.Snapshot();
//   FacilityView v = ViewFacility(*registry, *snap, facility, clock.Now());
//
// Thread-safety: Apply and Snapshot may be called from any thread; Apply calls are serialised
// internally. Snapshots are immutable and safe to share.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/time.h"
#include "model/city_model.h"
#include "model/observation.h"
#include "registry/registry.h"

namespace pg::state {

// What the reader sees of a facility (SPEC §9 "live").
enum class OccupancyState { kOpen, kAlmostFull, kFull, kClosed, kUnknown };
std::string_view Name(OccupancyState s);

// A count of one class (or the whole facility) as last reported.
struct ClassCount {
  int occupied = 0;
  int capacity = 0;
  Timestamp updated;
};

// The raw live record of one facility.
struct FacilityLive {
  std::optional<ClassCount> total;  // absent until the first count arrives
  std::map<model::SpaceCategory, ClassCount> by_category;
  model::FacilityStatus operator_status = model::FacilityStatus::kOpen;
  Timestamp status_updated;
  Timestamp last_seen;  // newest observation of any kind for this facility
  model::SourceId last_source;
};

struct ConnectorLive {
  model::ChargerStatus status = model::ChargerStatus::kAvailable;
  Timestamp updated;
};

struct ChargerLive {
  std::map<int, ConnectorLive> connectors;  // by connector id; 0 = the whole charger
  Timestamp last_seen;
};

struct BayLive {
  bool occupied = false;
  Timestamp since;  // when the current state began
  Timestamp updated;
};

// An immutable picture of everything live at one moment.
struct LiveSnapshot {
  uint64_t version = 0;  // increases with every applied change
  std::unordered_map<std::string, FacilityLive> facilities;
  std::unordered_map<std::string, ChargerLive> chargers;
  std::unordered_map<std::string, BayLive> bays;
};

enum class ApplyResult {
  kApplied,
  kDuplicate,      // same source and seq seen before
  kOutOfOrder,     // older than what is held: history only
  kUnknownTarget,  // no such facility/bay/charger in the registry
};

struct ApplyOutcome {
  ApplyResult result = ApplyResult::kApplied;
  bool clamped = false;  // a count outside 0..capacity was clamped (an anomaly of the source)
};

// Tuning of the live rules.
struct LiveRules {
  // A facility is unknown when its newest count is older than its sources' expected interval
  // times this factor.
  double stale_factor = 3.0;
  // Used when no source of the facility declares an interval.
  std::chrono::seconds default_interval{300};
  // Free spaces at or below this share of capacity make the state almost_full.
  double almost_full_share = 0.1;
};

// A change to the live state, delivered to listeners after it is applied.
struct LiveChange {
  uint64_t version = 0;
  model::Observation observation;
};

class LiveState {
 public:
  explicit LiveState(std::shared_ptr<const registry::Registry> registry, LiveRules rules = {});

  // Applies one observation. REQUIRES: it has been validated and made durable by the caller.
  ApplyOutcome Apply(const model::Observation& observation);
  // Applies a batch in order and publishes one snapshot for all of it; one outcome per item.
  std::vector<ApplyOutcome> ApplyBatch(std::span<const model::Observation> batch);

  std::shared_ptr<const LiveSnapshot> Snapshot() const;

  // Replaces the registry (new facilities appear, removed ones are dropped on next apply).
  void SetRegistry(std::shared_ptr<const registry::Registry> registry);
  std::shared_ptr<const registry::Registry> registry() const;

  const LiveRules& rules() const { return rules_; }

  // Called after each applied change, on the applying thread; must not call Apply.
  using Listener = std::function<void(const LiveChange&)>;
  void Subscribe(Listener listener);

 private:
  ApplyOutcome ApplyLocked(const model::Observation& observation, LiveSnapshot& snapshot);

  LiveRules rules_;
  mutable std::mutex mutex_;
  std::shared_ptr<const registry::Registry> registry_;
  // The snapshot being built, mutated under mutex_; once published it is copied before the next
  // change, so a published snapshot is never modified.
  std::shared_ptr<LiveSnapshot> working_;
  std::shared_ptr<const LiveSnapshot> published_;
  std::unordered_map<std::string, int64_t> last_seq_;  // per source
  std::vector<Listener> listeners_;
};

// The reader's view of one facility at `now`: the SPEC §9 "live" object.
struct FacilityView {
  OccupancyState state = OccupancyState::kUnknown;
  std::optional<int> free;      // nullopt when unknown
  std::optional<int> occupied;  // nullopt when unknown
  int capacity = 0;
  std::optional<Timestamp> updated;
  struct Category {
    model::SpaceCategory category;
    std::optional<int> free;
    std::optional<int> occupied;
    int capacity = 0;
  };
  std::vector<Category> by_category;
};

// Decides open/almost_full/full/closed/unknown from the snapshot, the facility's opening hours and
// operator status, and staleness against its sources' intervals.
FacilityView ViewFacility(const registry::Registry& registry, const LiveSnapshot& snapshot,
                          const model::Facility& facility, Timestamp now,
                          const LiveRules& rules = {});

}  // namespace pg::state

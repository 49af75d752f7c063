#include "state/live_state.h"

#include <algorithm>
#include <cmath>

#include "model/opening_hours.h"

namespace pg::state {

std::string_view Name(OccupancyState s) {
  switch (s) {
    case OccupancyState::kOpen:
      return "open";
    case OccupancyState::kAlmostFull:
      return "almost_full";
    case OccupancyState::kFull:
      return "full";
    case OccupancyState::kClosed:
      return "closed";
    case OccupancyState::kUnknown:
      return "unknown";
  }
  return "unknown";
}

LiveState::LiveState(std::shared_ptr<const registry::Registry> registry, LiveRules rules)
    : rules_(rules),
      registry_(std::move(registry)),
      working_(std::make_shared<LiveSnapshot>()),
      published_(std::make_shared<const LiveSnapshot>()) {}

void LiveState::Subscribe(Listener listener) {
  std::lock_guard lock(mutex_);
  listeners_.push_back(std::move(listener));
}

std::shared_ptr<const LiveSnapshot> LiveState::Snapshot() const {
  std::lock_guard lock(mutex_);
  return published_;
}

void LiveState::SetRegistry(std::shared_ptr<const registry::Registry> registry) {
  std::lock_guard lock(mutex_);
  registry_ = std::move(registry);
}

std::shared_ptr<const registry::Registry> LiveState::registry() const {
  std::lock_guard lock(mutex_);
  return registry_;
}

namespace {

// Capacity of the class a count speaks of; 0 when the registry does not know it.
int CapacityOf(const model::Facility& f, const std::optional<model::SpaceCategory>& category) {
  if (!category) return f.capacity.total.value_or(0);
  auto it = f.capacity.by_category.find(*category);
  return it == f.capacity.by_category.end() ? 0 : it->second;
}

}  // namespace

std::vector<ApplyOutcome> LiveState::ApplyBatch(std::span<const model::Observation> batch) {
  std::vector<ApplyOutcome> outcomes;
  outcomes.reserve(batch.size());
  std::vector<LiveChange> changes;
  std::vector<Listener> listeners;
  {
    std::lock_guard lock(mutex_);
    // Copy-on-write once per batch: readers keep the old snapshot.
    if (working_.get() == published_.get()) {
      working_ = std::make_shared<LiveSnapshot>(*working_);
    }
    for (const auto& obs : batch) {
      ApplyOutcome o = ApplyLocked(obs, *working_);
      if (o.result == ApplyResult::kApplied) {
        changes.push_back({++working_->version, obs});
      }
      outcomes.push_back(o);
    }
    if (!changes.empty()) published_ = working_;
    listeners = listeners_;
  }
  for (const auto& change : changes) {
    for (const auto& listener : listeners) listener(change);
  }
  return outcomes;
}

ApplyOutcome LiveState::Apply(const model::Observation& observation) {
  return ApplyBatch(std::span(&observation, 1)).front();
}

ApplyOutcome LiveState::ApplyLocked(const model::Observation& obs, LiveSnapshot& snap) {
  using model::ObservationType;
  ApplyOutcome outcome;
  if (obs.seq) {
    auto [it, inserted] = last_seq_.try_emplace(obs.source.str(), *obs.seq);
    if (!inserted) {
      if (*obs.seq <= it->second) {
        outcome.result = ApplyResult::kDuplicate;
        return outcome;
      }
      it->second = *obs.seq;
    }
  }
  const registry::Registry& reg = *registry_;
  switch (obs.type) {
    case ObservationType::kFacilityCount:
    case ObservationType::kEntry:
    case ObservationType::kExit:
    case ObservationType::kFacilityStatus: {
      const model::Facility* f = reg.FindFacility(model::FacilityId(obs.target));
      if (!f) {
        outcome.result = ApplyResult::kUnknownTarget;
        return outcome;
      }
      FacilityLive& live = snap.facilities[obs.target];
      if (obs.type == ObservationType::kFacilityStatus) {
        if (obs.time < live.status_updated) {
          outcome.result = ApplyResult::kOutOfOrder;
          return outcome;
        }
        live.operator_status = obs.facility_status;
        live.status_updated = obs.time;
      } else {
        std::optional<model::SpaceCategory> category =
            obs.type == ObservationType::kFacilityCount ? obs.category : std::nullopt;
        ClassCount* held = nullptr;
        if (category) {
          held = &live.by_category[*category];
        } else {
          if (!live.total) live.total = ClassCount{};
          held = &*live.total;
        }
        if (obs.time < held->updated) {
          outcome.result = ApplyResult::kOutOfOrder;
          return outcome;
        }
        int capacity = CapacityOf(*f, category);
        int occupied = held->occupied;
        if (obs.type == ObservationType::kFacilityCount) {
          if (obs.occupied) {
            occupied = *obs.occupied;
          } else if (obs.free) {
            occupied = capacity - *obs.free;
          }
        } else {
          occupied += obs.type == ObservationType::kEntry ? obs.count : -obs.count;
        }
        int clamped = std::clamp(occupied, 0, std::max(capacity, 0));
        outcome.clamped = clamped != occupied;
        held->occupied = clamped;
        held->capacity = capacity;
        held->updated = obs.time;
      }
      live.last_seen = std::max(live.last_seen, obs.time);
      live.last_source = obs.source;
      break;
    }
    case ObservationType::kBay: {
      const model::Bay* b = reg.FindBay(model::BayId(obs.target));
      if (!b) {
        outcome.result = ApplyResult::kUnknownTarget;
        return outcome;
      }
      BayLive& live = snap.bays[obs.target];
      if (obs.time < live.updated) {
        outcome.result = ApplyResult::kOutOfOrder;
        return outcome;
      }
      if (live.occupied != obs.bay_occupied || live.updated == Timestamp{}) {
        live.since = obs.time;
      }
      live.occupied = obs.bay_occupied;
      live.updated = obs.time;
      break;
    }
    case ObservationType::kCharger: {
      const model::Charger* c = reg.FindCharger(model::ChargerId(obs.target));
      if (!c) {
        outcome.result = ApplyResult::kUnknownTarget;
        return outcome;
      }
      ChargerLive& live = snap.chargers[obs.target];
      ConnectorLive& con = live.connectors[obs.connector];
      if (obs.time < con.updated) {
        outcome.result = ApplyResult::kOutOfOrder;
        return outcome;
      }
      con.status = obs.charger_status;
      con.updated = obs.time;
      live.last_seen = std::max(live.last_seen, obs.time);
      break;
    }
  }
  return outcome;
}

namespace {

// The freshness limit of a facility: the longest expected interval of the sources that may
// write it, times the stale factor.
std::chrono::milliseconds StaleAfter(const registry::Registry& reg, const model::Facility& f,
                                     const LiveRules& rules) {
  std::chrono::seconds interval{0};
  for (const auto& s : reg.sources()) {
    if (s.revoked_at) continue;
    bool covers = s.scope.all;
    for (const auto& id : s.scope.facilities) covers = covers || id == f.id;
    for (const auto& op : s.scope.operators) covers = covers || op == f.operator_name;
    if (covers) interval = std::max(interval, s.expected_interval);
  }
  if (interval.count() == 0) interval = rules.default_interval;
  return std::chrono::milliseconds(
      static_cast<int64_t>(std::llround(interval.count() * 1000.0 * rules.stale_factor)));
}

}  // namespace

FacilityView ViewFacility(const registry::Registry& reg, const LiveSnapshot& snapshot,
                          const model::Facility& f, Timestamp now, const LiveRules& rules) {
  FacilityView view;
  view.capacity = f.capacity.total.value_or(0);
  auto it = snapshot.facilities.find(f.id.str());
  const FacilityLive* live = it == snapshot.facilities.end() ? nullptr : &it->second;

  // Closed wins over everything: by the operator or outside opening hours.
  bool closed = live && live->operator_status == model::FacilityStatus::kClosed;
  if (!closed && !f.opening_hours.empty()) {
    auto hours = model::OpeningHours::Parse(f.opening_hours);
    if (hours.ok()) {
      LocalTime local = ToLocal(now, reg.time_zone());
      closed = !hours->IsOpen(local.weekday, local.minute_of_day);
    }
  }
  if (live && live->total) view.updated = live->total->updated;
  if (closed) {
    view.state = OccupancyState::kClosed;
    if (live && live->status_updated > view.updated.value_or(Timestamp{})) {
      view.updated = live->status_updated;
    }
    return view;
  }
  auto stale_after = StaleAfter(reg, f, rules);
  auto fresh = [&](const ClassCount& c) { return now - c.updated <= stale_after; };
  if (!live || !live->total || !fresh(*live->total)) {
    view.state = OccupancyState::kUnknown;
    return view;
  }
  const ClassCount& total = *live->total;
  view.capacity = total.capacity;
  view.occupied = total.occupied;
  view.free = total.capacity - total.occupied;
  if (live->operator_status == model::FacilityStatus::kFull || *view.free <= 0) {
    view.state = OccupancyState::kFull;
  } else if (*view.free <= static_cast<int>(std::ceil(rules.almost_full_share * total.capacity))) {
    view.state = OccupancyState::kAlmostFull;
  } else {
    view.state = OccupancyState::kOpen;
  }
  for (const auto& [category, count] : live->by_category) {
    FacilityView::Category c{category, std::nullopt, std::nullopt, count.capacity};
    if (fresh(count)) {
      c.occupied = count.occupied;
      c.free = count.capacity - count.occupied;
    }
    view.by_category.push_back(c);
  }
  return view;
}

}  // namespace pg::state

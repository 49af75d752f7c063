#include "history/recorder.h"

#include <fmt/format.h>

#include <any>

#include "core/log.h"
#include "state/live_change.h"

namespace pg::history {

using Kind = model::OccupancyRollup::Kind;

Recorder::Recorder(const state::LiveState& live, RecorderStore store, const Clock& clock,
                   RecorderOptions options)
    : live_(live),
      history_(store.get<store::OccupancyHistoryWriter>()),
      counters_(store.get<store::CounterWriter>()),
      clock_(clock),
      options_(options) {}

void Recorder::AddTotalCounter(TotalCounter counter) { totals_.push_back({std::move(counter), 0}); }

void Recorder::OnEvent(const events::Event& event) {
  const auto* change = std::any_cast<state::FacilityChange>(&event.payload);
  if (!change) return;
  std::lock_guard lock(rollups_mu_);
  rollups_.Add(Kind::kFacility, change->facility->id.str(), change->at, change->view.occupied,
               change->view.capacity);
}

void Recorder::Tick() {
  const Timestamp now = clock_.Now();
  const auto registry = live_.registry();
  const auto snapshot = live_.Snapshot();
  RecordSlot(now, *registry, *snapshot);
  RecordRollups(now, *registry, *snapshot);
  RecordStatusChanges(now, *snapshot);
  RecordTotals(now);
}

void Recorder::RecordSlot(Timestamp now, const registry::Registry& registry,
                          const state::LiveSnapshot& snapshot) {
  const auto step = std::chrono::duration_cast<Milliseconds>(options_.slot);
  const Timestamp slot = Timestamp(now.time_since_epoch() / step * step);
  if (slot <= last_slot_) return;
  std::vector<model::OccupancySample> samples;
  for (const auto& f : registry.facilities()) {
    state::FacilityView v = state::ViewFacility(registry, snapshot, f, now, live_.rules());
    if (!v.occupied) continue;  // unknown or closed: nothing true to record
    samples.push_back({f.id, slot, *v.occupied, v.capacity});
  }
  if (Status s = history_.AppendOccupancy(samples); !s.ok()) {
    PG_LOG_WARNING("history: {}", s.ToString());
    return;
  }
  if (Status s = history_.AppendChargerSiteOccupancy(
          ChargerSiteSamples(registry, snapshot, slot, now, live_.rules()));
      !s.ok()) {
    PG_LOG_WARNING("history: {}", s.ToString());
  }
  last_slot_ = slot;
}

// Every facility's view and every charging site's busy connectors at this moment (what time
// alone changed since the last event: staleness, opening hours), then the closed buckets.
void Recorder::RecordRollups(Timestamp now, const registry::Registry& registry,
                             const state::LiveSnapshot& snapshot) {
  std::vector<model::OccupancyRollup> closed;
  {
    std::lock_guard lock(rollups_mu_);
    for (const auto& f : registry.facilities()) {
      state::FacilityView v = state::ViewFacility(registry, snapshot, f, now, live_.rules());
      rollups_.Add(Kind::kFacility, f.id.str(), now, v.occupied, v.capacity);
    }
    for (const auto& site : state::ChargerSites(registry, snapshot, now, live_.rules())) {
      rollups_.Add(Kind::kChargerSite, site.site, now,
                   site.known > 0 ? std::optional<int>(site.busy) : std::nullopt, site.connectors);
    }
    closed = rollups_.Flush(now);
  }
  if (closed.empty()) return;
  if (Status s = history_.AppendRollups(closed); !s.ok()) {
    PG_LOG_WARNING("rollups: {}", s.ToString());
  }
}

// The bay sensor and connector status changes since the previous tick, and the hourly counters
// of each source's anomalies and drift corrections (analytics reads them).
void Recorder::RecordStatusChanges(Timestamp now, const state::LiveSnapshot& snapshot) {
  auto changes = status_history_.Diff(snapshot);
  if (Status s = changes.bays.empty() ? Status::Ok() : history_.AppendBayEvents(changes.bays);
      !s.ok()) {
    PG_LOG_WARNING("bay history: {}", s.ToString());
  }
  if (Status s = changes.connectors.empty() ? Status::Ok()
                                            : history_.AppendChargerStatus(changes.connectors);
      !s.ok()) {
    PG_LOG_WARNING("charger status history: {}", s.ToString());
  }
  for (const auto& d : changes.sources) {
    AddCounter(fmt::format("source.{}.anomalies", d.source), now,
               static_cast<int64_t>(d.anomalies));
    AddCounter(fmt::format("source.{}.corrections", d.source), now,
               static_cast<int64_t>(d.corrections));
  }
}

// Counted in memory where they happen and stored here: one write per tick, not one per event.
void Recorder::RecordTotals(Timestamp now) {
  for (Total& t : totals_) {
    const int64_t total = t.counter.total->load();
    if (total <= t.recorded) continue;
    if (Status s = counters_.AddToCounter(t.counter.name, now, total - t.recorded); s.ok()) {
      t.recorded = total;
    } else {
      PG_LOG_WARNING("counter {}: {}", t.counter.name, s.ToString());
    }
  }
}

void Recorder::AddCounter(const std::string& name, Timestamp now, int64_t n) {
  if (n == 0) return;
  if (Status s = counters_.AddToCounter(name, now, n); !s.ok()) {
    PG_LOG_WARNING("source counters: {}", s.ToString());
  }
}

std::vector<model::ChargerSiteSample> ChargerSiteSamples(const registry::Registry& registry,
                                                         const state::LiveSnapshot& snapshot,
                                                         Timestamp slot, Timestamp now,
                                                         const state::LiveRules& rules) {
  std::vector<model::ChargerSiteSample> out;
  for (const auto& site : state::ChargerSites(registry, snapshot, now, rules)) {
    if (site.known > 0) out.push_back({site.site, slot, site.busy, site.known});
  }
  return out;
}

}  // namespace pg::history

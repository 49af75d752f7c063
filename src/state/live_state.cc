#include "state/live_state.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <map>

#include "core/log.h"
#include "core/strings.h"
#include "model/vocabulary.h"
#include "state/live_change.h"
#include "state/sequence.h"

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

// ---------------------------------------------------------------------------------------------
// StateIndex

StateIndex::StateIndex(std::shared_ptr<const registry::Registry> registry)
    : registry_(std::move(registry)) {
  const auto& reg = *registry_;
  auto facilities = reg.facilities();
  facilities_.resize(facilities.size());
  for (uint32_t i = 0; i < facilities.size(); ++i) {
    const model::Facility& f = facilities[i];
    facility_index_.emplace(f.id.str(), i);
    FacilityInfo& info = facilities_[i];
    info.facility = &f;
    info.capacity = std::max(0, f.capacity.total.value_or(0));
    for (const auto& [category, n] : f.capacity.by_category) {
      info.category_capacity[static_cast<int>(category)] = std::max(0, n);
    }
    info.zone = f.kind == model::FacilityKind::kOnStreet;
    if (!f.opening_hours.empty()) {
      auto hours = model::OpeningHours::Parse(f.opening_hours);
      if (hours.ok() && !hours->IsAlwaysOpen()) info.hours = std::move(*hours);
    }
    for (const auto& s : reg.sources()) {
      if (s.revoked_at) continue;
      bool covers = s.scope.all;
      for (const auto& id : s.scope.facilities) covers = covers || id == f.id;
      for (const auto& op : s.scope.operators) covers = covers || op == f.operator_name;
      if (covers) info.interval = std::max(info.interval, s.expected_interval);
    }
  }
  auto bays = reg.bays();
  bay_facility_.resize(bays.size());
  for (uint32_t i = 0; i < bays.size(); ++i) {
    bay_index_.emplace(bays[i].id.str(), i);
    uint32_t f = Lookup(facility_index_, bays[i].facility.str());
    bay_facility_[i] = f;
    if (f != kNoIndex) ++facilities_[f].bays;
  }
  auto chargers = reg.chargers();
  connector_offset_.assign(1, 0);
  charger_facility_.resize(chargers.size());
  for (uint32_t i = 0; i < chargers.size(); ++i) {
    charger_index_.emplace(chargers[i].id.str(), i);
    int max_id = 1;  // a charger whose connectors are unknown still has connector 1
    for (const auto& c : chargers[i].connectors) max_id = std::max(max_id, c.id);
    connector_offset_.push_back(connector_offset_.back() + static_cast<uint32_t>(max_id) + 1);
    charger_facility_[i] =
        chargers[i].facility ? Lookup(facility_index_, chargers[i].facility->str()) : kNoIndex;
  }
  // Who may write a charger (as ingest::Principal decides): all, the charger by id, its facility
  // by id or operator, or its own operator.
  charger_interval_.assign(chargers.size(), std::chrono::seconds{0});
  for (const auto& s : reg.sources()) {
    if (s.revoked_at) continue;
    auto listed = [](const auto& list, const auto& v) {
      return std::find(list.begin(), list.end(), v) != list.end();
    };
    for (uint32_t i = 0; i < chargers.size(); ++i) {
      const model::Charger& c = chargers[i];
      const model::Facility* f =
          charger_facility_[i] == kNoIndex ? nullptr : facilities_[charger_facility_[i]].facility;
      const bool covers =
          s.scope.all || listed(s.scope.chargers, c.id) ||
          (!c.operator_name.empty() && listed(s.scope.operators, c.operator_name)) ||
          (f != nullptr &&
           (listed(s.scope.facilities, f->id) ||
            (!f->operator_name.empty() && listed(s.scope.operators, f->operator_name))));
      if (covers) charger_interval_[i] = std::max(charger_interval_[i], s.expected_interval);
    }
  }
}

uint32_t StateIndex::Lookup(const Map& map, std::string_view id) {
  auto it = map.find(id);
  return it == map.end() ? kNoIndex : it->second;
}
uint32_t StateIndex::Facility(std::string_view id) const { return Lookup(facility_index_, id); }
uint32_t StateIndex::Bay(std::string_view id) const { return Lookup(bay_index_, id); }
uint32_t StateIndex::Charger(std::string_view id) const { return Lookup(charger_index_, id); }
uint32_t StateIndex::ConnectorSlot(uint32_t charger, int connector) const {
  if (charger >= charger_count() || connector < 0 ||
      static_cast<uint32_t>(connector) >= connector_count(charger)) {
    return kNoIndex;
  }
  return connector_offset_[charger] + static_cast<uint32_t>(connector);
}

// ---------------------------------------------------------------------------------------------
// LiveSnapshot

const FacilityLive* LiveSnapshot::FindFacility(std::string_view id) const {
  uint32_t i = index->Facility(id);
  return i == kNoIndex ? nullptr : &facilities[i];
}
const BayLive* LiveSnapshot::FindBay(std::string_view id) const {
  uint32_t i = index->Bay(id);
  return i == kNoIndex ? nullptr : &bays[i];
}
std::span<const ConnectorLive> LiveSnapshot::ConnectorsOf(std::string_view charger) const {
  uint32_t c = index->Charger(charger);
  if (c == kNoIndex) return {};
  return std::span(connectors).subspan(index->connector_first(c), index->connector_count(c));
}
std::optional<Timestamp> LiveSnapshot::ChargerLastSeen(std::string_view charger) const {
  uint32_t c = index->Charger(charger);
  if (c == kNoIndex || charger_seen[c] == Timestamp{}) return std::nullopt;
  return charger_seen[c];
}
const SourceStats* LiveSnapshot::FindSource(std::string_view id) const {
  for (const auto& s : sources) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

bool SourceIsSilent(const SourceStats& source, Timestamp now, const LiveRules& rules) {
  if (source.last_received == Timestamp{} || source.expected_interval.count() <= 0) return false;
  const auto limit = std::chrono::milliseconds(static_cast<int64_t>(std::llround(
      static_cast<double>(source.expected_interval.count()) * 1000.0 * rules.stale_factor)));
  return now - source.last_received > limit;
}

double SourceStats::RatePerMinute(Timestamp now) const {
  int64_t now_minute = ToUnixMillis(now) / 60'000;
  uint64_t sum = 0;
  // Complete minutes only (the current one is still filling), at most kRateMinutes back.
  for (int k = 0; k < kRateMinutes; ++k) {
    int64_t minute = newest_minute - k;
    if (minute < now_minute && minute >= now_minute - kRateMinutes) {
      sum += per_minute[kRateMinutes - 1 - k];
    }
  }
  return static_cast<double>(sum) / kRateMinutes;
}

// ---------------------------------------------------------------------------------------------
// The writer's arrays

struct LiveState::Writer {
  uint64_t version = 0;
  uint64_t revision = 0;  // not serialised: freshness of snapshots in this process
  uint64_t event_id = 0;
  std::vector<FacilityLive> facilities;
  std::vector<BayLive> bays;
  std::vector<ConnectorLive> connectors;
  std::vector<Timestamp> charger_seen;
  std::vector<uint32_t> charger_source;  // source slot of each charger's newest report
  std::vector<SourceStats> sources;
  std::deque<Correction> corrections;
  // Targets changed by the current batch, each listed once.
  std::vector<uint32_t> dirty_facilities;
  std::vector<uint32_t> dirty_chargers;
  std::vector<bool> facility_dirty;
  std::vector<bool> charger_dirty;

  void MarkFacility(uint32_t f) {
    if (!facility_dirty[f]) {
      facility_dirty[f] = true;
      dirty_facilities.push_back(f);
    }
  }
  void MarkCharger(uint32_t c) {
    if (!charger_dirty[c]) {
      charger_dirty[c] = true;
      dirty_chargers.push_back(c);
    }
  }
};

namespace {

const SourceStats* SourceAt(std::span<const SourceStats> sources, uint32_t slot) {
  return slot < sources.size() ? &sources[slot] : nullptr;
}

std::chrono::milliseconds StaleAfter(const StateIndex::FacilityInfo& info, const FacilityLive& live,
                                     std::span<const SourceStats> sources, const LiveRules& rules) {
  std::chrono::seconds interval{0};
  if (const SourceStats* s = SourceAt(sources, live.last_source)) interval = s->expected_interval;
  if (interval.count() == 0) interval = info.interval;
  if (interval.count() == 0) interval = rules.default_interval;
  return std::chrono::milliseconds(static_cast<int64_t>(
      std::llround(static_cast<double>(interval.count()) * 1000.0 * rules.stale_factor)));
}

FacilityView ViewOf(const registry::Registry& reg, const StateIndex::FacilityInfo& info,
                    const FacilityLive* live, std::span<const SourceStats> sources, Timestamp now,
                    const LiveRules& rules) {
  FacilityView view;
  view.capacity = info.capacity;
  // Closed wins over everything: by the operator or outside opening hours.
  bool closed = live && live->operator_status == model::FacilityStatus::kClosed;
  if (!closed && info.hours) {
    LocalTime local = ToLocal(now, reg.time_zone());
    closed = !info.hours->IsOpen(local.weekday, local.minute_of_day);
  }
  if (live && live->total.known) view.updated = live->total.updated;
  if (closed) {
    view.state = OccupancyState::kClosed;
    if (live && live->status_updated > view.updated.value_or(Timestamp{})) {
      view.updated = live->status_updated;
    }
    return view;
  }
  if (!live || !live->total.known) return view;
  auto stale_after = StaleAfter(info, *live, sources, rules);
  auto fresh = [&](const ClassCount& c) { return c.known && now - c.updated <= stale_after; };
  if (!fresh(live->total)) return view;
  const ClassCount& total = live->total;
  if (total.capacity > 0) view.capacity = total.capacity;
  view.occupied = total.occupied;
  // Cars counted where the capacity is unknown say nothing of the free spaces: unknown, not full.
  // (No capacity and none counted is a "0 free" report: full.)
  if (view.capacity <= 0 && total.occupied > 0) return view;
  view.free = std::max(0, view.capacity - total.occupied);
  if (live->operator_status == model::FacilityStatus::kFull || *view.free <= 0) {
    view.state = OccupancyState::kFull;
  } else if (*view.free <= static_cast<int>(std::ceil(rules.almost_full_share * view.capacity))) {
    view.state = OccupancyState::kAlmostFull;
  } else {
    view.state = OccupancyState::kOpen;
  }
  for (int c = 0; c < kCategoryCount; ++c) {
    const ClassCount& count = live->by_category[c];
    int capacity = count.known && count.capacity > 0 ? count.capacity : info.category_capacity[c];
    if (!count.known && info.category_capacity[c] == 0) continue;
    if (!count.known) continue;
    FacilityView::Category cat{static_cast<model::SpaceCategory>(c), std::nullopt, std::nullopt,
                               capacity};
    if (fresh(count)) {
      cat.occupied = count.occupied;
      cat.free = std::max(0, capacity - count.occupied);
    }
    view.by_category.push_back(cat);
  }
  return view;
}

}  // namespace

FacilityView ViewFacility(const registry::Registry& reg, const LiveSnapshot& snapshot,
                          const model::Facility& f, Timestamp now, const LiveRules& rules) {
  uint32_t i = snapshot.index->Facility(f.id.str());
  if (i == kNoIndex) {
    FacilityView v;
    v.capacity = f.capacity.total.value_or(0);
    return v;
  }
  return ViewOf(reg, snapshot.index->facility(i), &snapshot.facilities[i], snapshot.sources, now,
                rules);
}

namespace {

events::Event FacilityEvent(const StateIndex& index, uint32_t f, const FacilityLive& live,
                            std::span<const SourceStats> sources, Timestamp now,
                            const LiveRules& rules) {
  const auto& info = index.facility(f);
  const model::Facility& facility = *info.facility;
  events::Event e;
  e.type = info.zone ? "zone" : "facility";
  e.subject = facility.id.str();
  e.facility = facility.id.str();
  e.location = facility.location;
  e.payload = FacilityChange{index.registry_ptr(), &facility,
                             ViewOf(index.registry(), info, &live, sources, now, rules), now};
  return e;
}

events::Event ChargerEvent(const StateIndex& index, uint32_t c, ChargerView view, Timestamp now) {
  const model::Charger& charger = index.registry().chargers()[c];
  events::Event e;
  e.type = "charger";
  e.subject = charger.id.str();
  e.facility = charger.facility ? charger.facility->str() : "";
  e.location = charger.location;
  e.payload = ChargerChange{index.registry_ptr(), &charger, std::move(view), now};
  return e;
}

bool Down(model::ChargerStatus s) {
  return s == model::ChargerStatus::kFaulted || s == model::ChargerStatus::kUnavailable;
}

// ViewCharger over the arrays of a snapshot or of the writer.
ChargerView ViewOfCharger(const StateIndex& index, uint32_t c,
                          std::span<const ConnectorLive> connectors, Timestamp seen,
                          uint32_t source, std::span<const SourceStats> sources, Timestamp now,
                          const LiveRules& rules) {
  ChargerView view;
  std::chrono::seconds interval{0};
  if (const SourceStats* s = SourceAt(sources, source)) interval = s->expected_interval;
  if (interval.count() == 0) interval = index.charger_interval(c);
  if (interval.count() == 0) interval = rules.default_interval;
  view.stale_after = std::chrono::milliseconds(static_cast<int64_t>(
      std::llround(static_cast<double>(interval.count()) * 1000.0 * rules.stale_factor)));
  const uint32_t count = index.connector_count(c);
  bool every_connector_down = count > 1;
  for (uint32_t k = 0; k < count; ++k) {
    const ConnectorLive& con = connectors[index.connector_first(c) + k];
    if (k > 0) every_connector_down = every_connector_down && con.known && Down(con.status);
    if (!con.known) continue;
    view.reported.push_back({static_cast<int>(k), con.status, con.updated});
  }
  if (view.reported.empty()) return view;
  view.updated = seen;
  if (now - seen > view.stale_after) {
    view.state = ChargerState::kStale;
    return view;
  }
  // The charger as a whole down, unless a connector has spoken since.
  const ConnectorLive& whole = connectors[index.connector_first(c)];
  bool whole_down = whole.known && Down(whole.status);
  int available = 0;
  for (const ChargerView::Reported& r : view.reported) {
    if (r.connector == 0) continue;
    if (whole_down && r.updated > whole.updated) whole_down = false;
    if (r.status == model::ChargerStatus::kAvailable) ++available;
  }
  if (whole_down || every_connector_down) {
    view.state = ChargerState::kFaulted;
    view.available = 0;
  } else {
    view.state = ChargerState::kFresh;
    view.available = available;
  }
  return view;
}

}  // namespace

std::string_view Name(ChargerState s) {
  switch (s) {
    case ChargerState::kFresh:
      return "fresh";
    case ChargerState::kStale:
      return "stale";
    case ChargerState::kFaulted:
      return "faulted";
    case ChargerState::kUnknown:
      return "unknown";
  }
  return "unknown";
}

std::optional<bool> ChargerView::ConnectorFree(int connector) const {
  if (state == ChargerState::kFaulted) return false;
  if (state != ChargerState::kFresh) return std::nullopt;
  for (const Reported& r : reported) {
    if (r.connector == connector) return r.status == model::ChargerStatus::kAvailable;
  }
  return std::nullopt;
}

ChargerView ViewCharger(const LiveSnapshot& snapshot, const model::Charger& charger, Timestamp now,
                        const LiveRules& rules) {
  const uint32_t c = snapshot.index->Charger(charger.id.str());
  if (c == kNoIndex) return {};
  const uint32_t source =
      c < snapshot.charger_source.size() ? snapshot.charger_source[c] : kNoIndex;
  return ViewOfCharger(*snapshot.index, c, snapshot.connectors, snapshot.charger_seen[c], source,
                       snapshot.sources, now, rules);
}

std::vector<events::Event> SnapshotEvents(const LiveSnapshot& snapshot, Timestamp now,
                                          const LiveRules& rules) {
  std::vector<events::Event> out;
  const StateIndex& index = *snapshot.index;
  for (uint32_t f = 0; f < index.facility_count(); ++f) {
    out.push_back(FacilityEvent(index, f, snapshot.facilities[f], snapshot.sources, now, rules));
    out.back().id = snapshot.event_id;
    out.back().resumable = false;
  }
  for (uint32_t c = 0; c < index.charger_count(); ++c) {
    out.push_back(
        ChargerEvent(index, c,
                     ViewOfCharger(index, c, snapshot.connectors, snapshot.charger_seen[c],
                                   snapshot.charger_source[c], snapshot.sources, now, rules),
                     now));
    out.back().id = snapshot.event_id;
    out.back().resumable = false;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// LiveState

namespace {
constexpr size_t kMaxSources = 1 << 16;
std::atomic<uint64_t> next_instance{1};

SeqInput SeqInputOf(const ResolvedObservation& o, const SourceStats& source,
                    const BatchContext& context, const LiveRules& rules) {
  SeqInput in;
  in.seq = o.seq;
  if (o.boot != ResolvedObservation::kNoSeq) in.boot = o.boot;
  in.time = FromUnixMillis(o.time_ms);
  in.received = context.received;
  in.restart_after = context.seq_restart_after.value_or(SeqRestartAfter(source, rules));
  return in;
}
}  // namespace

LiveState::LiveState(std::shared_ptr<const registry::Registry> registry, LiveRules rules,
                     const Clock* clock, events::EventBus* bus)
    : instance_(next_instance.fetch_add(1)),
      rules_(std::move(rules)),
      clock_(clock ? *clock : SystemClock::Instance()),
      bus_(bus),
      index_(std::make_shared<const StateIndex>(std::move(registry))),
      w_(std::make_unique<Writer>()) {
  w_->facilities.resize(index_->facility_count());
  w_->bays.resize(index_->bay_count());
  w_->connectors.resize(index_->connector_slot_count());
  w_->charger_seen.resize(index_->charger_count());
  w_->charger_source.assign(index_->charger_count(), kNoIndex);
  w_->facility_dirty.resize(index_->facility_count());
  w_->charger_dirty.resize(index_->charger_count());
  for (const auto& s : index_->registry().sources()) DeclareSource(s.id, s.expected_interval);
  published_.store(CopyLocked());
}

LiveState::~LiveState() = default;

uint32_t LiveState::SourceSlot(std::string_view id) {
  // Each thread remembers the last source it resolved: batches come from one source.
  // Keyed by instance number, not address: a new state may reuse a destroyed one's address.
  struct Cache {
    uint64_t instance = 0;
    std::string id;
    uint32_t slot = kNoIndex;
  };
  thread_local Cache cache;
  if (cache.instance == instance_ && cache.id == id) return cache.slot;
  std::lock_guard lock(mu_);
  auto it = source_slots_.find(std::string(id));
  uint32_t slot = 0;
  if (it != source_slots_.end()) {
    slot = it->second;
  } else {
    if (w_->sources.size() >= kMaxSources) return kNoIndex;
    slot = static_cast<uint32_t>(w_->sources.size());
    source_slots_.emplace(std::string(id), slot);
    w_->sources.emplace_back().id = std::string(id);
    silent_.push_back(false);
  }
  cache = {instance_, std::string(id), slot};
  return slot;
}

void LiveState::DeclareSource(const model::SourceId& id, std::chrono::seconds expected_interval) {
  uint32_t slot = SourceSlot(id.str());
  if (slot == kNoIndex) return;
  std::lock_guard lock(mu_);
  w_->sources[slot].expected_interval = expected_interval;
}

Result<ResolvedObservation> LiveState::Resolve(const model::Observation& o) {
  using model::ObservationType;
  ResolvedObservation r;
  r.time_ms = ToUnixMillis(o.time);
  r.seq = o.seq.value_or(ResolvedObservation::kNoSeq);
  r.boot = o.boot.value_or(ResolvedObservation::kNoSeq);
  r.type = o.type;
  r.source = SourceSlot(o.source.str());
  if (r.source == kNoIndex) return ResourceExhausted("too many sources");
  switch (o.type) {
    case ObservationType::kFacilityCount:
    case ObservationType::kEntry:
    case ObservationType::kExit:
    case ObservationType::kFacilityStatus:
      r.target = index_->Facility(o.target);
      if (r.target == kNoIndex) {
        return NotFound(fmt::format("no facility '{}'", o.target), "facility");
      }
      break;
    case ObservationType::kBay:
      r.target = index_->Bay(o.target);
      if (r.target == kNoIndex) return NotFound(fmt::format("no bay '{}'", o.target), "bay");
      break;
    case ObservationType::kCharger: {
      uint32_t c = index_->Charger(o.target);
      if (c == kNoIndex) return NotFound(fmt::format("no charger '{}'", o.target), "charger");
      r.target = index_->ConnectorSlot(c, o.connector);
      if (r.target == kNoIndex) {
        return NotFound(fmt::format("charger '{}' has no connector {} (it has 0–{})", o.target,
                                    o.connector, index_->connector_count(c) - 1),
                        "connector");
      }
      break;
    }
  }
  switch (o.type) {
    case ObservationType::kFacilityCount:
      r.category = o.category ? static_cast<int8_t>(*o.category) : int8_t{-1};
      if (o.occupied) {
        r.value = *o.occupied;
        if (o.free) {
          r.has_both = true;
          r.extra = *o.free;
        }
      } else {
        r.value = o.free.value_or(0);
        r.value_is_free = true;
      }
      break;
    case ObservationType::kEntry:
    case ObservationType::kExit:
      r.value = o.count;
      break;
    case ObservationType::kBay:
      r.value = o.bay_occupied ? 1 : 0;
      break;
    case ObservationType::kCharger:
      r.value = static_cast<int32_t>(o.charger_status);
      break;
    case ObservationType::kFacilityStatus:
      r.value = static_cast<int32_t>(o.facility_status);
      break;
  }
  return r;
}

void BatchCounts::Add(ApplyResult result) {
  switch (result) {
    case ApplyResult::kApplied:
      ++accepted;
      break;
    case ApplyResult::kDuplicate:
      ++duplicate;
      break;
    case ApplyResult::kOutOfOrder:
      ++out_of_order;
      break;
    case ApplyResult::kUnknownTarget:
      ++unknown_target;
      break;
    case ApplyResult::kSeqRefused:
      ++seq_refused;
      break;
  }
}

std::vector<ApplyOutcome> LiveState::ApplyBatch(std::span<const model::Observation> batch,
                                                Timestamp received) {
  return ApplyBatch(batch, BatchContext{received, std::nullopt});
}

std::vector<ApplyOutcome> LiveState::ApplyBatch(std::span<const model::Observation> batch,
                                                const BatchContext& context) {
  std::vector<ResolvedObservation> resolved;
  resolved.reserve(batch.size());
  std::vector<size_t> positions;  // of resolved items in `batch`
  std::vector<ApplyOutcome> outcomes(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    auto r = Resolve(batch[i]);
    if (r.ok()) {
      resolved.push_back(*r);
      positions.push_back(i);
    } else {
      outcomes[i].result = ApplyResult::kUnknownTarget;
    }
  }
  std::vector<ApplyOutcome> applied;
  ApplyResolved(resolved, context, &applied);
  for (size_t k = 0; k < positions.size(); ++k) outcomes[positions[k]] = applied[k];
  return outcomes;
}

ApplyOutcome LiveState::Apply(const model::Observation& observation) {
  return ApplyBatch(std::span(&observation, 1)).front();
}

BatchCounts LiveState::ApplyResolved(std::span<const ResolvedObservation> batch,
                                     const BatchContext& context,
                                     std::vector<ApplyOutcome>* outcomes) {
  BatchCounts counts;
  if (outcomes) outcomes->assign(batch.size(), {});
  std::lock_guard lock(mu_);
  Writer& w = *w_;
  const Timestamp received = context.received;
  int64_t received_ms = ToUnixMillis(received);
  int64_t minute = received_ms / 60'000;
  for (size_t i = 0; i < batch.size(); ++i) {
    ApplyOutcome local;
    ApplyOutcome& outcome = outcomes ? (*outcomes)[i] : local;
    const ResolvedObservation& o = batch[i];
    ApplyOne(o, context, outcome);
    counts.Add(outcome.result);
    if (o.source < w.sources.size()) {
      SourceStats& s = w.sources[o.source];
      if (received_ms != 0 && received_ms > ToUnixMillis(s.last_received)) {
        s.last_received = received;
      }
      if (outcome.result == ApplyResult::kApplied) {
        // Shift the per-minute ring up to this batch's minute.
        if (minute > s.newest_minute) {
          int64_t shift = std::min<int64_t>(minute - s.newest_minute, SourceStats::kRateMinutes);
          std::rotate(s.per_minute.begin(), s.per_minute.begin() + shift, s.per_minute.end());
          std::fill(s.per_minute.end() - shift, s.per_minute.end(), 0u);
          s.newest_minute = minute;
        }
        if (minute == s.newest_minute) ++s.per_minute.back();
      }
    }
  }
  w.version += counts.accepted;
  // Duplicates and refusals change source health even when nothing is applied.
  if (!batch.empty()) revision_.store(++w.revision, std::memory_order_release);
  PublishEvents();
  return counts;
}

// One observation being applied: its target's rule per type, and what it counts against its
// source. Each rule returns kApplied or why it was not applied; REQUIRES: mu_ held.
struct LiveState::Step {
  Writer& w;
  const StateIndex& index;
  const LiveRules& rules;
  SourceStats& source;
  ApplyOutcome& outcome;
  const ResolvedObservation& o;
  const Timestamp time;

  ApplyResult Apply() {
    switch (o.type) {
      case model::ObservationType::kFacilityCount:
        return Count();
      case model::ObservationType::kEntry:
      case model::ObservationType::kExit:
        return EntryOrExit();
      case model::ObservationType::kFacilityStatus:
        return FacilityStatus();
      case model::ObservationType::kBay:
        return Bay();
      case model::ObservationType::kCharger:
        return Charger();
    }
    return ApplyResult::kUnknownTarget;
  }

  // Counts a refusal against the source.
  void Reject(ApplyResult r) {
    outcome.result = r;
    switch (r) {
      case ApplyResult::kDuplicate:
        ++source.duplicate;
        break;
      case ApplyResult::kOutOfOrder:
        ++source.out_of_order;
        break;
      case ApplyResult::kUnknownTarget:
        ++source.unknown_target;
        break;
      case ApplyResult::kSeqRefused:
        ++source.seq_refused;
        break;
      case ApplyResult::kApplied:
        break;
    }
  }

  // `value` clamped into 0..capacity (no upper bound when the capacity is unknown), counted as
  // the source's underflow or overflow.
  int Clamp(int value, int capacity) {
    if (value < 0) {
      ++source.underflow;
      outcome.clamped = true;
      return 0;
    }
    if (capacity > 0 && value > capacity) {
      ++source.overflow;
      outcome.clamped = true;
      return capacity;
    }
    return value;
  }

  void RecordCorrection(uint32_t f, int before, int after, Correction::Kind kind) {
    ++source.corrections;
    source.correction_spaces += static_cast<uint64_t>(std::abs(after - before));
    w.corrections.push_back(
        {index.facility(f).facility->id.str(), source.id, time, before, after, kind});
    while (w.corrections.size() > rules.corrections_kept) w.corrections.pop_front();
  }

  // A count (of the whole facility or one class): authoritative, it corrects the drift of the
  // entries and exits before it.
  ApplyResult Count() {
    if (o.target >= w.facilities.size()) return ApplyResult::kUnknownTarget;
    const auto& info = index.facility(o.target);
    FacilityLive& live = w.facilities[o.target];
    ClassCount& held = o.category < 0 ? live.total : live.by_category[o.category];
    if (held.known && time < held.updated) return ApplyResult::kOutOfOrder;
    const int registered = o.category < 0 ? info.capacity : info.category_capacity[o.category];
    int capacity = registered;
    if (capacity == 0 && o.has_both) capacity = std::max(0, o.value) + std::max(0, o.extra);
    if (capacity == 0) capacity = held.capacity;
    // Capacity unknown and only "free" reported (an OSM car park without `capacity`): it is at
    // least the most free spaces ever reported. Taking 0 made every such count read "full".
    if (registered == 0 && o.value_is_free && !o.has_both) capacity = std::max(capacity, o.value);
    int occupied = o.value_is_free ? capacity - o.value : o.value;
    int clamped = Clamp(occupied, capacity);
    if (o.category < 0) {
      if (live.moved_by_events && held.known) {
        RecordCorrection(o.target, held.occupied, clamped, Correction::Kind::kCount);
      }
      live.moved_by_events = false;
      live.last_count = std::max(live.last_count, time);
      live.last_source = o.source;
    }
    held.occupied = clamped;
    held.capacity = capacity;
    held.updated = time;
    held.known = true;
    live.last_seen = std::max(live.last_seen, time);
    w.MarkFacility(o.target);
    return ApplyResult::kApplied;
  }

  // Entries and exits commute with each other, but a count already includes the events before
  // it.
  ApplyResult EntryOrExit() {
    if (o.target >= w.facilities.size()) return ApplyResult::kUnknownTarget;
    const auto& info = index.facility(o.target);
    FacilityLive& live = w.facilities[o.target];
    if (time < live.last_count) return ApplyResult::kOutOfOrder;
    ClassCount& held = live.total;
    if (rules.reset_minute_of_day) DailyReset(info, live);
    int delta = o.type == model::ObservationType::kEntry ? o.value : -o.value;
    int capacity = info.capacity > 0 ? info.capacity : held.capacity;
    held.occupied = Clamp(held.occupied + delta, capacity);
    held.capacity = capacity;
    held.updated = std::max(held.updated, time);
    held.known = true;
    live.moved_by_events = true;
    live.last_seen = std::max(live.last_seen, time);
    if (live.last_source == kNoIndex) live.last_source = o.source;
    w.MarkFacility(o.target);
    return ApplyResult::kApplied;
  }

  // The scheduled reset of an event-counted facility (LiveRules::reset_minute_of_day): when this
  // event is past it, the count restarts at the facility's offset (0 when it was closed then),
  // and the next reset is scheduled.
  void DailyReset(const StateIndex::FacilityInfo& info, FacilityLive& live) {
    const auto& reg = index.registry();
    ClassCount& held = live.total;
    auto offset_it = rules.reset_offsets.find(info.facility->id.str());
    if (live.next_reset_ms != 0 && o.time_ms >= live.next_reset_ms) {
      Timestamp reset_at = FromUnixMillis(live.next_reset_ms);
      LocalTime local = ToLocal(reset_at, reg.time_zone());
      bool closed = info.hours && !info.hours->IsOpen(local.weekday, local.minute_of_day);
      if (closed || offset_it != rules.reset_offsets.end()) {
        int offset = offset_it == rules.reset_offsets.end() ? 0 : offset_it->second;
        RecordCorrection(o.target, held.occupied, offset, Correction::Kind::kReset);
        held.occupied = offset;
      }
    }
    if (live.next_reset_ms == 0 || o.time_ms >= live.next_reset_ms) {
      LocalTime local = ToLocal(time, reg.time_zone());
      Timestamp next = FromLocal(local.year, local.month, local.day, *rules.reset_minute_of_day,
                                 reg.time_zone());
      if (next <= time) next += std::chrono::hours(24);
      live.next_reset_ms = ToUnixMillis(next);
    }
  }

  ApplyResult FacilityStatus() {
    if (o.target >= w.facilities.size()) return ApplyResult::kUnknownTarget;
    FacilityLive& live = w.facilities[o.target];
    if (time < live.status_updated) return ApplyResult::kOutOfOrder;
    live.operator_status = static_cast<model::FacilityStatus>(o.value);
    live.status_updated = time;
    live.last_seen = std::max(live.last_seen, time);
    w.MarkFacility(o.target);
    return ApplyResult::kApplied;
  }

  ApplyResult Bay() {
    if (o.target >= w.bays.size()) return ApplyResult::kUnknownTarget;
    BayLive& bay = w.bays[o.target];
    if (bay.known && time < bay.updated) return ApplyResult::kOutOfOrder;
    bool occupied = o.value != 0;
    uint32_t f = index.bay_facility(o.target);
    if (f != kNoIndex) UpdateZone(f, bay, occupied);
    if (!bay.known || bay.occupied != occupied) bay.since = time;
    bay.occupied = occupied;
    bay.updated = time;
    bay.known = true;
    return ApplyResult::kApplied;
  }

  // The zone's count from its sensed bays: they stand for the zone; with part of it sensed,
  // scaled to the capacity.
  void UpdateZone(uint32_t f, const BayLive& bay, bool occupied) {
    FacilityLive& zone = w.facilities[f];
    if (!bay.known) ++zone.bays_known;
    zone.bays_occupied += (occupied ? 1 : 0) - (bay.known && bay.occupied ? 1 : 0);
    const auto& info = index.facility(f);
    int capacity = info.capacity > 0 ? info.capacity : info.bays;
    int estimate = zone.bays_known == 0 ? 0
                   : capacity > zone.bays_known
                       ? static_cast<int>(std::lround(static_cast<double>(zone.bays_occupied) *
                                                      capacity / zone.bays_known))
                       : zone.bays_occupied;
    if (!zone.total.known || time >= zone.total.updated) {
      zone.total.occupied = std::clamp(estimate, 0, std::max(capacity, 0));
      zone.total.capacity = capacity;
      zone.total.updated = time;
      zone.total.known = true;
      zone.last_source = o.source;
    }
    zone.last_seen = std::max(zone.last_seen, time);
    w.MarkFacility(f);
  }

  ApplyResult Charger() {
    if (o.target >= w.connectors.size()) return ApplyResult::kUnknownTarget;
    ConnectorLive& con = w.connectors[o.target];
    if (con.known && time < con.updated) return ApplyResult::kOutOfOrder;
    con.status = static_cast<model::ChargerStatus>(o.value);
    con.updated = time;
    con.known = true;
    const uint32_t c = ChargerOfSlot(o.target);
    if (time >= w.charger_seen[c]) {
      w.charger_seen[c] = time;
      w.charger_source[c] = o.source;
    }
    w.MarkCharger(c);
    return ApplyResult::kApplied;
  }

  // The charger owning connector slot `slot`: the last whose first slot is at or before it.
  uint32_t ChargerOfSlot(uint32_t slot) const {
    uint32_t lo = 0;
    uint32_t hi = static_cast<uint32_t>(index.charger_count());
    while (hi - lo > 1) {
      uint32_t mid = (lo + hi) / 2;
      if (index.connector_first(mid) <= slot) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
};

void LiveState::ApplyOne(const ResolvedObservation& o, const BatchContext& context,
                         ApplyOutcome& outcome) {
  Writer& w = *w_;
  if (o.source >= w.sources.size()) {
    outcome.result = ApplyResult::kUnknownTarget;
    return;
  }
  SourceStats& source = w.sources[o.source];
  Step step{w, *index_, rules_, source, outcome, o, FromUnixMillis(o.time_ms)};
  if (o.seq != ResolvedObservation::kNoSeq) {
    const SeqInput in = SeqInputOf(o, source, context, rules_);
    const SeqVerdict verdict = context.seq_rule_before_epochs ? AdvanceSeqAsBeforeEpochs(source, in)
                                                              : AdvanceSeq(source, in);
    if (IsRefused(verdict)) return step.Reject(ApplyResult::kSeqRefused);
    if (!IsAccepted(verdict)) return step.Reject(ApplyResult::kDuplicate);
  }
  if (ApplyResult r = step.Apply(); r != ApplyResult::kApplied) return step.Reject(r);
  outcome.result = ApplyResult::kApplied;
  ++source.accepted;
  source.last_observation = std::max(source.last_observation, step.time);
}

std::vector<SeqRefusal> LiveState::CheckSequences(std::span<const ResolvedObservation> batch,
                                                  const BatchContext& context) const {
  std::vector<SeqRefusal> refusals;
  std::unordered_map<uint32_t, SourceStats> sources;  // copies: judged as if applied in turn
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < batch.size(); ++i) {
    const ResolvedObservation& o = batch[i];
    if (o.seq == ResolvedObservation::kNoSeq || o.source >= w_->sources.size()) continue;
    auto [it, inserted] = sources.try_emplace(o.source);
    if (inserted) it->second = w_->sources[o.source];
    SourceStats& source = it->second;
    const SeqInput in = SeqInputOf(o, source, context, rules_);
    const SourceStats before = source;
    const SeqVerdict verdict = AdvanceSeq(source, in);
    if (IsRefused(verdict)) refusals.push_back({i, SeqRefusalReason(before, in, verdict)});
  }
  return refusals;
}

void LiveState::CountSeqRefused(std::string_view id, uint64_t n) {
  if (n == 0) return;
  const uint32_t source = SourceSlot(id);
  std::lock_guard lock(mu_);
  if (source >= w_->sources.size()) return;
  w_->sources[source].seq_refused += n;
  revision_.store(++w_->revision, std::memory_order_release);
}

std::chrono::milliseconds LiveState::SeqRestartAfter(uint32_t source) const {
  std::lock_guard lock(mu_);
  if (source >= w_->sources.size()) return std::chrono::milliseconds(0);
  return state::SeqRestartAfter(w_->sources[source], rules_);
}

void LiveState::PublishEvents() {
  Writer& w = *w_;
  size_t n = w.dirty_facilities.size() + w.dirty_chargers.size();
  if (n == 0) return;
  // Ids advance whether or not there is a bus, so they replay identically.
  uint64_t first_id = w.event_id + 1;
  w.event_id += n;
  // Rendered even when nobody listens right now: the bus keeps them so a client that was away
  // can resume with Last-Event-ID.
  if (bus_) {
    Timestamp now = clock_.Now();
    std::vector<events::Event> out;
    out.reserve(n);
    uint64_t id = first_id;
    for (uint32_t f : w.dirty_facilities) {
      out.push_back(FacilityEvent(*index_, f, w.facilities[f], w.sources, now, rules_));
      out.back().id = id++;
    }
    for (uint32_t c : w.dirty_chargers) {
      out.push_back(ChargerEvent(*index_, c,
                                 ViewOfCharger(*index_, c, w.connectors, w.charger_seen[c],
                                               w.charger_source[c], w.sources, now, rules_),
                                 now));
      out.back().id = id++;
    }
    bus_->Publish(std::move(out));
  }
  for (uint32_t f : w.dirty_facilities) w.facility_dirty[f] = false;
  for (uint32_t c : w.dirty_chargers) w.charger_dirty[c] = false;
  w.dirty_facilities.clear();
  w.dirty_chargers.clear();
}

std::shared_ptr<const LiveSnapshot> LiveState::CopyLocked() const {
  auto snap = std::make_shared<LiveSnapshot>();
  const Writer& w = *w_;
  snap->version = w.version;
  snap->revision = w.revision;
  snap->event_id = w.event_id;
  snap->index = index_;
  snap->facilities = w.facilities;
  snap->bays = w.bays;
  snap->connectors = w.connectors;
  snap->charger_seen = w.charger_seen;
  snap->charger_source = w.charger_source;
  snap->sources = w.sources;
  snap->corrections.assign(w.corrections.begin(), w.corrections.end());
  return snap;
}

std::shared_ptr<const LiveSnapshot> LiveState::Snapshot() const {
  auto snap = published_.load(std::memory_order_acquire);
  if (snap->revision == revision_.load(std::memory_order_acquire)) return snap;
  std::lock_guard lock(mu_);
  snap = published_.load(std::memory_order_acquire);
  if (snap->revision == w_->revision) return snap;
  snap = CopyLocked();
  published_.store(snap, std::memory_order_release);
  return snap;
}

// ---------------------------------------------------------------------------------------------
// Checkpoint bytes: "PGS3", then sections of id-keyed entries, little-endian varints. Only
// entries holding data are written, in index order, so equal states give equal bytes. "PGS2"
// (before chargers' sources) is still read: it lacks the last section; so is "PGS1" (before
// sequence epochs): its sources lack the sequence fields after newest_minute too
// (docs/formats/journal.md, "Checkpoint").

namespace {

class ByteWriter {
 public:
  void U(uint64_t v) {
    while (v >= 0x80) {
      out.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out.push_back(static_cast<char>(v));
  }
  void S(int64_t v) { U((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void Str(std::string_view s) {
    U(s.size());
    out.append(s);
  }
  void T(Timestamp t) { S(ToUnixMillis(t)); }
  void Count(const ClassCount& c) {
    U(c.known);
    S(c.occupied);
    S(c.capacity);
    T(c.updated);
  }
  std::string out;
};

class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}
  uint64_t U() {
    uint64_t v = 0;
    for (int shift = 0; shift <= 63; shift += 7) {
      if (pos_ >= in_.size()) {
        ok_ = false;
        return 0;
      }
      auto b = static_cast<uint8_t>(in_[pos_++]);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (b < 0x80) return v;
    }
    ok_ = false;
    return 0;
  }
  int64_t S() {
    uint64_t u = U();
    return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  }
  int I() { return static_cast<int>(S()); }
  std::string Str() {
    uint64_t n = U();
    if (n > in_.size() - pos_) {
      ok_ = false;
      return {};
    }
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  Timestamp T() { return FromUnixMillis(S()); }
  void Count(ClassCount& c) {
    c.known = U() != 0;
    c.occupied = I();
    c.capacity = I();
    c.updated = T();
  }
  bool ok() const { return ok_; }
  bool done() const { return pos_ == in_.size(); }

 private:
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

constexpr std::string_view kSnapshotMagic = "PGS3";
constexpr std::string_view kSnapshotMagicV2 = "PGS2";
constexpr std::string_view kSnapshotMagicV1 = "PGS1";

// A source restored from a "PGS1" checkpoint: its sequence in epoch terms. When its seq
// advanced is not recorded there; its newest batch stands in (later, so a restart after
// silence comes no sooner than it should). A seq outside 0..2^53 − 1 — the old rule's trap,
// which made every later seq a duplicate — is forgotten, so the source's next seq starts afresh.
void UpgradeSequenceV1(SourceStats& s) {
  if (s.last_seq && (*s.last_seq < 0 || *s.last_seq > model::kMaxSeq)) {
    PG_LOG_WARNING(
        "state: source {}'s last seq {} from an old checkpoint is beyond 2^53 − 1; its next seq "
        "starts a new sequence",
        s.id, *s.last_seq);
    s.last_seq.reset();
  }
  if (!s.last_seq) return;
  s.seq_epoch = 1;
  s.seq_advanced_at = s.last_received;
  s.seq_newest_time = s.last_observation;
}

bool HasData(const FacilityLive& f) {
  return f.total.known || f.status_updated != Timestamp{} || f.bays_known > 0 ||
         std::any_of(f.by_category.begin(), f.by_category.end(),
                     [](const ClassCount& c) { return c.known; });
}

// Sources first (facilities refer to them by id), in id order: slots are numbered in order of
// first appearance, which differs between a live run and a replay.
void WriteSources(ByteWriter& b, std::span<const SourceStats> all) {
  std::vector<const SourceStats*> sources;
  for (const auto& s : all) sources.push_back(&s);
  std::sort(sources.begin(), sources.end(),
            [](const SourceStats* x, const SourceStats* y) { return x->id < y->id; });
  b.U(sources.size());
  for (const SourceStats* source : sources) {
    const SourceStats& s = *source;
    b.Str(s.id);
    for (uint64_t v : {s.accepted, s.duplicate, s.out_of_order, s.unknown_target, s.underflow,
                       s.overflow, s.corrections, s.correction_spaces}) {
      b.U(v);
    }
    b.U(s.last_seq.has_value());
    b.S(s.last_seq.value_or(0));
    b.T(s.last_observation);
    b.T(s.last_received);
    for (uint32_t m : s.per_minute) b.U(m);
    b.S(s.newest_minute);
    b.U(s.boot.has_value());
    b.S(s.boot.value_or(0));
    b.U(s.seq_epoch);
    b.U(s.seq_restarts);
    b.T(s.seq_advanced_at);
    b.T(s.seq_newest_time);
  }
}

// The facilities with any data, by id.
void WriteFacilities(ByteWriter& b, const registry::Registry& reg,
                     std::span<const FacilityLive> all, std::span<const SourceStats> sources) {
  size_t facilities = 0;
  for (const auto& f : all) facilities += HasData(f);
  b.U(facilities);
  for (uint32_t i = 0; i < all.size(); ++i) {
    const FacilityLive& f = all[i];
    if (!HasData(f)) continue;
    b.Str(reg.facilities()[i].id.str());
    b.Count(f.total);
    for (const auto& c : f.by_category) b.Count(c);
    b.U(static_cast<uint64_t>(f.operator_status));
    b.T(f.status_updated);
    b.T(f.last_seen);
    b.Str(f.last_source < sources.size() ? sources[f.last_source].id : "");
    b.U(f.moved_by_events);
    b.T(f.last_count);
    b.S(f.next_reset_ms);
    b.S(f.bays_known);
    b.S(f.bays_occupied);
  }
}

// The bays with a known state, by id.
void WriteBays(ByteWriter& b, const registry::Registry& reg, std::span<const BayLive> all) {
  size_t bays = 0;
  for (const auto& bay : all) bays += bay.known;
  b.U(bays);
  for (uint32_t i = 0; i < all.size(); ++i) {
    const BayLive& bay = all[i];
    if (!bay.known) continue;
    b.Str(reg.bays()[i].id.str());
    b.U(bay.occupied);
    b.T(bay.since);
    b.T(bay.updated);
  }
}

// The connectors with a known status, by charger id and connector number.
void WriteConnectors(ByteWriter& b, const StateIndex& index, std::span<const ConnectorLive> all) {
  size_t connectors = 0;
  for (const auto& c : all) connectors += c.known;
  b.U(connectors);
  for (uint32_t c = 0; c < index.charger_count(); ++c) {
    for (uint32_t k = 0; k < index.connector_count(c); ++k) {
      const ConnectorLive& con = all[index.connector_first(c) + k];
      if (!con.known) continue;
      b.Str(index.registry().chargers()[c].id.str());
      b.U(k);
      b.U(static_cast<uint64_t>(con.status));
      b.T(con.updated);
    }
  }
}

void WriteCorrections(ByteWriter& b, const std::deque<Correction>& corrections) {
  b.U(corrections.size());
  for (const auto& c : corrections) {
    b.Str(c.facility);
    b.Str(c.source);
    b.T(c.time);
    b.S(c.before);
    b.S(c.after);
    b.U(static_cast<uint64_t>(c.kind));
  }
}

// The source of each charger's newest report: its interval decides the charger's staleness.
void WriteChargerSources(ByteWriter& b, const registry::Registry& reg,
                         std::span<const uint32_t> charger_source,
                         std::span<const SourceStats> sources) {
  size_t known = 0;
  for (uint32_t source : charger_source) known += source < sources.size();
  b.U(known);
  for (uint32_t c = 0; c < charger_source.size(); ++c) {
    if (charger_source[c] >= sources.size()) continue;
    b.Str(reg.chargers()[c].id.str());
    b.Str(sources[charger_source[c]].id);
  }
}

}  // namespace

std::string LiveState::Serialize() const {
  std::lock_guard lock(mu_);
  const Writer& w = *w_;
  const auto& reg = index_->registry();
  ByteWriter b;
  b.out.append(kSnapshotMagic);
  b.U(w.version);
  b.U(w.event_id);
  WriteSources(b, w.sources);
  WriteFacilities(b, reg, w.facilities, w.sources);
  WriteBays(b, reg, w.bays);
  WriteConnectors(b, *index_, w.connectors);
  WriteCorrections(b, w.corrections);
  WriteChargerSources(b, reg, w.charger_source, w.sources);
  return std::move(b.out);
}

namespace {

using SlotMap = std::unordered_map<std::string, uint32_t>;

// One source's counters as Serialize writes them; `v1` checkpoints lack the sequence state.
SourceStats ReadSource(ByteReader& r, bool v1) {
  SourceStats s;
  s.id = r.Str();
  for (uint64_t* v : {&s.accepted, &s.duplicate, &s.out_of_order, &s.unknown_target, &s.underflow,
                      &s.overflow, &s.corrections, &s.correction_spaces}) {
    *v = r.U();
  }
  bool has_seq = r.U() != 0;
  int64_t seq = r.S();
  if (has_seq) s.last_seq = seq;
  s.last_observation = r.T();
  s.last_received = r.T();
  for (uint32_t& m : s.per_minute) m = static_cast<uint32_t>(r.U());
  s.newest_minute = r.S();
  if (v1) {
    UpgradeSequenceV1(s);
    return s;
  }
  bool has_boot = r.U() != 0;
  int64_t boot = r.S();
  if (has_boot) s.boot = boot;
  s.seq_epoch = r.U();
  s.seq_restarts = r.U();
  s.seq_advanced_at = r.T();
  s.seq_newest_time = r.T();
  return s;
}

// The facilities section into `out` (by facility index); those the registry no longer has are
// counted in `dropped`.
void ReadFacilities(ByteReader& r, const StateIndex& index, const SlotMap& slots,
                    std::vector<FacilityLive>& out, uint64_t& dropped) {
  const uint64_t n = r.U();
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    std::string id = r.Str();
    FacilityLive f;
    r.Count(f.total);
    for (auto& c : f.by_category) r.Count(c);
    f.operator_status = static_cast<model::FacilityStatus>(std::min<uint64_t>(r.U(), 2));
    f.status_updated = r.T();
    f.last_seen = r.T();
    auto it = slots.find(r.Str());
    f.last_source = it == slots.end() ? kNoIndex : it->second;
    f.moved_by_events = r.U() != 0;
    f.last_count = r.T();
    f.next_reset_ms = r.S();
    f.bays_known = r.I();
    f.bays_occupied = r.I();
    const uint32_t idx = index.Facility(id);
    if (idx == kNoIndex) {
      ++dropped;
    } else {
      out[idx] = f;
    }
  }
}

// The bays section into `out` (by bay index), as ReadFacilities.
void ReadBays(ByteReader& r, const StateIndex& index, std::vector<BayLive>& out,
              uint64_t& dropped) {
  const uint64_t n = r.U();
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    std::string id = r.Str();
    BayLive bay;
    bay.occupied = r.U() != 0;
    bay.since = r.T();
    bay.updated = r.T();
    bay.known = true;
    const uint32_t idx = index.Bay(id);
    if (idx == kNoIndex) {
      ++dropped;
    } else {
      out[idx] = bay;
    }
  }
}

// The connectors section into `connectors` (by slot), each charger's newest report into `seen`.
void ReadConnectors(ByteReader& r, const StateIndex& index, std::vector<ConnectorLive>& connectors,
                    std::vector<Timestamp>& seen, uint64_t& dropped) {
  const uint64_t n = r.U();
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    std::string id = r.Str();
    int k = static_cast<int>(r.U());
    ConnectorLive con;
    con.status = static_cast<model::ChargerStatus>(std::min<uint64_t>(r.U(), 8));
    con.updated = r.T();
    con.known = true;
    const uint32_t c = index.Charger(id);
    const uint32_t slot = c == kNoIndex ? kNoIndex : index.ConnectorSlot(c, k);
    if (slot == kNoIndex) {
      ++dropped;
    } else {
      connectors[slot] = con;
      seen[c] = std::max(seen[c], con.updated);
    }
  }
}

void ReadCorrections(ByteReader& r, std::deque<Correction>& out) {
  const uint64_t n = r.U();
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    Correction c;
    c.facility = r.Str();
    c.source = r.Str();
    c.time = r.T();
    c.before = r.I();
    c.after = r.I();
    c.kind = r.U() == 1 ? Correction::Kind::kReset : Correction::Kind::kCount;
    out.push_back(std::move(c));
  }
}

// Each charger's reporting source ("PGS3" on) into `out` (by charger index).
void ReadChargerSources(ByteReader& r, const StateIndex& index, const SlotMap& slots,
                        std::vector<uint32_t>& out, uint64_t& dropped) {
  const uint64_t n = r.U();
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    const uint32_t c = index.Charger(r.Str());
    auto it = slots.find(r.Str());
    if (c == kNoIndex) {
      ++dropped;
    } else if (it != slots.end()) {
      out[c] = it->second;
    }
  }
}

// Where each restored source goes so that the slots `declared` (handed out before the restore,
// by the sources' ids in `slots`) keep meaning the same source; the rest follow in order.
std::vector<uint32_t> SlotsKeepingDeclared(const std::vector<SourceStats>& declared,
                                           const SlotMap& slots, size_t restored) {
  std::vector<uint32_t> where(restored, kNoIndex);
  for (size_t i = 0; i < declared.size(); ++i) {
    where[slots.at(declared[i].id)] = static_cast<uint32_t>(i);
  }
  auto next = static_cast<uint32_t>(declared.size());
  for (uint32_t& w : where) {
    if (w == kNoIndex) w = next++;
  }
  return where;
}

}  // namespace

Status LiveState::Restore(std::string_view bytes) {
  const bool v1 = bytes.starts_with(kSnapshotMagicV1);
  const bool v2 = bytes.starts_with(kSnapshotMagicV2);
  if (!v1 && !v2 && !bytes.starts_with(kSnapshotMagic)) {
    return DataLoss("not a live-state snapshot");
  }
  ByteReader r(bytes.substr(kSnapshotMagic.size()));
  // Read into a fresh writer, then swap: a bad snapshot leaves the state untouched.
  auto w = std::make_unique<Writer>();
  w->facilities.resize(index_->facility_count());
  w->bays.resize(index_->bay_count());
  w->connectors.resize(index_->connector_slot_count());
  w->charger_seen.resize(index_->charger_count());
  w->charger_source.assign(index_->charger_count(), kNoIndex);
  w->facility_dirty.resize(index_->facility_count());
  w->charger_dirty.resize(index_->charger_count());
  w->version = r.U();
  w->event_id = r.U();
  SlotMap slots;
  const uint64_t sources = r.U();
  for (uint64_t i = 0; i < sources && r.ok(); ++i) {
    w->sources.push_back(ReadSource(r, v1));
    slots.emplace(w->sources.back().id, static_cast<uint32_t>(w->sources.size() - 1));
  }
  uint64_t dropped = 0;
  ReadFacilities(r, *index_, slots, w->facilities, dropped);
  ReadBays(r, *index_, w->bays, dropped);
  ReadConnectors(r, *index_, w->connectors, w->charger_seen, dropped);
  ReadCorrections(r, w->corrections);
  if (!v1 && !v2) ReadChargerSources(r, *index_, slots, w->charger_source, dropped);
  if (!r.ok() || !r.done()) return DataLoss("live-state snapshot is truncated or malformed");
  if (dropped > 0) {
    PG_LOG_WARNING("state: {} entries of the checkpoint are no longer in the registry", dropped);
  }
  std::lock_guard lock(mu_);
  AdoptLocked(std::move(w), std::move(slots));
  return Status::Ok();
}

void LiveState::AdoptLocked(std::unique_ptr<Writer> w,
                            std::unordered_map<std::string, uint32_t> slots) {
  // Sources declared before the restore keep their intervals, and their slots their meaning.
  for (const SourceStats& old : w_->sources) {
    auto it = slots.find(old.id);
    if (it == slots.end()) {
      slots.emplace(old.id, static_cast<uint32_t>(w->sources.size()));
      w->sources.push_back(old);
    } else {
      w->sources[it->second].expected_interval = old.expected_interval;
    }
  }
  const std::vector<uint32_t> where = SlotsKeepingDeclared(w_->sources, slots, w->sources.size());
  std::vector<SourceStats> ordered(w->sources.size());
  for (size_t j = 0; j < w->sources.size(); ++j) ordered[where[j]] = std::move(w->sources[j]);
  w->sources = std::move(ordered);
  for (auto& f : w->facilities) {
    if (f.last_source != kNoIndex) f.last_source = where[f.last_source];
  }
  for (uint32_t& source : w->charger_source) {
    if (source != kNoIndex) source = where[source];
  }
  source_slots_.clear();
  for (uint32_t i = 0; i < w->sources.size(); ++i) source_slots_.emplace(w->sources[i].id, i);
  silent_.assign(w->sources.size(), false);
  w->revision = w_->revision + 1;
  w_ = std::move(w);
  revision_.store(w_->revision, std::memory_order_release);
  published_.store(CopyLocked(), std::memory_order_release);
}

std::vector<SourceAlert> LiveState::CheckSilence(Timestamp now) {
  std::vector<SourceAlert> alerts;
  std::lock_guard lock(mu_);
  Writer& w = *w_;
  for (size_t i = 0; i < w.sources.size(); ++i) {
    const SourceStats& s = w.sources[i];
    const bool silent = SourceIsSilent(s, now, rules_);
    if (silent != silent_[i]) {
      silent_[i] = silent;
      alerts.push_back({s.id, silent, s.last_received, s.expected_interval});
    }
  }
  if (bus_ && !alerts.empty()) {
    // Alerts are not part of the replayed state, so they take no id: they are delivered live
    // and are not resumable (GET /api/v1/sources/health has the same facts).
    std::vector<events::Event> out;
    for (const auto& a : alerts) {
      events::Event e;
      e.id = w.event_id;
      e.resumable = false;
      e.type = "source";
      e.subject = a.source;
      e.payload = SourceChange{index_->registry_ptr(), a};
      out.push_back(std::move(e));
    }
    bus_->Publish(std::move(out));
  }
  return alerts;
}

std::string ChargerSiteOf(const model::Charger& charger) {
  return charger.site.empty() ? charger.id.str() : charger.site;
}

namespace {

// Adds charger `c` (in service) to `s` as ViewCharger sees it: the one rule of ChargerSites and
// ChargersOfFacility.
void AddCharger(ChargerSiteLive& s, const model::Charger& c, const LiveSnapshot& snapshot,
                Timestamp now, const LiveRules& rules) {
  s.connectors += static_cast<int>(c.connectors.size());
  const ChargerView view = ViewCharger(snapshot, c, now, rules);
  if (view.state != ChargerState::kFresh && view.state != ChargerState::kFaulted) return;
  s.newest = std::max(s.newest, view.updated.value_or(Timestamp{}));
  if (view.state == ChargerState::kFaulted) {
    // Every connector of it is out of use to a new driver, reported or not.
    s.known += static_cast<int>(c.connectors.size());
    s.busy += static_cast<int>(c.connectors.size());
    return;
  }
  for (const ChargerView::Reported& r : view.reported) {
    if (r.connector == 0) continue;  // the charger as a whole
    ++s.known;
    switch (r.status) {
      case model::ChargerStatus::kAvailable:
        break;
      case model::ChargerStatus::kPreparing:
      case model::ChargerStatus::kCharging:
      case model::ChargerStatus::kSuspendedEv:
      case model::ChargerStatus::kSuspendedEvse:
      case model::ChargerStatus::kFinishing:
        ++s.in_use;
        ++s.busy;
        break;
      case model::ChargerStatus::kReserved:
      case model::ChargerStatus::kUnavailable:
      case model::ChargerStatus::kFaulted:
        ++s.busy;
        break;
    }
  }
}

}  // namespace

std::vector<ChargerSiteLive> ChargerSites(const registry::Registry& registry,
                                          const LiveSnapshot& snapshot, Timestamp now,
                                          const LiveRules& rules) {
  std::map<std::string, ChargerSiteLive> sites;
  for (const auto& c : registry.chargers()) {
    if (c.lifecycle != model::Lifecycle::kInService) continue;
    std::string site = ChargerSiteOf(c);
    ChargerSiteLive& s = sites[site];
    s.site = site;
    AddCharger(s, c, snapshot, now, rules);
  }
  std::vector<ChargerSiteLive> out;
  for (auto& [site, s] : sites) out.push_back(std::move(s));
  return out;
}

ChargerSiteLive ChargersOfFacility(const registry::Registry& registry, const LiveSnapshot& snapshot,
                                   const model::FacilityId& facility, Timestamp now,
                                   const LiveRules& rules) {
  ChargerSiteLive s;
  s.site = facility.str();
  for (const model::Charger* c : registry.ChargersOf(facility)) {
    if (c->lifecycle == model::Lifecycle::kInService) AddCharger(s, *c, snapshot, now, rules);
  }
  return s;
}

}  // namespace pg::state

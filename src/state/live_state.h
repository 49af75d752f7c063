// LiveState: the live occupancy of every facility, zone, bay and charger, and the rules of
// SPEC §3 that keep it trustworthy.
//
// Rules, applied in journal order so a replay rebuilds the same state byte for byte:
//   - sequence: an observation with a `seq` at or below the highest seen from its source in
//     the current epoch is a duplicate (seq is per source and increasing, SPEC §9); a seq too
//     far ahead is refused; a counter restart (a new `boot`, or a lower seq after silence)
//     starts a new epoch — state/sequence.h;
//   - order: an observation older than what is held for its target never overwrites it
//     (out_of_order; it still goes to history);
//   - clamp: counts are kept in 0..capacity; a value outside is clamped and counted on the
//     source as an underflow or overflow anomaly;
//   - entry/exit: events move the count; an authoritative count overrides the drift, and each
//     such correction is recorded with its size; with `reset_minute_of_day` set, the first
//     event after that local time resets a facility that is closed then (or has a configured
//     offset) to its offset of cars known to stay, also recorded as a correction;
//   - zones: bay sensors aggregate to their facility (an on-street zone or a sensed car park);
//   - staleness: a facility whose count is older than its source's expected interval × factor
//     is `unknown` — decided at read time by ViewFacility, so a dead feed turns unknown without
//     anyone writing; a charger is judged the same way by ViewCharger (fresh, stale, faulted or
//     unknown), the one rule the read API, the stream, the charging sites and guidance share;
//   - health: per source, last seen, counts, anomalies, corrections and a per-minute rate.
//
// Layout: targets are resolved once to dense indices (StateIndex, from the registry); the
// writer mutates flat arrays under a mutex and readers get immutable LiveSnapshots, published
// lazily — a reader finds the current snapshot with an atomic load and only copies the arrays
// when something changed since the last publication.
//
//   LiveState state(registry, {}, &clock, &bus);
//   state.ApplyBatch(observations, clock.Now());
//   auto snap = state.Snapshot();
//   FacilityView v = ViewFacility(*registry, *snap, facility, clock.Now());
//
// Thread-safety: every member may be called from any thread; writes are serialised internally.
// Snapshots are immutable and safe to share.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/time.h"
#include "events/event_bus.h"
#include "model/city_model.h"
#include "model/observation.h"
#include "model/opening_hours.h"
#include "registry/registry.h"

namespace pg::state {

// What the reader sees of a facility (SPEC §9 "live").
enum class OccupancyState { kOpen, kAlmostFull, kFull, kClosed, kUnknown };
std::string_view Name(OccupancyState s);

inline constexpr int kCategoryCount = 4;  // model::SpaceCategory values
inline constexpr uint32_t kNoIndex = UINT32_MAX;

// A count of one class (or the whole facility) as last reported.
struct ClassCount {
  int occupied = 0;
  int capacity = 0;
  Timestamp updated;
  bool known = false;  // false until the first count
};

struct FacilityLive {
  ClassCount total;
  std::array<ClassCount, kCategoryCount> by_category;  // by model::SpaceCategory
  model::FacilityStatus operator_status = model::FacilityStatus::kOpen;
  Timestamp status_updated;
  Timestamp last_seen;              // newest observation of any kind for this facility
  uint32_t last_source = kNoIndex;  // the source of the newest total count
  // Entry/exit counting.
  bool moved_by_events = false;  // the total moved by entries/exits since the last count
  Timestamp last_count;          // newest authoritative total count
  int64_t next_reset_ms = 0;     // the next scheduled reset instant; 0 until counting starts
  // Bay aggregation (zones and sensed car parks).
  int bays_known = 0;
  int bays_occupied = 0;
};

struct ConnectorLive {
  model::ChargerStatus status = model::ChargerStatus::kAvailable;
  Timestamp updated;
  bool known = false;
};

struct BayLive {
  bool occupied = false;
  Timestamp since;  // when the current state began
  Timestamp updated;
  bool known = false;
};

// Per-source health counters (deterministic: they replay identically, except seq_refused).
struct SourceStats {
  std::string id;
  uint64_t accepted = 0;
  uint64_t duplicate = 0;  // same epoch and seq at or below the last, or an older boot
  uint64_t out_of_order = 0;
  uint64_t unknown_target = 0;
  uint64_t underflow = 0;  // counts below 0, clamped
  uint64_t overflow = 0;   // counts above capacity, clamped
  uint64_t corrections = 0;
  uint64_t correction_spaces = 0;  // sum of |size| of its corrections
  // Sequence numbers (state/sequence.h): the newest accepted seq of the current epoch, the
  // source's newest boot, the epoch (1 from the first seq, +1 per recognised restart).
  std::optional<int64_t> last_seq;
  std::optional<int64_t> boot;
  uint64_t seq_epoch = 0;
  uint64_t seq_restarts = 0;  // counter restarts recognised (a new boot, or after silence)
  // Seqs refused (above 2^53 − 1 or too far ahead), whether at the door (the 400, never
  // journaled) or while applying: since this process started, so not in the checkpoint.
  uint64_t seq_refused = 0;
  Timestamp seq_advanced_at;   // server time of the batch that last advanced last_seq
  Timestamp seq_newest_time;   // newest observation time that advanced last_seq, this epoch
  Timestamp last_observation;  // newest observation time
  Timestamp last_received;     // server time of its newest batch
  // Accepted observations per minute of receipt, the newest minute last.
  static constexpr int kRateMinutes = 10;
  std::array<uint32_t, kRateMinutes> per_minute{};
  int64_t newest_minute = 0;                  // minutes since the epoch of per_minute.back()
  std::chrono::seconds expected_interval{0};  // 0: not declared
  // Observations per minute over the last `kRateMinutes` complete minutes before `now`.
  double RatePerMinute(Timestamp now) const;
};

// One drift correction: an authoritative count or a scheduled reset replacing a count that
// entry/exit events had moved.
struct Correction {
  enum class Kind : uint8_t { kCount = 0, kReset = 1 };
  std::string facility;
  std::string source;
  Timestamp time;
  int before = 0;
  int after = 0;
  Kind kind = Kind::kCount;
  int size() const { return after - before; }
};

// Dense indices of a registry's facilities, bays and chargers, with what the rules need of
// each precomputed. Immutable; built once per registry.
class StateIndex {
 public:
  explicit StateIndex(std::shared_ptr<const registry::Registry> registry);

  const registry::Registry& registry() const { return *registry_; }
  const std::shared_ptr<const registry::Registry>& registry_ptr() const { return registry_; }

  uint32_t Facility(std::string_view id) const;  // kNoIndex when unknown
  uint32_t Bay(std::string_view id) const;
  uint32_t Charger(std::string_view id) const;
  // The slot of connector `connector` (0: the whole charger) of charger `charger`; kNoIndex
  // when the charger has no such connector.
  uint32_t ConnectorSlot(uint32_t charger, int connector) const;

  size_t facility_count() const { return facilities_.size(); }
  size_t bay_count() const { return bay_facility_.size(); }
  size_t charger_count() const { return connector_offset_.size() - 1; }
  size_t connector_slot_count() const { return connector_offset_.back(); }

  struct FacilityInfo {
    const model::Facility* facility = nullptr;
    int capacity = 0;  // 0 when unknown
    std::array<int, kCategoryCount> category_capacity{};
    int bays = 0;       // sensed bays in it
    bool zone = false;  // on-street
    std::optional<model::OpeningHours> hours;
    std::chrono::seconds interval{0};  // longest expected interval of the sources covering it
  };
  const FacilityInfo& facility(uint32_t i) const { return facilities_[i]; }
  uint32_t bay_facility(uint32_t bay) const { return bay_facility_[bay]; }
  // The connectors of charger `c` occupy slots [first, first + count).
  uint32_t connector_first(uint32_t c) const { return connector_offset_[c]; }
  uint32_t connector_count(uint32_t c) const {
    return connector_offset_[c + 1] - connector_offset_[c];
  }
  uint32_t charger_facility(uint32_t c) const { return charger_facility_[c]; }
  // Longest expected interval of the sources that may write charger `c` (0: none declares one).
  std::chrono::seconds charger_interval(uint32_t c) const { return charger_interval_[c]; }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Map = std::unordered_map<std::string, uint32_t, Hash, std::equal_to<>>;
  static uint32_t Lookup(const Map& map, std::string_view id);

  std::shared_ptr<const registry::Registry> registry_;
  Map facility_index_, bay_index_, charger_index_;
  std::vector<FacilityInfo> facilities_;
  std::vector<uint32_t> bay_facility_;
  std::vector<uint32_t> connector_offset_;  // size chargers + 1
  std::vector<uint32_t> charger_facility_;
  std::vector<std::chrono::seconds> charger_interval_;
};

// An immutable picture of everything live at one moment.
struct LiveSnapshot {
  uint64_t version = 0;   // observations applied so far
  uint64_t revision = 0;  // changes of any kind in this process (counters too): freshness
  uint64_t event_id = 0;  // the id of the newest change event
  std::shared_ptr<const StateIndex> index;
  std::vector<FacilityLive> facilities;   // by facility index
  std::vector<BayLive> bays;              // by bay index
  std::vector<ConnectorLive> connectors;  // by connector slot
  std::vector<Timestamp> charger_seen;    // by charger index
  std::vector<uint32_t> charger_source;   // by charger index: source slot of its newest report
  std::vector<SourceStats> sources;       // by source slot
  std::vector<Correction> corrections;    // the newest, oldest first

  // nullptr when the id is unknown.
  const FacilityLive* FindFacility(std::string_view id) const;
  const BayLive* FindBay(std::string_view id) const;
  // The connector slots of a charger, slot 0 being the whole charger; empty when unknown.
  std::span<const ConnectorLive> ConnectorsOf(std::string_view charger) const;
  std::optional<Timestamp> ChargerLastSeen(std::string_view charger) const;
  const SourceStats* FindSource(std::string_view id) const;
};

// An observation with its target resolved to dense indices: what the writer applies.
struct ResolvedObservation {
  int64_t time_ms = 0;
  int64_t seq = kNoSeq;
  int64_t boot = kNoSeq;       // kNoSeq: none
  uint32_t source = kNoIndex;  // source slot
  uint32_t target = kNoIndex;  // facility, bay or connector slot by type
  int32_t value = 0;           // occupied or free (see value_is_free), count, bay 0/1, status
  model::ObservationType type = model::ObservationType::kFacilityCount;
  int8_t category = -1;  // -1: the whole facility
  bool value_is_free = false;
  bool has_both = false;  // a count with both free and occupied: `extra` holds free
  int32_t extra = 0;
  static constexpr int64_t kNoSeq = INT64_MIN;
};

enum class ApplyResult {
  kApplied,
  kDuplicate,      // same source and seq seen before (or an older boot; state/sequence.h)
  kSeqRefused,     // a seq above 2^53 − 1 or too far ahead of the source's (state/sequence.h)
  kOutOfOrder,     // older than what is held: history only
  kUnknownTarget,  // no such facility/bay/charger/connector in the registry
};

struct ApplyOutcome {
  ApplyResult result = ApplyResult::kApplied;
  bool clamped = false;  // a count outside 0..capacity was clamped (an anomaly of the source)
};

// Totals of one applied batch (the answer to a POST, SPEC §9).
struct BatchCounts {
  int accepted = 0;
  int duplicate = 0;
  int out_of_order = 0;
  int unknown_target = 0;
  int seq_refused = 0;

  void Add(ApplyResult result);  // counts one item's outcome
};

// What applying a batch depends on besides its observations and the state — all of it in the
// batch's journal record, so a replay decides the same.
struct BatchContext {
  Timestamp received;  // the server time of acceptance (source health, seq silence)
  // The silence after which a source's seq counter may restart (state/sequence.h), for every
  // source of the batch; nullopt: each source's current threshold (SeqRestartAfter).
  std::optional<std::chrono::milliseconds> seq_restart_after;
  // A version-1 journal record: its seqs are judged as the code that wrote it did
  // (AdvanceSeqAsBeforeEpochs), so the replay rebuilds the state that code had.
  bool seq_rule_before_epochs = false;
};

// A seq the sequence rule would refuse: the item's position in its batch and why.
struct SeqRefusal {
  size_t index = 0;
  std::string reason;
};

// Tuning of the live rules.
struct LiveRules {
  // A facility is unknown when its newest count is older than its source's expected interval
  // times this factor.
  double stale_factor = 3.0;
  // Used when no source of the facility declares an interval.
  std::chrono::seconds default_interval{300};
  // Free spaces at or below this share of capacity make the state almost_full.
  double almost_full_share = 0.1;
  // Local minute of day of the scheduled reset of entry/exit counts; none when unset.
  std::optional<int> reset_minute_of_day;
  // Cars known to stay overnight, by facility id: the count a reset sets. A facility listed
  // here is reset even when open at the reset time.
  std::unordered_map<std::string, int> reset_offsets;
  // Corrections kept in the snapshot (the newest).
  size_t corrections_kept = 256;
};

// A source that went silent or came back.
struct SourceAlert {
  std::string source;
  bool silent = false;  // false: it is back
  Timestamp last_received;
  std::chrono::seconds expected_interval{0};
};

class LiveState {
 public:
  // `clock` (for rendering events; nullptr: the system clock) and `bus` (nullptr: no events)
  // must outlive the state.
  explicit LiveState(std::shared_ptr<const registry::Registry> registry, LiveRules rules = {},
                     const Clock* clock = nullptr, events::EventBus* bus = nullptr);
  ~LiveState();
  LiveState(const LiveState&) = delete;
  LiveState& operator=(const LiveState&) = delete;

  // Resolves `o` against the registry. Errors: kNotFound naming the field ("facility", "bay",
  // "charger", "connector") when the target is unknown; kResourceExhausted when the source
  // table is full.
  Result<ResolvedObservation> Resolve(const model::Observation& o);

  // Applies observations in order. REQUIRES: validated and made durable by the caller.
  // Outcomes per item when asked.
  BatchCounts ApplyResolved(std::span<const ResolvedObservation> batch, const BatchContext& context,
                            std::vector<ApplyOutcome>* outcomes = nullptr);
  // Resolves then applies; an unresolvable item counts as kUnknownTarget. The first form uses
  // each source's current seq restart threshold.
  std::vector<ApplyOutcome> ApplyBatch(std::span<const model::Observation> batch,
                                       Timestamp received = {});
  std::vector<ApplyOutcome> ApplyBatch(std::span<const model::Observation> batch,
                                       const BatchContext& context);

  // The items of `batch` whose seq the sequence rule would refuse were the batch applied now
  // (each judged after the items before it), in order. Changes nothing: the ingest service
  // refuses such a batch with 400 before journaling it.
  std::vector<SeqRefusal> CheckSequences(std::span<const ResolvedObservation> batch,
                                         const BatchContext& context) const;
  // Counts `n` seqs of source `source` refused at the door (health, metrics).
  void CountSeqRefused(std::string_view source, uint64_t n);
  // The current seq restart threshold of source slot `source` (state/sequence.h).
  std::chrono::milliseconds SeqRestartAfter(uint32_t source) const;
  ApplyOutcome Apply(const model::Observation& observation);

  // The current state. Cheap when nothing changed since the last call (an atomic load);
  // otherwise copies the live arrays once for every reader that follows.
  std::shared_ptr<const LiveSnapshot> Snapshot() const;

  // The whole deterministic state as bytes (the journal's checkpoint), and back. Restore
  // resolves ids against this state's registry and drops what it no longer knows.
  // Errors (Restore): kDataLoss when the bytes are not a snapshot.
  std::string Serialize() const;
  Status Restore(std::string_view bytes);

  // Declares a source's expected interval (staleness, silence). Sources of the registry are
  // declared at construction.
  void DeclareSource(const model::SourceId& id, std::chrono::seconds expected_interval);

  // Sources whose silence changed since the previous call: silent when nothing was received
  // for expected interval × stale_factor. Publishes a "source" event for each.
  std::vector<SourceAlert> CheckSilence(Timestamp now);

  std::shared_ptr<const registry::Registry> registry() const { return index_->registry_ptr(); }
  const std::shared_ptr<const StateIndex>& index() const { return index_; }
  const LiveRules& rules() const { return rules_; }

 private:
  struct Writer;
  struct Step;  // one observation being applied to the writer (live_state.cc)

  uint32_t SourceSlot(std::string_view id);
  void ApplyOne(const ResolvedObservation& o, const BatchContext& context, ApplyOutcome& outcome);
  void PublishEvents();
  std::shared_ptr<const LiveSnapshot> CopyLocked() const;
  // Makes `w`, restored from a checkpoint whose sources are at `slots`, the state: sources
  // declared before keep their intervals and slots. REQUIRES: mu_ held.
  void AdoptLocked(std::unique_ptr<Writer> w, std::unordered_map<std::string, uint32_t> slots);

  const uint64_t instance_;  // unique per LiveState in this process
  const LiveRules rules_;
  const Clock& clock_;
  events::EventBus* const bus_;
  const std::shared_ptr<const StateIndex> index_;

  mutable std::mutex mu_;  // guards every member below
  std::unique_ptr<Writer> w_;
  std::unordered_map<std::string, uint32_t> source_slots_;
  std::vector<bool> silent_;  // by source slot

  // Mirrors w_'s revision (any change, counters included) for lock-free freshness checks.
  std::atomic<uint64_t> revision_{0};
  mutable std::atomic<std::shared_ptr<const LiveSnapshot>> published_;
};

// The connectors of one charging site — the chargers sharing Charger::site (or one charger with
// no site) that are in service — as ViewCharger sees them at `now`: only fresh and faulted
// chargers count as known (a stale one is as unknown as a stale car park). `busy` counts
// connectors not available to a new driver (in use, reserved, unavailable or faulted, every
// connector of a faulted charger), what forecasts and history record; `in_use` only those
// charging or about to.
struct ChargerSiteLive {
  std::string site;
  int connectors = 0;  // in the registry
  int known = 0;       // with a status that may be believed now
  int busy = 0;
  int in_use = 0;
  Timestamp newest;  // the newest report of a known charger
};
std::string ChargerSiteOf(const model::Charger& charger);
// Every site with at least one connector in service, in site order.
std::vector<ChargerSiteLive> ChargerSites(const registry::Registry& registry,
                                          const LiveSnapshot& snapshot, Timestamp now,
                                          const LiveRules& rules = {});
// The connectors in service of the chargers standing in `facility`, counted the same way (what
// an entrance sign's EV line shows where the car park does not count its EV spaces).
ChargerSiteLive ChargersOfFacility(const registry::Registry& registry, const LiveSnapshot& snapshot,
                                   const model::FacilityId& facility, Timestamp now,
                                   const LiveRules& rules = {});

// Whether a source that declared an expected interval has sent nothing for longer than that
// interval times the staleness factor (what the data-health page and /metrics call silent).
// A source that never sent anything, or declared no interval, is not silent.
bool SourceIsSilent(const SourceStats& source, Timestamp now, const LiveRules& rules);

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

// Decides open/almost_full/full/closed/unknown from the snapshot, the facility's opening hours
// and operator status, and staleness against its source's interval.
FacilityView ViewFacility(const registry::Registry& registry, const LiveSnapshot& snapshot,
                          const model::Facility& facility, Timestamp now,
                          const LiveRules& rules = {});

// What a reader may believe of a charger at `now`: the one rule of the read API (charger
// objects), the live stream (charger events), the charging sites (history and forecasts) and
// guidance (a site's P(free)).
//   - unknown: no connector of it has ever been reported;
//   - stale: its newest report (of any connector: chargers report on change, so a quiet working
//     charger keeps its statuses) is older than its source's expected interval × stale_factor —
//     the interval of the source that sent that report, else the longest of the sources that may
//     write it, else LiveRules::default_interval (as ViewFacility); nothing it said is believed;
//   - faulted: not stale, and the charger as a whole (connector 0) reported Faulted or
//     Unavailable with no newer report of any connector since, or every connector of it did;
//     no connector is available;
//   - fresh: otherwise; a connector is available when its last status is Available.
enum class ChargerState { kFresh, kStale, kFaulted, kUnknown };
std::string_view Name(ChargerState s);  // "fresh", "stale", "faulted", "unknown"

struct ChargerView {
  ChargerState state = ChargerState::kUnknown;
  struct Reported {
    int connector = 0;  // 0: the charger as a whole
    model::ChargerStatus status = model::ChargerStatus::kAvailable;
    Timestamp updated;
  };
  std::vector<Reported> reported;  // every connector with a status, in connector order
  // Connectors a new driver may use: fresh and Available; 0 when faulted; nullopt when stale or
  // unknown.
  std::optional<int> available;
  std::optional<Timestamp> updated;  // the newest report
  std::chrono::milliseconds stale_after{0};

  // Whether connector `connector` (≥ 1) is free to a new driver, as far as can be believed:
  // nullopt when it was never reported or the charger is stale or unknown; false when faulted.
  std::optional<bool> ConnectorFree(int connector) const;
};

// REQUIRES: `snapshot` is of a LiveState over the registry `charger` belongs to. A charger the
// snapshot does not know is unknown.
ChargerView ViewCharger(const LiveSnapshot& snapshot, const model::Charger& charger, Timestamp now,
                        const LiveRules& rules = {});

// Every facility, zone and charger of `snapshot` as change events (payloads as the live events
// carry, state/live_change.h; no data: the reader renders them), not resumable, with the snapshot's
// event id: what a stream client gets first.
std::vector<events::Event> SnapshotEvents(const LiveSnapshot& snapshot, Timestamp now,
                                          const LiveRules& rules = {});

}  // namespace pg::state

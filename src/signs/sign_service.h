// SignService: keeps every guidance sign's content current, pushes changes to the sign
// controllers, records what each sign showed and why, and watches the controllers' health.
//
// Flow: the event bus delivers the live state's facility and zone events to OnEvent (cheap:
// marks the signs of the facility dirty and remembers the change as a possible cause). The
// service's worker then evaluates the dirty signs against one live snapshot (EvaluateSign, with the
// hysteresis memory it carries per sign), and for each sign whose display changed: stores the new
// content in the display history with its cause, then publishes it to every SignPublisher (MQTT
// retained, and the HTTP long-poll waiters through content listeners). Once a second every sign is
// evaluated again, so that what time alone changes — data going stale, opening hours, plan windows,
// overrides expiring — shows without any observation.
//
// Rules the service keeps:
//   - Published on change only: a content whose display equals the last published one is not
//     sent again (except after a transport reconnect, with the same seq).
//   - Rate-limited per sign: at most one new content per `min_publish_interval`; changes in
//     between are coalesced and the latest is sent when the interval ends (a change that returns
//     to what is shown is never sent at all). An operator's override is sent at once.
//   - Every published content is in the history (store) with seq, time and cause, durably,
//     before it reaches any publisher. If the history cannot be written (the database locked,
//     the disk full, an I/O error) the content is held: nothing new is published, each sign
//     keeps showing its last recorded content (marked change_pending), and the round retries
//     after a backoff (1 s, doubling, at most max_history_retry) until the write succeeds, then
//     publishes the newest content with its history. Each held sign gets a "history_failed"
//     entry in its fault log, and a "history_restored" one when it is published again (written
//     once the store is writable); held rounds are counted (stats). The trade-off, chosen:
//     while the store is down a sign may go on showing a count that is getting old, but never
//     one its history cannot account for (docs/api/signs.md).
//   - A sign is offline when its controller has not been heard from (heartbeat or
//     acknowledgement) for `heartbeat_timeout`, when a published content is not acknowledged
//     within `ack_timeout`, or when its MQTT connection's last will says it is gone; online again
//     when it is heard from and nothing is overdue. Each change is a record in the fault log.
//   - Overrides (fixed text or blank, on one line or the whole sign) are stored and audited; a new
//     one on the same line replaces the old; each ends at its expiry or when cleared.
//
//   SignService signs(options, clock, store, FromLiveState(live), config);
//   PG_RETURN_IF_ERROR(signs.Load());
//   signs.AddPublisher(mqtt);
//   auto subscription = bus.SubscribeFrom(std::nullopt, [&](const events::EventPtr& e) {
//     signs.OnEvent(*e);
//     return true;
//   });
//   signs.Start();
//
// Thread-safety: every public member may be called from any thread. Step() runs on the worker
// (or a test's thread); publishers and content listeners are called from it without the
// service's lock held.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/prometheus_text.h"
#include "core/status.h"
#include "events/event_bus.h"
#include "model/city_model.h"
#include "registry/registry.h"
#include "signs/content.h"
#include "signs/display_rules.h"
#include "signs/evaluate.h"
#include "state/live_state.h"
#include "store/roles.h"
#include "store/settings_store.h"
#include "store/sign_history.h"

namespace pg::signs {

// One content for one sign's controller. The payload is the JSON of docs/api/signs.md
// ("Content"); MQTT publishers send it retained on parkguide/<city>/signs/<sign>.
struct SignMessage {
  model::SignId sign;
  std::string controller_id;
  int64_t seq = 0;
  std::string payload;
};

// Where contents go. Implementations: MqttSignLink (mqtt_sign_link.h), LoopbackPublisher
// (controller_sim.h), test recorders.
class SignPublisher {
 public:
  virtual ~SignPublisher() = default;
  // Sends one content; must not block for long (queue and return). Errors: kUnavailable when the
  // transport is down — the service counts it and sends the current content again when
  // RepublishAll() is called (on reconnect).
  virtual Status Publish(const SignMessage& message) = 0;
};

// A consistent picture of the live state for one evaluation round.
struct LiveInput {
  std::shared_ptr<const registry::Registry> registry;
  // The reader's view of one facility at `now` (state::ViewFacility over one snapshot).
  std::function<state::FacilityView(const model::Facility&, Timestamp now)> view;
  // The source of a facility's newest count, "" when unknown (for the history's causes).
  std::function<std::string(const std::string& facility)> source_of;
  // The id of the newest change event the snapshot includes.
  uint64_t version = 0;
};
using LiveInputSource = std::function<LiveInput()>;

// LiveInput from a LiveState: its registry, one snapshot and its rules. `live` must outlive the
// returned function.
LiveInputSource FromLiveState(const state::LiveState& live);

struct SignServiceOptions {
  std::chrono::milliseconds min_publish_interval{5'000};
  std::chrono::milliseconds ack_timeout{30'000};
  std::chrono::milliseconds heartbeat_timeout{90'000};
  // How often every sign is evaluated again for what time alone changes.
  std::chrono::milliseconds scan_interval{1'000};
  // Longest an override may last.
  std::chrono::milliseconds max_override{std::chrono::hours(24 * 7)};
  // Longest wait between attempts to write a held content's history.
  std::chrono::milliseconds max_history_retry{5'000};
};

enum class HealthState { kUnknown, kOnline, kOffline };
std::string_view Name(HealthState state);

struct SignHealth {
  HealthState state = HealthState::kUnknown;
  std::optional<Timestamp> since;           // of the current state
  std::string reason;                       // why offline
  std::optional<Timestamp> last_heartbeat;  // of its controller
  std::optional<Timestamp> last_ack;
  int64_t acked_seq = 0;
  std::vector<std::string> controller_faults;  // as the controller last reported them
};

// What one sign shows now, as the API serves it.
struct SignSnapshot {
  model::SignId sign;
  std::string controller_id;
  int64_t seq = 0;  // 0: nothing published yet
  std::optional<Timestamp> published;
  SignContent content;          // as published, with its basis
  std::string payload;          // as published to controllers
  bool change_pending = false;  // a newer content waits for the rate limit
  SignHealth health;
  std::vector<store::SignOverrideRecord> overrides;  // in force
};

// What a controller may report in one heartbeat (docs/api/signs.md, "Limits"), and so the most
// a controller_fault entry of the fault log holds (the faults joined by "; ").
inline constexpr size_t kMaxControllerFaults = 32;
inline constexpr size_t kMaxFaultChars = 200;
inline constexpr size_t kMaxFaultDetailChars = kMaxControllerFaults * (kMaxFaultChars + 2);

// Checks a heartbeat's faults: at most kMaxControllerFaults, each plain text (core/text_bounds.h)
// of at most kMaxFaultChars. Errors: kInvalidArgument naming "faults" (too many) or "faults[i]".
Status CheckControllerFaults(const std::vector<std::string>& faults);
// What is kept of faults that were not checked (MQTT cannot refuse a message): the first
// kMaxControllerFaults, each cut to kMaxFaultChars with control characters replaced. Faults
// that pass CheckControllerFaults come back unchanged.
std::vector<std::string> BoundControllerFaults(std::vector<std::string> faults);

struct OverrideRequest {
  model::SignId sign;
  std::optional<int> line;  // 0-based; absent: the whole sign
  bool blank = false;
  model::LocalizedName text;  // required unless blank; CheckSignText
  std::string reason;         // required; plain text of at most kMaxReasonChars
  Timestamp expires;
  std::string by;  // who asks (the key's id)
};

struct SignServiceStats {
  uint64_t evaluations = 0;
  uint64_t publishes = 0;
  uint64_t coalesced = 0;  // changes that waited for the rate limit
  uint64_t publish_failures = 0;
  uint64_t history_failures = 0;  // rounds whose display history could not be written
  uint64_t publishes_held = 0;    // contents held back by those rounds (not published)
};

// The sign service's rounds as Prometheus metrics (GET /metrics).
void AppendSignMetrics(const SignServiceStats& stats, PrometheusText& out);

// The store roles the service uses: the sign history (what it published, faults, overrides) and
// the settings (its configuration); the store's health, when it tracks it, holds writes back
// while a fault lasts.
using SignStore = store::Roles<store::SignHistory, store::SettingsStore>;

class SignService {
 public:
  // `store` and `clock` must outlive the service.
  SignService(SignServiceOptions options, const Clock& clock, SignStore store, LiveInputSource live,
              SignConfig config = {});
  SignService(const SignService&) = delete;
  SignService& operator=(const SignService&) = delete;
  ~SignService();  // Stop()s

  // Resumes from the store: the last published content, seq and acknowledgement of every sign
  // (its hysteresis memory follows from what it showed, so a restart does not flicker), the
  // overrides in force and the stored configuration ("signs.config" setting) when there is one.
  // Errors: those of the store.
  Status Load();

  // Adds a destination for contents. REQUIRES: before Start(); `publisher` outlives the service.
  void AddPublisher(SignPublisher& publisher);

  // Starts the worker: a first full round, then rounds on change and every scan_interval.
  // Sends every sign's current content again first (controllers that missed it catch up).
  void Start();
  // Stops the worker; idempotent.
  void Stop();

  // --- inputs, from any thread ---
  // A change event of the live state (events::EventBus): "facility" and "zone" events mark the
  // signs showing that car park, and so do "charger" events of a charger standing in one (its
  // EV lines may show the chargers); others are ignored.
  void OnEvent(const events::Event& event);
  // The newest event id seen (tests wait for it to catch up with the live state).
  uint64_t last_event_id() const;
  // A controller confirms it shows content `seq` of `sign`. Unknown signs and seqs newer than
  // published are ignored (returns false).
  bool OnAck(const model::SignId& sign, int64_t seq, Timestamp when);
  // A controller's heartbeat, with the faults it reports (empty: none), kept as
  // BoundControllerFaults leaves them. Returns false when no sign names this controller.
  bool OnHeartbeat(const std::string& controller_id, Timestamp when,
                   std::vector<std::string> faults = {});
  // A controller's transport says it is gone (MQTT last will). Cleared by its next heartbeat or
  // acknowledgement.
  void OnControllerGone(const std::string& controller_id, Timestamp when, std::string why);
  // Sends every sign's current content again, same seq (after a transport reconnect).
  void RepublishAll();

  // On a node of a city that is not its writer (store::WriterLease): the worker does not run
  // there, so overrides and rules changed here would not show; they are refused with
  // kUnavailable and `why` until Start(). Thread-safe.
  void RefuseChanges(std::string why);

  // Sets an override; it shows at the next round (at once with the worker running).
  // Errors: kNotFound (sign), kInvalidArgument naming "line", "text.zh", "text.en", "reason" or
  // "expires" (the bounds of OverrideRequest included); kUnavailable after RefuseChanges; store
  // errors.
  Result<store::SignOverrideRecord> SetOverride(const OverrideRequest& request);
  // Ends the overrides of a sign (of one line when `line` is set, else all of them). Returns how
  // many ended. Errors: kInvalidArgument naming "reason" (plain text of at most
  // kMaxReasonChars); kNotFound (sign); store errors.
  Result<int> ClearOverrides(const model::SignId& sign, std::optional<int> line,
                             const std::string& by, const std::string& reason);

  // Replaces the display rules and plans, stores them and re-evaluates every sign.
  // Errors: kInvalidArgument/kNotFound for the first problem of ValidateSignConfig (every
  // problem in the message); store errors.
  Status SetConfig(SignConfig config);
  std::shared_ptr<const SignConfig> config() const;

  // --- reads, from any thread ---
  std::optional<SignSnapshot> Current(const model::SignId& sign) const;
  std::vector<SignSnapshot> CurrentAll() const;
  SignServiceStats stats() const;

  // Called after each round for every sign whose content was published, with the new seq; on
  // the worker, without the service's lock. Must not call Step().
  using ContentListener = std::function<void(const model::SignId&, int64_t seq)>;
  void SubscribeContent(ContentListener listener);

  // One round at clock.Now(): evaluates the dirty signs (every sign when `all`), publishes what
  // changed and is due, expires overrides, updates health. The worker calls it; tests call it
  // directly with a FakeClock and no worker.
  void Step(bool all = true);

 private:
  Status ChangesRefused() const;  // kUnavailable while RefuseChanges holds
  struct ObservationCause {
    uint64_t version = 0;  // the event id
    std::string facility;
    std::optional<Timestamp> updated;  // the time of the car park's newest count
  };
  struct Controller {
    std::optional<Timestamp> last_heartbeat;
    std::vector<std::string> faults;
    bool gone = false;
    std::string gone_reason;
  };
  struct Runtime {
    const model::Sign* sign = nullptr;  // into index_registry_
    SignMemory memory;
    bool has_candidate = false;
    SignContent candidate;
    nlohmann::json candidate_cause;
    bool has_published = false;
    SignContent published;
    int64_t seq = 0;
    Timestamp published_at;
    std::string payload;
    uint64_t last_eval_version = 0;
    Timestamp last_eval_time;
    std::vector<std::string> plan_ids;
    std::optional<nlohmann::json> pending_cause;  // override or rules change awaiting a round
    bool urgent = false;                          // publish without waiting for the rate limit
    std::vector<store::SignOverrideRecord> overrides;
    SignHealth health;
    std::optional<Timestamp> held_since;  // a new content is held for want of history
  };
  struct OverrideEnd {
    int64_t id = 0;
    Timestamp when;
    std::string by;
    std::string reason;
  };
  struct Staged;
  struct Outbox;

  void RebuildIndexLocked(std::shared_ptr<const registry::Registry> registry);
  const std::string& ControllerOf(const model::Sign& sign) const;
  nlohmann::json CauseLocked(const Runtime& rt, const SignContent& content,
                             const std::vector<std::string>& plans, const LiveInput& live,
                             Timestamp now) const;
  void HealthLocked(Runtime& rt, Timestamp now, Outbox& out);
  void SetHealthLocked(Runtime& rt, HealthState state, std::string reason, Timestamp now,
                       Outbox& out);
  std::string PayloadLocked(const model::Sign& sign, int64_t seq, const SignContent& content,
                            Timestamp now, bool with_basis) const;
  // The parts of a round (Step), in order.
  // Ends the overrides expired at `now` (their ends into `out`); their signs re-evaluate at once.
  void ExpireOverridesLocked(Timestamp now, Outbox& out);
  // Evaluates the dirty signs (all when `all`) into candidates, with the cause of each change.
  void EvaluateLocked(bool all, const LiveInput& live, Timestamp now);
  // New contents due to be published, with their history records; none while held.
  void StageLocked(Timestamp now, Outbox& out);
  // Writes the staged contents' history; commits them (to be published) or holds them.
  void WriteHistory(Timestamp now, Outbox& out);
  // Makes the staged contents the signs' published ones and queues their messages (and the
  // republished ones they do not replace).
  void CommitStagedLocked(Timestamp now, Outbox& out);
  // Keeps the staged contents back until a retry time that backs off; logs a spell's first failure.
  void HoldStagedLocked(Timestamp now, const Status& why, Outbox& out);
  // Sends each message through every publisher; returns how many sends failed (the first logged).
  uint64_t PublishAll(const Outbox& out);
  // Moves the faults, acknowledgements and override ends waiting to be written into `out`.
  void TakeRecordsLocked(Outbox& out);
  // Acknowledgements, override ends and fault-log entries; what the store refuses is kept.
  void WriteRecords(Outbox& out);
  SignSnapshot SnapshotLocked(const Runtime& rt) const;
  void Wake();
  void OnChargerEvent(const events::Event& event);
  void Run();

  const SignServiceOptions options_;
  const Clock& clock_;
  store::SignHistory& history_;
  store::SettingsStore& settings_;
  const store::StorageHealth* const storage_health_;  // may be null
  const LiveInputSource live_;
  std::vector<SignPublisher*> publishers_;
  std::vector<ContentListener> listeners_;  // guarded by mutex_

  std::mutex step_mutex_;  // one round at a time
  mutable std::mutex mutex_;
  std::shared_ptr<const SignConfig> config_;                  // guarded by mutex_
  std::shared_ptr<const registry::Registry> index_registry_;  // guarded by mutex_
  std::unordered_map<std::string, Runtime> runtime_;          // by sign id; guarded
  std::vector<std::string> sign_order_;                       // ids in registry order
  std::unordered_map<std::string, std::vector<std::string>> signs_of_facility_;    // guarded
  std::unordered_map<std::string, std::vector<std::string>> signs_of_controller_;  // guarded
  std::unordered_map<std::string, Controller> controllers_;                        // guarded
  std::vector<store::SignFaultRecord> pending_faults_;                             // guarded
  std::unordered_map<std::string, ObservationCause> last_observation_;  // by facility; guarded
  uint64_t last_event_id_ = 0;                                          // guarded
  std::set<std::string> dirty_;                                         // guarded
  std::vector<store::SignAck> ack_writes_;                              // guarded
  std::vector<OverrideEnd> pending_override_ends_;                      // guarded
  std::optional<Timestamp> history_retry_at_;                           // held until then; guarded
  std::chrono::milliseconds history_backoff_{0};                        // guarded
  bool republish_all_ = false;                                          // guarded
  bool all_dirty_ = true;                                               // guarded
  std::optional<Timestamp> next_due_;                                   // guarded
  Timestamp started_;                                                   // guarded
  SignServiceStats stats_;                                              // guarded

  std::mutex worker_mutex_;
  mutable std::mutex refusal_mutex_;
  std::string refusal_;  // guarded by refusal_mutex_: why changes are refused ("" when taken)
  std::condition_variable worker_cv_;
  bool wake_ = false;  // guarded by worker_mutex_
  bool stop_ = false;  // guarded by worker_mutex_
  std::thread worker_;
};

}  // namespace pg::signs

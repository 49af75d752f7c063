#include "signs/sign_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <any>

#include "core/log.h"
#include "core/text_bounds.h"
#include "model/opening_hours.h"
#include "model/vocabulary.h"
#include "state/live_change.h"

namespace pg::signs {
namespace {

using nlohmann::json;

constexpr const char* kConfigSetting = "signs.config";
// Records waiting for the store (acknowledgements, fault log, override ends) kept per kind.
constexpr size_t kMaxPendingRecords = 10'000;

int64_t Seconds(std::chrono::milliseconds d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}

std::vector<std::string> Difference(const std::vector<std::string>& a,
                                    const std::vector<std::string>& b) {
  std::vector<std::string> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

json OverrideCause(const char* action, const store::SignOverrideRecord& o, const std::string& by,
                   const std::string& reason) {
  return {
      {"kind", "override"}, {"override", o.id}, {"action", action}, {"by", by}, {"reason", reason}};
}

}  // namespace

Status CheckControllerFaults(const std::vector<std::string>& faults) {
  if (faults.size() > kMaxControllerFaults) {
    return InvalidArgument(
        fmt::format("at most {} faults (it has {})", kMaxControllerFaults, faults.size()),
        "faults");
  }
  for (size_t i = 0; i < faults.size(); ++i) {
    PG_RETURN_IF_ERROR(CheckPlainText(faults[i], fmt::format("faults[{}]", i), kMaxFaultChars));
  }
  return Status::Ok();
}

std::vector<std::string> BoundControllerFaults(std::vector<std::string> faults) {
  if (faults.size() > kMaxControllerFaults) faults.resize(kMaxControllerFaults);
  for (std::string& f : faults) {
    if (!CheckPlainText(f, "", kMaxFaultChars).ok()) f = BoundedText(f, kMaxFaultChars);
  }
  return faults;
}

// A content on its way to a sign: it is published only once its history row is durable.
struct SignService::Staged {
  std::string id;
  int64_t seq = 0;
  SignContent content;
  std::string payload;  // as controllers get it (without the basis)
};

// What a round hands over to be done without the service's lock.
struct SignService::Outbox {
  std::vector<Staged> staged;
  std::vector<store::SignDisplayRecord> history;  // of `staged`
  std::vector<SignMessage> republish;             // contents on record, sent again
  std::vector<SignMessage> messages;              // what goes to the publishers
  std::vector<store::SignFaultRecord> faults;
  std::vector<OverrideEnd> override_ends;
  std::vector<std::pair<model::SignId, int64_t>> published;
  std::vector<store::SignAck> acks;
};

std::string_view Name(HealthState state) {
  switch (state) {
    case HealthState::kUnknown:
      return "unknown";
    case HealthState::kOnline:
      return "online";
    case HealthState::kOffline:
      return "offline";
  }
  return "unknown";
}

namespace {

// An EV line where the car park does not count its EV spaces shows its chargers: connectors a
// new driver may use (state::ChargersOfFacility, ViewCharger's rule) of those in service. Where
// no charger of it can be believed, the class stays unknown and the line shows "--".
void EvFromChargers(const registry::Registry& registry, const state::LiveSnapshot& snapshot,
                    const model::Facility& f, Timestamp now, const state::LiveRules& rules,
                    state::FacilityView& view) {
  auto ev = std::find_if(view.by_category.begin(), view.by_category.end(),
                         [](const auto& c) { return c.category == model::SpaceCategory::kEv; });
  if (ev != view.by_category.end() && ev->free) return;  // counted: the count wins
  if (registry.ChargersOf(f.id).empty()) return;
  const state::ChargerSiteLive chargers =
      state::ChargersOfFacility(registry, snapshot, f.id, now, rules);
  if (chargers.known == 0) return;
  state::FacilityView::Category category{model::SpaceCategory::kEv, chargers.known - chargers.busy,
                                         chargers.busy, chargers.connectors};
  if (ev != view.by_category.end()) {
    *ev = category;
  } else {
    view.by_category.push_back(category);
  }
}

}  // namespace

LiveInputSource FromLiveState(const state::LiveState& live) {
  return [&live] {
    LiveInput in;
    in.registry = live.registry();
    auto snapshot = live.Snapshot();
    in.version = snapshot->event_id;
    in.view = [registry = in.registry, snapshot, rules = live.rules()](const model::Facility& f,
                                                                       Timestamp now) {
      state::FacilityView view = state::ViewFacility(*registry, *snapshot, f, now, rules);
      EvFromChargers(*registry, *snapshot, f, now, rules, view);
      return view;
    };
    in.source_of = [snapshot](const std::string& facility) -> std::string {
      const state::FacilityLive* f = snapshot->FindFacility(facility);
      if (!f || f->last_source >= snapshot->sources.size()) return {};
      return snapshot->sources[f->last_source].id;
    };
    return in;
  };
}

SignService::SignService(SignServiceOptions options, const Clock& clock, SignStore store,
                         LiveInputSource live, SignConfig config)
    : options_(options),
      clock_(clock),
      history_(store.get<store::SignHistory>()),
      settings_(store.get<store::SettingsStore>()),
      storage_health_(store.storage_health()),
      live_(std::move(live)),
      config_(std::make_shared<const SignConfig>(std::move(config))),
      started_(clock.Now()) {}

SignService::~SignService() { Stop(); }

Status SignService::Load() {
  PG_ASSIGN_OR_RETURN(auto latest, history_.LatestSignDisplays());
  PG_ASSIGN_OR_RETURN(auto overrides, history_.LoadSignOverrides(nullptr, /*open_only=*/true,
                                                                 /*limit=*/1'000'000));
  PG_ASSIGN_OR_RETURN(auto stored_config, settings_.GetSetting(kConfigSetting));
  std::shared_ptr<const SignConfig> config;
  if (stored_config) {
    auto parsed = SignConfigFromJson(json::parse(*stored_config, nullptr, false));
    if (!parsed.ok()) {
      return DataLoss("the stored sign rules cannot be read back: " + parsed.status().ToString());
    }
    config = std::make_shared<const SignConfig>(std::move(*parsed));
  }
  LiveInput live = live_();
  std::lock_guard lock(mutex_);
  // Indexed now, so that observations arriving before the first round are causes already.
  if (live.registry != index_registry_) RebuildIndexLocked(live.registry);
  if (config) config_ = std::move(config);
  for (const auto& record : latest) {
    json j = json::parse(record.content_json, nullptr, false);
    auto content = SignContentFromJson(j);
    if (!content.ok()) {
      PG_LOG_WARNING("signs: history of '{}' seq {} cannot be read back ({}); starting afresh",
                     record.sign.str(), record.seq, content.status().ToString());
      runtime_[record.sign.str()].seq = record.seq;
      continue;
    }
    Runtime& rt = runtime_[record.sign.str()];
    rt.seq = record.seq;
    rt.published = *content;
    rt.has_published = true;
    rt.published_at = record.time;
    for (auto& line : j["lines"]) line.erase("basis");
    rt.payload = j.dump();
    rt.candidate = *content;
    rt.has_candidate = true;
    rt.memory = MemoryFromContent(*content);
    rt.last_eval_time = record.time;
    if (record.acknowledged) {
      rt.health.acked_seq = record.seq;
      rt.health.last_ack = record.acknowledged;
    }
  }
  for (auto& o : overrides) runtime_[o.sign.str()].overrides.push_back(std::move(o));
  started_ = clock_.Now();
  all_dirty_ = true;
  return Status::Ok();
}

void SignService::AddPublisher(SignPublisher& publisher) { publishers_.push_back(&publisher); }

void SignService::RefuseChanges(std::string why) {
  std::lock_guard lock(refusal_mutex_);
  refusal_ = std::move(why);
}

Status SignService::ChangesRefused() const {
  std::lock_guard lock(refusal_mutex_);
  return refusal_.empty() ? Status::Ok() : Unavailable(refusal_);
}

void SignService::Start() {
  RefuseChanges("");
  {
    std::lock_guard lock(mutex_);
    republish_all_ = true;
  }
  std::lock_guard lock(worker_mutex_);
  if (worker_.joinable()) return;
  stop_ = false;
  worker_ = std::thread([this] { Run(); });
}

void SignService::Stop() {
  {
    std::lock_guard lock(worker_mutex_);
    stop_ = true;
  }
  worker_cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void SignService::Wake() {
  {
    std::lock_guard lock(worker_mutex_);
    wake_ = true;
  }
  worker_cv_.notify_one();
}

void SignService::Run() {
  auto next_scan = std::chrono::steady_clock::now();
  while (true) {
    auto deadline = next_scan;
    {
      std::lock_guard lock(mutex_);
      if (next_due_) {
        auto wait =
            std::chrono::duration_cast<std::chrono::milliseconds>(*next_due_ - clock_.Now());
        deadline = std::min(deadline, std::chrono::steady_clock::now() +
                                          std::max(wait, std::chrono::milliseconds(0)));
      }
    }
    {
      std::unique_lock lock(worker_mutex_);
      worker_cv_.wait_until(lock, deadline, [this] { return stop_ || wake_; });
      if (stop_) return;
      wake_ = false;
    }
    bool all = false;
    auto now = std::chrono::steady_clock::now();
    if (now >= next_scan) {
      all = true;
      next_scan = now + options_.scan_interval;
    }
    Step(all);
  }
}

void SignService::RebuildIndexLocked(std::shared_ptr<const registry::Registry> registry) {
  index_registry_ = std::move(registry);
  sign_order_.clear();
  signs_of_facility_.clear();
  signs_of_controller_.clear();
  for (auto& [id, rt] : runtime_) rt.sign = nullptr;
  if (!index_registry_) return;
  for (const auto& sign : index_registry_->signs()) {
    sign_order_.push_back(sign.id.str());
    signs_of_controller_[ControllerOf(sign)].push_back(sign.id.str());
    runtime_[sign.id.str()].sign = &sign;
    for (const auto& line : sign.lines) {
      for (const auto& f : line.facilities) {
        auto& signs = signs_of_facility_[f.str()];
        if (signs.empty() || signs.back() != sign.id.str()) signs.push_back(sign.id.str());
      }
    }
  }
  all_dirty_ = true;
}

const std::string& SignService::ControllerOf(const model::Sign& sign) const {
  return sign.controller_id.empty() ? sign.id.str() : sign.controller_id;
}

void SignService::OnEvent(const events::Event& event) {
  if (event.type == "charger" && !event.facility.empty()) return OnChargerEvent(event);
  if (event.type != "facility" && event.type != "zone") return;
  const std::string& facility = event.facility.empty() ? event.subject : event.facility;
  const auto* change = std::any_cast<state::FacilityChange>(&event.payload);
  const std::optional<Timestamp> updated = change ? change->view.updated : std::nullopt;
  {
    std::lock_guard lock(mutex_);
    last_event_id_ = std::max(last_event_id_, event.id);
    if (!index_registry_) {
      all_dirty_ = true;
      return;
    }
    auto it = signs_of_facility_.find(facility);
    if (it == signs_of_facility_.end()) return;
    ObservationCause& cause = last_observation_[facility];
    cause.version = event.id;
    cause.facility = facility;
    cause.updated = updated;
    dirty_.insert(it->second.begin(), it->second.end());
  }
  Wake();
}

// A charger's change may change its car park's EV lines (EvFromChargers): its signs are
// evaluated again; the line's cause stays the car park's newest count.
void SignService::OnChargerEvent(const events::Event& event) {
  {
    std::lock_guard lock(mutex_);
    last_event_id_ = std::max(last_event_id_, event.id);
    if (!index_registry_) {
      all_dirty_ = true;
      return;
    }
    auto it = signs_of_facility_.find(event.facility);
    if (it == signs_of_facility_.end()) return;
    dirty_.insert(it->second.begin(), it->second.end());
  }
  Wake();
}

uint64_t SignService::last_event_id() const {
  std::lock_guard lock(mutex_);
  return last_event_id_;
}

bool SignService::OnAck(const model::SignId& sign, int64_t seq, Timestamp when) {
  std::lock_guard lock(mutex_);
  auto it = runtime_.find(sign.str());
  if (it == runtime_.end() || !it->second.sign || seq <= 0 || seq > it->second.seq) return false;
  Runtime& rt = it->second;
  if (!rt.health.last_ack || *rt.health.last_ack < when) rt.health.last_ack = when;
  rt.health.acked_seq = std::max(rt.health.acked_seq, seq);
  controllers_[ControllerOf(*rt.sign)].gone = false;
  ack_writes_.push_back({sign, seq, when});
  return true;
}

bool SignService::OnHeartbeat(const std::string& controller_id, Timestamp when,
                              std::vector<std::string> faults) {
  std::lock_guard lock(mutex_);
  auto it = signs_of_controller_.find(controller_id);
  if (it == signs_of_controller_.end()) return false;
  Controller& c = controllers_[controller_id];
  if (!c.last_heartbeat || *c.last_heartbeat < when) c.last_heartbeat = when;
  c.gone = false;
  faults = BoundControllerFaults(std::move(faults));
  std::sort(faults.begin(), faults.end());
  if (faults != c.faults) {
    std::string detail = faults.empty() ? "the controller reports no fault any more"
                                        : fmt::format("{}", fmt::join(faults, "; "));
    for (const auto& sign : it->second) {
      pending_faults_.push_back({model::SignId(sign), when, "controller_fault", detail});
    }
    c.faults = std::move(faults);
  }
  return true;
}

void SignService::OnControllerGone(const std::string& controller_id, Timestamp /*when*/,
                                   std::string why) {
  {
    std::lock_guard lock(mutex_);
    Controller& c = controllers_[controller_id];
    c.gone = true;
    c.gone_reason = std::move(why);
  }
  Wake();
}

void SignService::RepublishAll() {
  {
    std::lock_guard lock(mutex_);
    republish_all_ = true;
  }
  Wake();
}

Result<store::SignOverrideRecord> SignService::SetOverride(const OverrideRequest& request) {
  PG_RETURN_IF_ERROR(ChangesRefused());
  Timestamp now = clock_.Now();
  if (request.reason.empty()) return InvalidArgument("an override needs a reason", "reason");
  PG_RETURN_IF_ERROR(CheckPlainText(request.reason, "reason", kMaxReasonChars));
  if (!request.blank && request.text.zh.empty() && request.text.en.empty()) {
    return InvalidArgument("a text override needs text.zh or text.en (or \"blank\": true)", "text");
  }
  PG_RETURN_IF_ERROR(CheckSignText(request.text, "text"));
  if (request.expires <= now) return InvalidArgument("must be in the future", "expires");
  if (request.expires - now > options_.max_override) {
    return InvalidArgument(
        fmt::format("an override lasts at most {} hours", Seconds(options_.max_override) / 3600),
        "expires");
  }
  store::SignOverrideRecord record;
  record.sign = request.sign;
  record.line = request.line;
  record.kind = request.blank ? "blank" : "text";
  if (!request.blank) record.text = request.text;
  record.reason = request.reason;
  record.created_by = request.by;
  record.created = now;
  record.expires = request.expires;
  {
    std::lock_guard lock(mutex_);
    auto it = runtime_.find(request.sign.str());
    if (it == runtime_.end() || !it->second.sign) {
      return NotFound(fmt::format("no sign '{}'", request.sign.str()), "id");
    }
    int lines = static_cast<int>(it->second.sign->lines.size());
    if (request.line && (*request.line < 0 || *request.line >= lines)) {
      return InvalidArgument(fmt::format("sign '{}' has lines 0–{}", request.sign.str(), lines - 1),
                             "line");
    }
  }
  PG_ASSIGN_OR_RETURN(record.id, history_.AddSignOverride(record));
  std::vector<int64_t> replaced;
  {
    std::lock_guard lock(mutex_);
    auto it = runtime_.find(request.sign.str());
    if (it != runtime_.end()) {
      Runtime& rt = it->second;
      std::erase_if(rt.overrides, [&](const store::SignOverrideRecord& o) {
        if (o.line != request.line) return false;
        replaced.push_back(o.id);
        return true;
      });
      rt.overrides.push_back(record);
      rt.pending_cause = OverrideCause("set", record, request.by, request.reason);
      rt.urgent = true;
      dirty_.insert(request.sign.str());
    }
  }
  for (int64_t id : replaced) {
    std::string why = fmt::format("replaced by override {}", record.id);
    Status s = history_.EndSignOverride(id, now, request.by, why);
    if (!s.ok() && s.code() != StatusCode::kFailedPrecondition) {
      // Ended in force already; on record once the store takes it (WriteRecords).
      PG_LOG_WARNING("signs: ending override {}: {}", id, s.ToString());
      std::lock_guard lock(mutex_);
      pending_override_ends_.push_back({id, now, request.by, std::move(why)});
    }
  }
  Wake();
  return record;
}

Result<int> SignService::ClearOverrides(const model::SignId& sign, std::optional<int> line,
                                        const std::string& by, const std::string& reason) {
  PG_RETURN_IF_ERROR(ChangesRefused());
  PG_RETURN_IF_ERROR(CheckPlainText(reason, "reason", kMaxReasonChars));
  Timestamp now = clock_.Now();
  std::vector<int64_t> ids;
  {
    std::lock_guard lock(mutex_);
    auto it = runtime_.find(sign.str());
    if (it == runtime_.end() || !it->second.sign) {
      return NotFound(fmt::format("no sign '{}'", sign.str()), "id");
    }
    for (const auto& o : it->second.overrides) {
      if (!line || o.line == line) ids.push_back(o.id);
    }
  }
  // On record first: an override the store still has open must not vanish from the sign only
  // to come back at the next start.
  std::set<int64_t> ended;
  Status failure;
  for (int64_t id : ids) {
    Status s = history_.EndSignOverride(id, now, by, reason);
    if (!s.ok() && s.code() != StatusCode::kFailedPrecondition) {
      failure = s;
      break;
    }
    ended.insert(id);
  }
  if (!ended.empty()) {
    {
      std::lock_guard lock(mutex_);
      Runtime& rt = runtime_.at(sign.str());
      std::optional<store::SignOverrideRecord> last;
      std::erase_if(rt.overrides, [&](const store::SignOverrideRecord& o) {
        if (!ended.contains(o.id)) return false;
        last = o;
        return true;
      });
      if (last) {
        rt.pending_cause = OverrideCause("cleared", *last, by, reason);
        rt.urgent = true;
        dirty_.insert(sign.str());
      }
    }
    Wake();
  }
  if (!failure.ok()) return failure;
  return static_cast<int>(ended.size());
}

Status SignService::SetConfig(SignConfig config) {
  PG_RETURN_IF_ERROR(ChangesRefused());
  std::shared_ptr<const registry::Registry> registry;
  {
    std::lock_guard lock(mutex_);
    registry = index_registry_;
  }
  if (!registry) registry = live_().registry;
  auto problems = ValidateSignConfig(config, registry.get());
  if (!problems.empty()) {
    std::vector<std::string> all;
    all.reserve(problems.size());
    for (const auto& p : problems) all.push_back(fmt::format("{}: {}", p.field(), p.message()));
    return Status(problems.front().code(), fmt::format("{}", fmt::join(all, "; ")),
                  problems.front().field());
  }
  PG_RETURN_IF_ERROR(settings_.PutSetting(kConfigSetting, ToJson(config).dump()));
  {
    std::lock_guard lock(mutex_);
    config_ = std::make_shared<const SignConfig>(std::move(config));
    for (const auto& id : sign_order_) runtime_.at(id).pending_cause = json{{"kind", "rules"}};
    all_dirty_ = true;
  }
  Wake();
  return Status::Ok();
}

std::shared_ptr<const SignConfig> SignService::config() const {
  std::lock_guard lock(mutex_);
  return config_;
}

void SignService::SubscribeContent(ContentListener listener) {
  std::lock_guard lock(mutex_);
  listeners_.push_back(std::move(listener));
}

SignServiceStats SignService::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

namespace {

// Whether opening hours alone open or close one of the sign's car parks between two instants.
bool HoursChanged(const model::Sign& sign, const registry::Registry& reg, Timestamp before,
                  Timestamp now) {
  LocalTime a = ToLocal(before, reg.time_zone());
  LocalTime b = ToLocal(now, reg.time_zone());
  for (const auto& line : sign.lines) {
    for (const auto& id : line.facilities) {
      const model::Facility* f = reg.FindFacility(id);
      if (!f || f->opening_hours.empty()) continue;
      auto hours = model::OpeningHours::Parse(f->opening_hours);
      if (!hours.ok()) continue;
      if (hours->IsOpen(a.weekday, a.minute_of_day) != hours->IsOpen(b.weekday, b.minute_of_day)) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

json SignService::CauseLocked(const Runtime& rt, const SignContent& content,
                              const std::vector<std::string>& plans, const LiveInput& live,
                              Timestamp now) const {
  if (rt.pending_cause) return *rt.pending_cause;
  if (plans != rt.plan_ids) {
    return {{"kind", "plan"},
            {"started", Difference(plans, rt.plan_ids)},
            {"ended", Difference(rt.plan_ids, plans)}};
  }
  const ObservationCause* newest = nullptr;
  for (const auto& line : rt.sign->lines) {
    for (const auto& f : line.facilities) {
      auto it = last_observation_.find(f.str());
      if (it == last_observation_.end() || it->second.version <= rt.last_eval_version) continue;
      if (!newest || it->second.version > newest->version) newest = &it->second;
    }
  }
  auto observation = [&]() {
    json j{{"kind", "observation"}, {"facility", newest->facility}, {"event", newest->version}};
    if (newest->updated && index_registry_) {
      j["time"] = FormatRfc3339(*newest->updated, index_registry_->time_zone());
    }
    if (live.source_of) {
      std::string source = live.source_of(newest->facility);
      if (!source.empty()) j["source"] = source;
    }
    return j;
  };
  if (!rt.has_candidate) return newest ? observation() : json{{"kind", "start"}};
  // An observation that arrived in the same round is not credited with what only time can do:
  // data going stale, or opening hours beginning or ending.
  bool all_unknown = true;
  bool any_change = false;
  bool closed_change = false;
  for (size_t i = 0; i < content.lines.size() && i < rt.candidate.lines.size(); ++i) {
    LineKind after = content.lines[i].kind;
    LineKind before = rt.candidate.lines[i].kind;
    if (content.lines[i].SameDisplay(rt.candidate.lines[i])) continue;
    any_change = true;
    if (after != LineKind::kUnknown) all_unknown = false;
    if ((after == LineKind::kClosed) != (before == LineKind::kClosed)) closed_change = true;
  }
  if (any_change && all_unknown) return {{"kind", "clock"}, {"detail", "data no longer fresh"}};
  if (closed_change && HoursChanged(*rt.sign, *index_registry_, rt.last_eval_time, now)) {
    return {{"kind", "clock"}, {"detail", "opening hours"}};
  }
  if (newest) return observation();
  return {{"kind", "clock"}, {"detail", "time"}};
}

std::string SignService::PayloadLocked(const model::Sign& sign, int64_t seq,
                                       const SignContent& content, Timestamp now,
                                       bool with_basis) const {
  json j{{"sign", sign.id.str()},
         {"seq", seq},
         {"time", FormatRfc3339(now, index_registry_->time_zone())},
         {"digits", sign.digits},
         {"bilingual", sign.bilingual}};
  j["lines"] = ToJson(content, {.with_basis = with_basis})["lines"];
  return j.dump();
}

void SignService::SetHealthLocked(Runtime& rt, HealthState state, std::string reason, Timestamp now,
                                  Outbox& out) {
  SignHealth& h = rt.health;
  if (h.state == state) {
    if (state == HealthState::kOffline) h.reason = std::move(reason);
    return;
  }
  const HealthState before = h.state;
  h.state = state;
  h.since = now;
  if (state == HealthState::kOffline) {
    PG_LOG_WARNING("signs: '{}' is offline: {}", rt.sign->id.str(), reason);
    out.faults.push_back({rt.sign->id, now, "offline", reason});
    h.reason = std::move(reason);
  } else {
    h.reason.clear();
    if (before == HealthState::kOffline) {
      PG_LOG_INFO("signs: '{}' is online again", rt.sign->id.str());
      out.faults.push_back({rt.sign->id, now, "online", "its controller is heard from again"});
    }
  }
}

void SignService::HealthLocked(Runtime& rt, Timestamp now, Outbox& out) {
  const std::string& controller_id = ControllerOf(*rt.sign);
  const Controller& c = controllers_[controller_id];
  rt.health.last_heartbeat = c.last_heartbeat;
  rt.health.controller_faults = c.faults;
  std::optional<Timestamp> contact = c.last_heartbeat;
  if (rt.health.last_ack && (!contact || *contact < *rt.health.last_ack)) {
    contact = rt.health.last_ack;
  }
  if (c.gone) {
    return SetHealthLocked(
        rt, HealthState::kOffline,
        fmt::format("controller '{}' disconnected: {}", controller_id, c.gone_reason), now, out);
  }
  if (rt.has_published && rt.seq > rt.health.acked_seq &&
      now - rt.published_at >= options_.ack_timeout) {
    return SetHealthLocked(rt, HealthState::kOffline,
                           fmt::format("content {} was not acknowledged within {} s", rt.seq,
                                       Seconds(options_.ack_timeout)),
                           now, out);
  }
  if (!contact) {
    if (now - started_ >= options_.heartbeat_timeout) {
      return SetHealthLocked(
          rt, HealthState::kOffline,
          fmt::format("controller '{}' has not been heard from since the service started",
                      controller_id),
          now, out);
    }
    return;
  }
  if (now - *contact >= options_.heartbeat_timeout) {
    return SetHealthLocked(
        rt, HealthState::kOffline,
        fmt::format("no heartbeat or acknowledgement from controller '{}' since {} ({} s)",
                    controller_id, FormatRfc3339(*contact, index_registry_->time_zone()),
                    Seconds(options_.heartbeat_timeout)),
        now, out);
  }
  SetHealthLocked(rt, HealthState::kOnline, "", now, out);
}

void SignService::Step(bool all) {
  std::lock_guard step_lock(step_mutex_);
  const Timestamp now = clock_.Now();
  Outbox out;
  std::vector<ContentListener> listeners;
  {
    std::lock_guard lock(mutex_);
    // The snapshot is taken under the lock: a change marked dirty after this point is in the
    // next round, one marked before it is in this snapshot (LiveState tells listeners after
    // publishing). LiveState never calls a listener with its own lock held, so this cannot
    // deadlock.
    LiveInput live = live_();
    if (live.registry != index_registry_) RebuildIndexLocked(live.registry);
    if (!index_registry_) return;
    ExpireOverridesLocked(now, out);
    EvaluateLocked(all, live, now);
    StageLocked(now, out);
    listeners = listeners_;
  }
  WriteHistory(now, out);
  const uint64_t failures = PublishAll(out);
  for (const auto& [sign, seq] : out.published) {
    for (const auto& listener : listeners) listener(sign, seq);
  }
  {
    // Health after publishing, so that an acknowledgement the transport delivered at once
    // counts in this round.
    std::lock_guard lock(mutex_);
    stats_.publish_failures += failures;
    for (const auto& id : sign_order_) HealthLocked(runtime_.at(id), now, out);
    TakeRecordsLocked(out);
  }
  WriteRecords(out);
}

uint64_t SignService::PublishAll(const Outbox& out) {
  uint64_t failures = 0;
  for (const auto& m : out.messages) {
    for (SignPublisher* p : publishers_) {
      if (Status s = p->Publish(m); !s.ok()) {
        if (failures++ == 0)
          PG_LOG_WARNING("signs: publishing '{}': {}", m.sign.str(), s.ToString());
      }
    }
  }
  return failures;
}

void SignService::TakeRecordsLocked(Outbox& out) {
  out.faults.insert(out.faults.end(), std::make_move_iterator(pending_faults_.begin()),
                    std::make_move_iterator(pending_faults_.end()));
  pending_faults_.clear();
  out.acks = std::move(ack_writes_);
  ack_writes_.clear();
  out.override_ends.insert(out.override_ends.end(), pending_override_ends_.begin(),
                           pending_override_ends_.end());
  pending_override_ends_.clear();
}

void SignService::ExpireOverridesLocked(Timestamp now, Outbox& out) {
  for (const auto& id : sign_order_) {
    Runtime& rt = runtime_.at(id);
    std::erase_if(rt.overrides, [&](const store::SignOverrideRecord& o) {
      if (o.expires > now) return false;
      out.override_ends.push_back({o.id, o.expires, "system", "expired"});
      rt.pending_cause = OverrideCause("expired", o, "system", "expired");
      rt.urgent = true;
      return true;
    });
  }
}

void SignService::EvaluateLocked(bool all, const LiveInput& live, Timestamp now) {
  const registry::Registry& reg = *index_registry_;
  const bool everything = all || all_dirty_;
  all_dirty_ = false;
  const ActivePlans plans = ActivePlansAt(*config_, now, reg.time_zone());
  std::unordered_map<std::string, std::optional<state::FacilityView>> views;
  ViewLookup lookup = [&](const model::FacilityId& id) -> const state::FacilityView* {
    auto [it, inserted] = views.try_emplace(id.str());
    if (inserted) {
      if (const model::Facility* f = reg.FindFacility(id)) it->second = live.view(*f, now);
    }
    return it->second ? &*it->second : nullptr;
  };
  for (const auto& id : sign_order_) {
    Runtime& rt = runtime_.at(id);
    if (!everything && !dirty_.contains(id) && !rt.pending_cause) continue;
    std::vector<ActiveOverride> overrides;
    for (const auto& o : rt.overrides) {
      overrides.push_back({o.id, o.line, o.kind == "blank", o.text});
    }
    EvalInput in;
    in.sign = rt.sign;
    in.config = config_.get();
    in.views = lookup;
    in.plans = &plans;
    in.overrides = overrides;
    SignContent content = EvaluateSign(in, rt.memory);
    ++stats_.evaluations;
    std::vector<std::string> plan_ids;
    for (const auto& line : content.lines) {
      plan_ids.insert(plan_ids.end(), line.basis.plans.begin(), line.basis.plans.end());
    }
    std::sort(plan_ids.begin(), plan_ids.end());
    plan_ids.erase(std::unique(plan_ids.begin(), plan_ids.end()), plan_ids.end());
    if (!rt.has_candidate || !content.SameDisplay(rt.candidate)) {
      rt.candidate_cause = CauseLocked(rt, content, plan_ids, live, now);
      if (rt.has_published && !rt.urgent && now - rt.published_at < options_.min_publish_interval) {
        ++stats_.coalesced;
      }
    }
    rt.candidate = std::move(content);
    rt.has_candidate = true;
    rt.plan_ids = std::move(plan_ids);
    rt.pending_cause.reset();
    rt.last_eval_version = live.version;
    rt.last_eval_time = now;
  }
  dirty_.clear();
}

void SignService::StageLocked(Timestamp now, Outbox& out) {
  next_due_.reset();
  // After a failed history write nothing new is staged until the retry time: the signs keep
  // their last durable content (their candidates wait, coalesced, as under the rate limit).
  const bool holding = history_retry_at_ && now < *history_retry_at_;
  if (holding) next_due_ = history_retry_at_;
  for (const auto& id : sign_order_) {
    Runtime& rt = runtime_.at(id);
    if (!rt.has_candidate) continue;
    if (rt.has_published && rt.candidate.SameDisplay(rt.published)) {
      rt.urgent = false;
      continue;
    }
    const Timestamp due = rt.published_at + options_.min_publish_interval;
    if (rt.has_published && !rt.urgent && now < due) {
      if (!next_due_ || due < *next_due_) next_due_ = due;
      continue;
    }
    if (holding) continue;
    const int64_t seq = rt.seq + 1;
    out.staged.push_back(
        {id, seq, rt.candidate, PayloadLocked(*rt.sign, seq, rt.candidate, now, false)});
    out.history.push_back({rt.sign->id,
                           seq,
                           now,
                           PayloadLocked(*rt.sign, seq, rt.candidate, now, /*with_basis=*/true),
                           rt.candidate_cause.dump(),
                           {}});
  }
  if (republish_all_) {
    republish_all_ = false;
    for (const auto& id : sign_order_) {
      const Runtime& rt = runtime_.at(id);
      if (rt.has_published && !rt.payload.empty()) {
        out.republish.push_back({rt.sign->id, ControllerOf(*rt.sign), rt.seq, rt.payload});
      }
    }
  }
}

void SignService::WriteHistory(Timestamp now, Outbox& out) {
  // The history first: a content reaches no publisher before its row is durable (the store
  // commits with synchronous=FULL). If it cannot be written, the content is held.
  Status written = out.history.empty() ? Status::Ok() : history_.AppendSignDisplays(out.history);
  std::lock_guard lock(mutex_);
  if (written.ok()) {
    CommitStagedLocked(now, out);
  } else {
    HoldStagedLocked(now, written, out);
  }
}

void SignService::CommitStagedLocked(Timestamp now, Outbox& out) {
  std::set<std::string> renewed;
  for (Staged& st : out.staged) {
    Runtime& rt = runtime_.at(st.id);
    rt.seq = st.seq;
    rt.published = std::move(st.content);
    rt.has_published = true;
    rt.published_at = now;
    rt.urgent = false;
    rt.payload = std::move(st.payload);
    if (rt.held_since) {
      pending_faults_.push_back(
          {rt.sign->id, now, "history_restored",
           fmt::format("the display history is writable again; content {} published, held since {}",
                       rt.seq, FormatRfc3339(*rt.held_since, index_registry_->time_zone()))});
      rt.held_since.reset();
    }
    out.published.push_back({rt.sign->id, rt.seq});
    renewed.insert(st.id);
    ++stats_.publishes;
  }
  if (!out.staged.empty() && history_retry_at_) {
    PG_LOG_INFO("signs: the display history is writable again; publishing");
    history_retry_at_.reset();
    history_backoff_ = std::chrono::milliseconds(0);
  }
  for (auto& m : out.republish) {
    if (!renewed.contains(m.sign.str())) out.messages.push_back(std::move(m));
  }
  for (const auto& [sign, seq] : out.published) {
    const Runtime& rt = runtime_.at(sign.str());
    out.messages.push_back({rt.sign->id, ControllerOf(*rt.sign), rt.seq, rt.payload});
  }
}

void SignService::HoldStagedLocked(Timestamp now, const Status& why, Outbox& out) {
  ++stats_.history_failures;
  stats_.publishes_held += out.staged.size();
  if (!history_retry_at_) {
    PG_LOG_ERROR(
        "signs: the display history cannot be written ({}); holding {} contents: every "
        "sign keeps showing its last recorded content",
        why.ToString(), out.staged.size());
  }
  history_backoff_ = std::clamp(history_backoff_ * 2, std::chrono::milliseconds(1'000),
                                options_.max_history_retry);
  history_retry_at_ = now + history_backoff_;
  if (!next_due_ || *history_retry_at_ < *next_due_) next_due_ = history_retry_at_;
  for (const Staged& st : out.staged) {
    Runtime& rt = runtime_.at(st.id);
    if (rt.held_since) continue;  // once per hold
    rt.held_since = now;
    pending_faults_.push_back(
        {rt.sign->id, now, "history_failed",
         fmt::format("content {} held: its display history could not be written ({}); the sign "
                     "keeps showing content {}",
                     st.seq, why.message(), rt.seq)});
  }
  // What controllers were told before is on record: it may still be sent again.
  out.messages = std::move(out.republish);
}

void SignService::WriteRecords(Outbox& out) {
  // While the store reports a fault these would fail as well, each after the store's wait:
  // keep them for a round that finds it writable.
  const store::StorageHealth* health = storage_health_;
  const bool writable = !health || health->Health().fault == store::StorageFault::kNone;
  bool failed = !writable;
  if (!failed && !out.acks.empty()) {
    if (Status s = history_.MarkSignsAcknowledged(out.acks); !s.ok()) {
      PG_LOG_WARNING("signs: recording {} acknowledgements: {}", out.acks.size(), s.ToString());
      failed = true;
    } else {
      out.acks.clear();
    }
  }
  std::vector<OverrideEnd> ends_left;
  for (auto& e : out.override_ends) {
    Status s = failed ? Unavailable("the store is not writable")
                      : history_.EndSignOverride(e.id, e.when, e.by, e.reason);
    if (s.ok() || s.code() == StatusCode::kFailedPrecondition) continue;
    if (!failed) PG_LOG_WARNING("signs: ending override {}: {}", e.id, s.ToString());
    failed = true;
    ends_left.push_back(std::move(e));
  }
  size_t faults_done = 0;
  for (; !failed && faults_done < out.faults.size(); ++faults_done) {
    const auto& f = out.faults[faults_done];
    if (Status s = history_.AppendSignFault(f); !s.ok()) {
      PG_LOG_WARNING("signs: recording a fault of '{}': {}", f.sign.str(), s.ToString());
      failed = true;
      break;
    }
  }
  if (out.acks.empty() && ends_left.empty() && faults_done == out.faults.size()) return;
  // Kept, oldest first, for the next round; bounded so a long outage cannot grow them forever.
  std::lock_guard lock(mutex_);
  auto keep = [](auto& pending, auto&& left) {
    pending.insert(pending.begin(), std::make_move_iterator(left.begin()),
                   std::make_move_iterator(left.end()));
    if (pending.size() > kMaxPendingRecords) {
      pending.erase(pending.begin(), pending.end() - kMaxPendingRecords);
    }
  };
  keep(ack_writes_, std::move(out.acks));
  keep(pending_override_ends_, std::move(ends_left));
  keep(pending_faults_, std::vector<store::SignFaultRecord>(
                            std::make_move_iterator(out.faults.begin() + faults_done),
                            std::make_move_iterator(out.faults.end())));
}

SignSnapshot SignService::SnapshotLocked(const Runtime& rt) const {
  SignSnapshot s;
  s.sign = rt.sign->id;
  s.controller_id = ControllerOf(*rt.sign);
  s.seq = rt.seq;
  if (rt.has_published) {
    s.published = rt.published_at;
    s.content = rt.published;
    s.payload = rt.payload;
  }
  s.change_pending =
      rt.has_candidate && rt.has_published && !rt.candidate.SameDisplay(rt.published);
  s.health = rt.health;
  s.overrides = rt.overrides;
  return s;
}

std::optional<SignSnapshot> SignService::Current(const model::SignId& sign) const {
  std::lock_guard lock(mutex_);
  auto it = runtime_.find(sign.str());
  if (it == runtime_.end() || !it->second.sign) return std::nullopt;
  return SnapshotLocked(it->second);
}

std::vector<SignSnapshot> SignService::CurrentAll() const {
  std::lock_guard lock(mutex_);
  std::vector<SignSnapshot> out;
  out.reserve(sign_order_.size());
  for (const auto& id : sign_order_) out.push_back(SnapshotLocked(runtime_.at(id)));
  return out;
}

void AppendSignMetrics(const SignServiceStats& g, PrometheusText& out) {
  out.Counter("parkguide_sign_evaluations_total", "Sign evaluations", g.evaluations);
  out.Counter("parkguide_sign_publishes_total", "Sign contents published", g.publishes);
  out.Counter("parkguide_sign_publish_failures_total", "Sign publishes that failed",
              g.publish_failures);
  out.Counter("parkguide_sign_history_failures_total",
              "Sign rounds whose display history could not be written (publishes held)",
              g.history_failures);
  out.Counter("parkguide_sign_publishes_held_total",
              "Sign contents held back until their history was durable", g.publishes_held);
}

}  // namespace pg::signs

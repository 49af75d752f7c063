#include "simulation/simulation.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <queue>

#include "routing/route_query.h"
#include "simulation/sign_board.h"

namespace pg::simulation {

std::string_view Name(Policy p) {
  switch (p) {
    case Policy::kNone:
      return "none";
    case Policy::kSigns:
      return "signs";
    case Policy::kGuidance:
      return "guidance";
  }
  return "none";
}

std::optional<Policy> ParsePolicy(std::string_view text) {
  for (Policy p : {Policy::kNone, Policy::kSigns, Policy::kGuidance}) {
    if (text == Name(p)) return p;
  }
  return std::nullopt;
}

namespace {

enum class EventKind { kDepart, kNodeEnd, kArrive, kLeave, kBgArrive, kBgLeave, kSigns, kSample };

struct Event {
  int64_t at_ms = 0;
  uint64_t order = 0;
  EventKind kind = EventKind::kDepart;
  int who = 0;       // driver or facility
  uint32_t leg = 0;  // driver events: the leg they belong to (stale after a re-route)
  bool operator>(const Event& o) const {
    return at_ms != o.at_ms ? at_ms > o.at_ms : order > o.order;
  }
};

// A drive to a target: the route's search nodes with the time and length at the end of each.
struct Leg {
  std::vector<uint32_t> nodes;
  std::vector<int64_t> end_ms;   // absolute (run) time at the end of node k
  std::vector<uint32_t> len_dm;  // length driven on node k
  size_t next = 0;               // the node whose end comes next
};

struct Driver {
  const DriverPlan* plan = nullptr;
  DriverMemory memory;
  DriverOutcome outcome;
  int target = -1;
  Leg leg;
  uint32_t leg_id = 0;
  bool done = false;
  int64_t search_start_ms = -1;
  int64_t last_query_ms = 0;
  int64_t last_switch_ms = -1;
  int parked_at = -1;
};

uint32_t TurnPenalty(const graph::ModeGraphView& g, uint32_t x, uint32_t y) {
  for (uint32_t t = g.turn_first_out[x]; t < g.turn_first_out[x + 1]; ++t) {
    if (g.turn_head[t] == y) return g.turn_penalty_ms[t];
  }
  return 0;
}

Leg MakeLeg(const graph::ModeGraphView& g, const routing::Route& r, int64_t start_ms) {
  Leg leg;
  leg.nodes = r.nodes;
  int64_t t = start_ms;
  for (size_t k = 0; k < r.nodes.size(); ++k) {
    const uint32_t x = r.nodes[k];
    double from = k == 0 ? r.start_along : 0;
    double to = k + 1 == r.nodes.size() ? r.end_along : 1;
    if (to < from) to = from;
    const int64_t pen = k == 0 ? 0 : TurnPenalty(g, r.nodes[k - 1], x);
    t += pen + static_cast<int64_t>(std::llround((to - from) * g.node_weight_ms[x]));
    leg.end_ms.push_back(t);
    leg.len_dm.push_back(static_cast<uint32_t>(std::llround((to - from) * g.node_length_dm[x])));
  }
  return leg;
}

class Engine {
 public:
  Engine(const SimCity& city, Policy policy, uint64_t seed, const SimulationParams& params)
      : city_(city),
        policy_(policy),
        seed_(seed),
        p_(params),
        g_(city.network->View(graph::Mode::kCar)),
        car_(*city.network, graph::Mode::kCar),
        foot_(*city.network, graph::Mode::kFoot),
        clock_(Timestamp{}) {}

  Status Init();
  Status Run();
  RunResult Finish();

 private:
  void Push(int64_t at_ms, EventKind kind, int who, uint32_t leg = 0) {
    queue_.push({at_ms, order_++, kind, who, leg});
  }
  Timestamp At(int64_t ms) const { return start_ + Milliseconds(ms); }
  Status Handle(const Event& e);
  void Depart(int d);
  void NodeEnd(int d);
  void Arrive(int d);
  void Leave(int d);
  void BgArrive(int f);
  void BgLeave(int f);
  void Sample();
  void SetOccupied(int f, int occupied);
  // Starts a leg from `from` to the driver's target at `t`; tries further targets when one is
  // unreachable, and gives up when none is left.
  void Head(int d, const routing::SnappedPoint& from, int64_t t);
  void Choose(int d, const routing::SnappedPoint& from, int64_t t, bool after_full);
  std::vector<GuideOption> Ask(int d, const LatLon& from, int64_t t);
  routing::SnappedPoint NodeEndPoint(uint32_t node) const;
  void Drive(Driver& dr, size_t k);  // accounts node k of the leg as driven
  void StartSearch(Driver& dr, int64_t t) {
    if (dr.search_start_ms < 0) dr.search_start_ms = t;
  }
  bool GiveUpIfLong(int d, int64_t t);
  void EndDriver(Driver& dr) {
    dr.done = true;
    ++done_;
  }

  const SimCity& city_;
  const Policy policy_;
  const uint64_t seed_;
  const SimulationParams p_;
  const graph::ModeGraphView& g_;
  routing::RouteQuery car_;
  routing::RouteQuery foot_;
  FakeClock clock_;
  Timestamp start_;
  int64_t window_start_ms_ = 0;
  int64_t window_end_ms_ = 0;
  int64_t now_ms_ = 0;  // the event being handled, from start_

  std::vector<DriverPlan> plans_;
  std::vector<Driver> drivers_;
  std::vector<Background> background_;
  std::vector<int> occupied_;
  std::vector<Rng> bg_arrive_rng_, bg_stay_rng_;
  std::unique_ptr<SensorFeed> feed_;
  std::unique_ptr<HistoryForecaster> forecaster_;
  std::unique_ptr<SignBoard> board_;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> queue_;
  uint64_t order_ = 0;
  int done_ = 0;
  std::vector<float> cruise_;
  double occ_sum_ = 0, full_sum_ = 0, samples_ = 0;
};

Status Engine::Init() {
  if (policy_ == Policy::kGuidance && city_.guide == nullptr) {
    return FailedPrecondition("the guidance policy needs the city's road graph and guide");
  }
  int y = 0, m = 0, dd = 0;
  if (std::sscanf(p_.date.c_str(), "%d-%d-%d", &y, &m, &dd) != 3) {
    return InvalidArgument("not a date YYYY-MM-DD: " + p_.date, "date");
  }
  const int start_minute =
      static_cast<int>(std::lround(p_.demand.start_hour_local * 60 - p_.warmup_minutes));
  start_ = FromLocal(y, m, dd, std::max(0, start_minute), city_.registry->time_zone());
  window_start_ms_ = static_cast<int64_t>(p_.warmup_minutes * 60'000);
  window_end_ms_ = window_start_ms_ + static_cast<int64_t>(p_.demand.window_hours * 3'600'000);
  PG_ASSIGN_OR_RETURN(plans_, DrawDrivers(city_, p_.demand, seed_));
  const double run_minutes =
      p_.warmup_minutes + p_.demand.window_hours * 60 + (p_.give_up_ms + 30 * 60'000) / 60'000.0;
  background_ = CalibrateBackground(city_, plans_, p_.demand, seed_, run_minutes);
  const size_t n = city_.facilities.size();
  occupied_.assign(n, 0);
  for (size_t f = 0; f < n; ++f) {
    bg_arrive_rng_.emplace_back(seed_, "bg-arrive", f);
    bg_stay_rng_.emplace_back(seed_, "bg-stay", f);
    Rng init(seed_, "bg-init", f);
    const int c = city_.facilities[f].capacity;
    const int cars = std::min(c, background_[f].initial_cars);
    occupied_[f] = cars;
    for (int i = 0; i < cars; ++i) {
      const double rest = ResidualStayMinutes(init, p_.demand.stay_limit_minutes);
      Push(static_cast<int64_t>(rest * 60'000), EventKind::kBgLeave, static_cast<int>(f));
    }
    if (background_[f].max_arrivals_per_min > 0) {
      Push(static_cast<int64_t>(
               bg_arrive_rng_[f].Exponential(1 / background_[f].max_arrivals_per_min) * 60'000),
           EventKind::kBgArrive, static_cast<int>(f));
    }
  }
  PG_ASSIGN_OR_RETURN(feed_, SensorFeed::Open(city_, clock_, seed_, p_.feed, occupied_, start_));
  std::vector<bool> fed(n);
  for (size_t f = 0; f < n; ++f) fed[f] = feed_->kind(static_cast<int>(f)) != FeedKind::kNone;
  forecaster_ = std::make_unique<HistoryForecaster>(city_, background_, fed);
  if (policy_ == Policy::kSigns) {
    board_ = std::make_unique<SignBoard>(city_, PlanSigns(city_));
    Push(0, EventKind::kSigns, 0);
  }
  drivers_.resize(plans_.size());
  for (size_t d = 0; d < plans_.size(); ++d) {
    Driver& dr = drivers_[d];
    dr.plan = &plans_[d];
    dr.memory.dest = plans_[d].dest;
    dr.memory.known = plans_[d].known;
    Push(window_start_ms_ + plans_[d].depart_ms, EventKind::kDepart, static_cast<int>(d));
  }
  Push(window_start_ms_, EventKind::kSample, 0);
  cruise_.assign(g_.segment_count(), 0);
  return Status::Ok();
}

Status Engine::Run() {
  const int64_t end_ms = window_end_ms_ + p_.give_up_ms + 30 * 60'000;
  while (!queue_.empty() && done_ < static_cast<int>(drivers_.size())) {
    const Event e = queue_.top();
    queue_.pop();
    if (e.at_ms > end_ms) break;
    now_ms_ = e.at_ms;
    PG_RETURN_IF_ERROR(feed_->AdvanceTo(At(e.at_ms)));
    PG_RETURN_IF_ERROR(Handle(e));
  }
  return Status::Ok();
}

Status Engine::Handle(const Event& e) {
  if (e.kind == EventKind::kNodeEnd || e.kind == EventKind::kArrive) {
    Driver& dr = drivers_[e.who];
    if (dr.done || e.leg != dr.leg_id) return Status::Ok();  // a leg replaced by a re-route
  }
  switch (e.kind) {
    case EventKind::kDepart:
      Depart(e.who);
      break;
    case EventKind::kNodeEnd:
      NodeEnd(e.who);
      break;
    case EventKind::kArrive:
      Arrive(e.who);
      break;
    case EventKind::kLeave:
      Leave(e.who);
      break;
    case EventKind::kBgArrive:
      BgArrive(e.who);
      break;
    case EventKind::kBgLeave:
      BgLeave(e.who);
      break;
    case EventKind::kSigns:
      board_->Refresh(*feed_->live().Snapshot(), clock_.Now());
      Push(e.at_ms + p_.sign_refresh_ms, EventKind::kSigns, 0);
      break;
    case EventKind::kSample:
      Sample();
      if (e.at_ms + 60'000 < window_end_ms_) Push(e.at_ms + 60'000, EventKind::kSample, 0);
      break;
  }
  return Status::Ok();
}

void Engine::SetOccupied(int f, int occupied) {
  occupied_[f] = occupied;
  feed_->CountChanged(f, occupied, clock_.Now());
}

// Background arrivals by thinning: candidates at the facility's highest rate, each kept with
// probability rate(now) / highest, so the process follows the rate's 5-minute steps exactly.
void Engine::BgArrive(int f) {
  const Background& b = background_[f];
  Rng& rng = bg_arrive_rng_[f];
  const double stay = DrawStayMinutes(bg_stay_rng_[f], p_.demand.stay_limit_minutes);
  const bool arrives = rng.Uniform() * b.max_arrivals_per_min < b.ArrivalsPerMinAt(now_ms_);
  if (arrives && occupied_[f] < city_.facilities[f].capacity) {  // else lost, or no car
    SetOccupied(f, occupied_[f] + 1);
    Push(now_ms_ + static_cast<int64_t>(stay * 60'000), EventKind::kBgLeave, f);
  }
  Push(now_ms_ + static_cast<int64_t>(rng.Exponential(1 / b.max_arrivals_per_min) * 60'000),
       EventKind::kBgArrive, f);
}

void Engine::BgLeave(int f) { SetOccupied(f, std::max(0, occupied_[f] - 1)); }

void Engine::Leave(int d) {
  const int f = drivers_[d].parked_at;
  SetOccupied(f, std::max(0, occupied_[f] - 1));
}

void Engine::Sample() {
  double occ = 0, cap = 0, full = 0;
  for (size_t f = 0; f < occupied_.size(); ++f) {
    occ += occupied_[f];
    cap += city_.facilities[f].capacity;
    full += occupied_[f] >= city_.facilities[f].capacity ? 1 : 0;
  }
  occ_sum_ += occ / cap;
  full_sum_ += full / static_cast<double>(occupied_.size());
  samples_ += 1;
}

void Engine::Depart(int d) {
  Driver& dr = drivers_[d];
  Choose(d, dr.plan->origin, now_ms_, false);
}

std::vector<GuideOption> Engine::Ask(int d, const LatLon& from, int64_t t) {
  Driver& dr = drivers_[d];
  ++dr.outcome.guidance_queries;
  dr.last_query_ms = t;
  GuideAsk ask;
  ask.origin = from;
  ask.dest = dr.plan->dest;
  ask.stay_minutes = dr.plan->stay_minutes;
  ask.max_walk_m = p_.driver.max_walk_m;
  auto answer = AskGuide(city_, ask, *feed_->live().Snapshot(), feed_->live().rules(), clock_.Now(),
                         forecaster_.get());
  return answer.ok() ? std::move(*answer) : std::vector<GuideOption>();
}

void Engine::Choose(int d, const routing::SnappedPoint& from, int64_t t, bool after_full) {
  Driver& dr = drivers_[d];
  int target = -1;
  if (policy_ == Policy::kGuidance) {
    target = FirstUsable(Ask(d, from.location, now_ms_), dr.memory, now_ms_, p_.driver);
  }
  if (target < 0) {
    target = NextKnownTarget(city_, dr.memory, after_full ? dr.target : -1, now_ms_, p_.driver);
  }
  if (target < 0) {
    dr.outcome.gave_up = true;
    EndDriver(dr);
    return;
  }
  if (after_full && target == dr.target) {
    // The only facility left is the one just found full: circle the block and try it again.
    dr.outcome.cruise_m += p_.circle_m;
    t += p_.circle_ms;
  }
  dr.target = target;
  Head(d, from, t);
}

void Engine::Head(int d, const routing::SnappedPoint& from, int64_t t) {
  Driver& dr = drivers_[d];
  for (int attempt = 0; attempt < 8 && dr.target >= 0; ++attempt) {
    auto route = car_.FindRoute(from, city_.facilities[dr.target].car);
    if (route.ok()) {
      dr.leg = MakeLeg(g_, *route, t);
      ++dr.leg_id;
      const bool last = dr.leg.nodes.size() == 1;
      Push(dr.leg.end_ms[0], last ? EventKind::kArrive : EventKind::kNodeEnd, d, dr.leg_id);
      return;
    }
    // Unreachable from here (a destination-only stretch): treated as unusable for a while.
    dr.memory.full_seen_ms[dr.target] = now_ms_;
    dr.target = NextKnownTarget(city_, dr.memory, dr.target, now_ms_, p_.driver);
  }
  dr.outcome.gave_up = true;
  EndDriver(dr);
}

routing::SnappedPoint Engine::NodeEndPoint(uint32_t node) const {
  return city_.network->PointOnSegment(graph::Mode::kCar, g_.SegmentOf(node),
                                       g_.IsReversed(node) ? 0.0 : 1.0);
}

void Engine::Drive(Driver& dr, size_t k) {
  if (dr.search_start_ms < 0) return;
  const double m = dr.leg.len_dm[k] / 10.0;
  dr.outcome.cruise_m += m;
  cruise_[g_.SegmentOf(dr.leg.nodes[k])] += static_cast<float>(m);
}

bool Engine::GiveUpIfLong(int d, int64_t t) {
  Driver& dr = drivers_[d];
  if (dr.search_start_ms < 0 || t - dr.search_start_ms <= p_.give_up_ms) return false;
  dr.outcome.gave_up = true;
  EndDriver(dr);
  return true;
}

void Engine::NodeEnd(int d) {
  Driver& dr = drivers_[d];
  const size_t k = dr.leg.next;
  const uint32_t node = dr.leg.nodes[k];
  const routing::SnappedPoint here = NodeEndPoint(node);
  if (dr.search_start_ms < 0 &&
      HaversineMeters(here.location, dr.plan->dest) <= p_.search_radius_m) {
    StartSearch(dr, now_ms_);
  }
  Drive(dr, k);
  if (GiveUpIfLong(d, now_ms_)) return;
  int target = dr.target;
  // One change of mind per instant: a new leg starts where the driver stands (its first node has
  // no length), so deciding again at once could undo the change forever in zero time.
  const bool moved = dr.last_switch_ms != now_ms_;
  if (policy_ == Policy::kSigns && moved) {
    for (int s : board_->SignsOn(g_.SegmentOf(dr.leg.nodes[k + 1]))) {
      target = ReadSign(city_, board_->sign(s), board_->content(s), dr.memory, target, now_ms_,
                        p_.driver);
    }
  } else if (policy_ == Policy::kGuidance && moved &&
             now_ms_ - dr.last_query_ms >= p_.driver.requery_ms) {
    target = GuidanceSwitch(Ask(d, here.location, now_ms_), target, dr.memory, now_ms_, p_.driver);
  }
  if (target != dr.target && target >= 0) {
    ++dr.outcome.switches;
    dr.last_switch_ms = now_ms_;
    dr.target = target;
    Head(d, here, now_ms_);
    return;
  }
  dr.leg.next = k + 1;
  const bool last = k + 2 == dr.leg.nodes.size();
  Push(dr.leg.end_ms[k + 1], last ? EventKind::kArrive : EventKind::kNodeEnd, d, dr.leg_id);
}

void Engine::Arrive(int d) {
  Driver& dr = drivers_[d];
  Drive(dr, dr.leg.nodes.size() - 1);
  StartSearch(dr, now_ms_);
  const int f = dr.target;
  const SimFacility& fac = city_.facilities[f];
  ++dr.outcome.facilities_tried;
  if (occupied_[f] < fac.capacity) {
    SetOccupied(f, occupied_[f] + 1);
    dr.parked_at = f;
    dr.outcome.parked = true;
    dr.outcome.search_s = (now_ms_ - dr.search_start_ms) / 1000.0;
    dr.outcome.walk_m = foot_.Cost(fac.foot, dr.plan->dest_foot).distance_m();
    Push(now_ms_ + static_cast<int64_t>(dr.plan->stay_minutes * 60'000), EventKind::kLeave, d);
    EndDriver(dr);
    return;
  }
  dr.outcome.full_on_arrival = true;
  dr.memory.full_seen_ms[f] = now_ms_;
  if (GiveUpIfLong(d, now_ms_)) return;
  Choose(d, fac.car, now_ms_ + (fac.on_street ? 0 : p_.full_check_ms), true);
}

RunResult Engine::Finish() {
  RunResult r;
  r.policy = policy_;
  r.seed = seed_;
  for (Driver& dr : drivers_) {
    DriverOutcome o = dr.outcome;
    o.searched = dr.search_start_ms >= 0;
    if (!o.parked && o.searched) {
      o.gave_up = true;  // still searching when the run ended: censored like a give-up
    }
    if (o.gave_up && o.searched) o.search_s = p_.give_up_ms / 1000.0;
    r.drivers.push_back(o);
  }
  r.cruise_m_by_segment = std::move(cruise_);
  r.occupancy_mean = samples_ > 0 ? occ_sum_ / samples_ : 0;
  r.full_time_share = samples_ > 0 ? full_sum_ / samples_ : 0;
  r.facilities = static_cast<int>(city_.facilities.size());
  for (FeedKind k : feed_->kinds()) r.facilities_fed += k != FeedKind::kNone ? 1 : 0;
  if (board_) {
    r.signs = static_cast<int>(board_->plan().signs.size());
    r.signs_generated = board_->plan().generated;
  }
  r.feed = feed_->stats();
  return r;
}

}  // namespace

Result<RunResult> RunSimulation(const SimCity& city, Policy policy, uint64_t seed,
                                const SimulationParams& params) {
  const auto wall = std::chrono::steady_clock::now();
  Engine engine(city, policy, seed, params);
  PG_RETURN_IF_ERROR(engine.Init());
  PG_RETURN_IF_ERROR(engine.Run());
  RunResult r = engine.Finish();
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall).count();
  return r;
}

}  // namespace pg::simulation

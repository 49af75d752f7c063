// SignBoard: the guidance signs drivers pass — the registry's own, or, for a city that has none
// (every city imported from OSM), a plausible generated plan — and what each shows, evaluated by
// the real rule (signs::EvaluateSign) over the live state every `refresh` seconds.
//
// The generated plan (docs/simulation.md "Signs"):
//   level 3  one at the approach of every public off-street facility: on the car segment its
//            entrance snaps to, one line for that facility;
//   level 2  per cluster of facilities (greedy, by capacity: every facility within 400 m of a
//            cluster's largest), when it has two or more: on arterials around it — per compass
//            quadrant the fastest car segment whose midpoint lies 200–700 m from the cluster's
//            centre, at least 40 km/h or else the fastest there — lines for its four largest
//            facilities;
//   level 1  at the area's gateways: per 45° sector around the capacity-weighted centre of all
//            facilities, the fastest car segment between half the facilities' greatest distance
//            from it plus 500 m and that distance plus 500 m; a group line for each of the four
//            largest clusters (their free spaces summed).
// A driver sees a sign on entering either direction of the car segment it stands on (the
// registry's signs: the car segment nearest them within 50 m; farther ones are left out).
//
// Thread-safety: one thread uses a board.
#pragma once

#include <string>
#include <vector>

#include "core/time.h"
#include "signs/content.h"
#include "signs/evaluate.h"
#include "simulation/sim_city.h"
#include "state/live_state.h"

namespace pg::simulation {

struct SignPlan {
  std::vector<model::Sign> signs;
  std::vector<uint32_t> segments;  // the car segment each sign is seen on
  bool generated = false;
  int left_out = 0;  // registry signs with no car segment within 50 m
};

// The registry's signs when it has any, else the generated plan.
SignPlan PlanSigns(const SimCity& city);
// The generated plan alone (tests).
SignPlan GenerateSignPlan(const SimCity& city);

class SignBoard {
 public:
  SignBoard(const SimCity& city, SignPlan plan);

  // Evaluates every sign over `snapshot` at `now`, keeping each sign's hysteresis memory.
  void Refresh(const state::LiveSnapshot& snapshot, Timestamp now);

  // Indices of the signs seen on car segment `segment`.
  const std::vector<int>& SignsOn(uint32_t segment) const;
  const model::Sign& sign(int i) const { return plan_.signs[i]; }
  const signs::SignContent& content(int i) const { return contents_[i]; }
  const SignPlan& plan() const { return plan_; }

 private:
  const SimCity& city_;
  SignPlan plan_;
  std::vector<signs::SignMemory> memory_;
  std::vector<signs::SignContent> contents_;
  std::unordered_map<uint32_t, std::vector<int>> by_segment_;
  std::vector<int> none_;
};

}  // namespace pg::simulation

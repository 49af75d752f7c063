#include "graph_build/graph_builder.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numbers>
#include <unordered_map>
#include <utility>

#include "graph/segment_index.h"

namespace pg::graph {
namespace {

constexpr uint32_t kNone = UINT32_MAX;
constexpr double kDegToRad = std::numbers::pi / 180.0;

using osm::RoadExtract;
using osm::RoadWay;

bool Usable(const RoadWay& way, Mode mode) {
  return mode == Mode::kCar ? way.car.usable() : way.foot.allowed;
}

struct Segment {
  uint32_t way = 0;    // index into extract.ways
  uint32_t first = 0;  // position of its first node in the way
  uint32_t last = 0;   // position of its last node
  uint32_t tail = 0;   // junction at `first`
  uint32_t head = 0;   // junction at `last`
  double length_m = 0;
};

// One usable direction of a segment: a search node of the base (single-layer) graph. For the
// foot graph, junctions are search nodes too (segment == kNone, weight 0): see MakeTurns.
struct Arc {
  uint32_t segment = 0;
  bool reversed = false;
  uint32_t tail = 0;  // junctions
  uint32_t head = 0;
  uint32_t weight_ms = 0;
  uint32_t length_dm = 0;
  bool restricted = false;  // restricted access this way (destination, private…)
};

struct Turn {
  uint32_t from = 0;  // arcs (later: search nodes)
  uint32_t to = 0;
  uint32_t penalty_ms = 0;
  bool restricted = false;  // through a restricted passage (a private gate)
};

// Strongly connected components of a graph given as adjacency arrays (arcs out of node v are
// head[first[v] .. first[v+1])).
struct Components {
  std::vector<uint32_t> of;    // node → component
  std::vector<uint32_t> size;  // component → node count
  // The component with the most nodes (the first of equals); kNone when there is none.
  uint32_t Largest() const {
    uint32_t largest = kNone;
    for (uint32_t c = 0; c < size.size(); ++c) {
      if (largest == kNone || size[c] > size[largest]) largest = c;
    }
    return largest;
  }
};

// Iterative Tarjan.
Components StronglyConnected(const std::vector<uint32_t>& first,
                             const std::vector<uint32_t>& head) {
  const uint32_t n = static_cast<uint32_t>(first.size() - 1);
  Components out;
  out.of.assign(n, kNone);
  std::vector<uint32_t> index(n, kNone), low(n, 0);
  std::vector<uint8_t> on_stack(n, 0);
  std::vector<uint32_t> stack;
  std::vector<std::pair<uint32_t, uint32_t>> calls;  // (node, next arc position)
  uint32_t counter = 0;
  auto open = [&](uint32_t v) {
    index[v] = low[v] = counter++;
    stack.push_back(v);
    on_stack[v] = 1;
    calls.emplace_back(v, first[v]);
  };
  for (uint32_t s = 0; s < n; ++s) {
    if (index[s] != kNone) continue;
    open(s);
    while (!calls.empty()) {
      auto& [v, pos] = calls.back();
      if (pos < first[v + 1]) {
        const uint32_t w = head[pos++];
        if (index[w] == kNone) {
          open(w);
        } else if (on_stack[w]) {
          low[v] = std::min(low[v], index[w]);
        }
        continue;
      }
      const uint32_t done = v;
      calls.pop_back();
      if (!calls.empty()) {
        const uint32_t parent = calls.back().first;
        low[parent] = std::min(low[parent], low[done]);
      }
      if (low[done] != index[done]) continue;
      const uint32_t component = static_cast<uint32_t>(out.size.size());
      uint32_t size = 0;
      uint32_t w = kNone;
      do {
        w = stack.back();
        stack.pop_back();
        on_stack[w] = 0;
        out.of[w] = component;
        ++size;
      } while (w != done);
      out.size.push_back(size);
    }
  }
  return out;
}

// The components of the turn graph over `n` arcs, with the turns `use` accepts.
template <typename Use>
Components TurnComponents(uint32_t n, const std::vector<Turn>& turns, Use&& use) {
  std::vector<uint32_t> first(n + 1, 0);
  for (const Turn& t : turns) {
    if (use(t)) ++first[t.from + 1];
  }
  for (uint32_t i = 0; i < n; ++i) first[i + 1] += first[i];
  std::vector<uint32_t> head(first[n]);
  std::vector<uint32_t> fill(first.begin(), first.end() - 1);
  for (const Turn& t : turns) {
    if (use(t)) head[fill[t.from]++] = t.to;
  }
  return StronglyConnected(first, head);
}

// What restrictions say about the turns out of one arc.
struct ArcRule {
  bool has_only = false;
  std::vector<uint32_t> only;       // allowed arcs when has_only
  std::vector<uint32_t> forbidden;  // never allowed
};

double BearingDeg(const LatLon& a, const LatLon& b) {
  const double kx = std::cos((a.lat + b.lat) / 2 * kDegToRad);
  return std::atan2((b.lon - a.lon) * kx, b.lat - a.lat) / kDegToRad;
}

double NormalizeDeg(double d) {
  while (d > 180) d -= 360;
  while (d <= -180) d += 360;
  return d;
}

class ModeBuilder {
 public:
  ModeBuilder(const RoadExtract& extract, Mode mode, const BuildOptions& options,
              ModeBuildStats& stats)
      : x_(extract), mode_(mode), options_(options), stats_(stats) {}

  ModeGraph Build() {
    FindJunctions();
    CutSegments();
    MakeArcs();
    IndexArcsAtJunctions();
    if (mode_ == Mode::kCar) ApplyRestrictions();
    MakeTurns();
    KeepLargestComponent();
    FindOpenCore();
    MakeSearchNodes();
    return Contract();
  }

 private:
  LatLon PointOf(uint32_t way, uint32_t position) const {
    return x_.node_locations[x_.ways[way].nodes[position]];
  }

  void FindJunctions() {
    std::vector<uint8_t> count(x_.node_ids.size(), 0);
    std::vector<uint8_t> junction(x_.node_ids.size(), 0);
    for (const RoadWay& way : x_.ways) {
      if (!Usable(way, mode_)) continue;
      ++stats_.ways;
      junction[way.nodes.front()] = 1;
      junction[way.nodes.back()] = 1;
      for (uint32_t n : way.nodes) {
        if (count[n] < 2) ++count[n];
      }
    }
    if (mode_ == Mode::kCar) {
      for (const osm::TurnRestriction& r : x_.restrictions) {
        if (!r.via_node) continue;
        auto it = std::lower_bound(x_.node_ids.begin(), x_.node_ids.end(), *r.via_node);
        if (it != x_.node_ids.end() && *it == *r.via_node) {
          junction[static_cast<size_t>(it - x_.node_ids.begin())] = 1;
        }
      }
    }
    junction_of_node_.assign(x_.node_ids.size(), kNone);
    for (size_t n = 0; n < x_.node_ids.size(); ++n) {
      if (count[n] == 0) continue;  // not on this mode's ways
      const bool barrier = mode_ == Mode::kCar &&
                           (x_.node_flags[n] & (osm::kCarBarrier | osm::kRestrictedPassage)) != 0;
      if (junction[n] || count[n] >= 2 || barrier) {
        junction_of_node_[n] = static_cast<uint32_t>(junction_node_.size());
        junction_node_.push_back(static_cast<uint32_t>(n));
      }
    }
    stats_.junctions = static_cast<uint32_t>(junction_node_.size());
  }

  void CutSegments() {
    for (uint32_t w = 0; w < x_.ways.size(); ++w) {
      const RoadWay& way = x_.ways[w];
      if (!Usable(way, mode_)) continue;
      uint32_t start = 0;
      double length = 0;
      for (uint32_t i = 1; i < way.nodes.size(); ++i) {
        length += HaversineMeters(PointOf(w, i - 1), PointOf(w, i));
        const uint32_t j = junction_of_node_[way.nodes[i]];
        if (j == kNone) continue;
        segments_.push_back({w, start, i, junction_of_node_[way.nodes[start]], j, length});
        start = i;
        length = 0;
      }
    }
  }

  uint32_t SignalsPassed(const Segment& s, bool reversed) const {
    if (mode_ != Mode::kCar) return 0;
    // A signal counts for the nodes a direction passes or ends at, not the one it starts from.
    uint32_t count = 0;
    const auto& nodes = x_.ways[s.way].nodes;
    for (uint32_t i = s.first; i <= s.last; ++i) {
      if (i == (reversed ? s.last : s.first)) continue;
      if (x_.node_flags[nodes[i]] & osm::kTrafficSignals) ++count;
    }
    return count;
  }

  void MakeArcs() {
    for (uint32_t s = 0; s < segments_.size(); ++s) {
      const Segment& seg = segments_[s];
      const RoadWay& way = x_.ways[seg.way];
      const uint32_t length_dm = static_cast<uint32_t>(std::lround(seg.length_m * 10));
      auto add = [&](bool reversed, double speed_kmh) {
        const double ms = seg.length_m / (speed_kmh / 3.6) * 1000;
        Arc arc;
        arc.segment = s;
        arc.reversed = reversed;
        arc.tail = reversed ? seg.head : seg.tail;
        arc.head = reversed ? seg.tail : seg.head;
        arc.weight_ms = std::max<uint32_t>(1, static_cast<uint32_t>(std::lround(ms))) +
                        SignalsPassed(seg, reversed) * kTrafficSignalPenaltyMs;
        arc.length_dm = length_dm;
        arc.restricted = mode_ == Mode::kCar &&
                         (reversed ? way.car.backward_restricted : way.car.forward_restricted);
        arcs_.push_back(arc);
      };
      if (mode_ == Mode::kCar) {
        if (way.car.forward) add(false, way.car.forward_speed_kmh);
        if (way.car.backward) add(true, way.car.backward_speed_kmh);
      } else {
        add(false, way.foot.speed_kmh);
        add(true, way.foot.speed_kmh);
      }
    }
  }

  void IndexArcsAtJunctions() {
    const size_t j = junction_node_.size();
    in_first_.assign(j + 1, 0);
    out_first_.assign(j + 1, 0);
    for (const Arc& a : arcs_) {
      ++in_first_[a.head + 1];
      ++out_first_[a.tail + 1];
    }
    for (size_t i = 0; i < j; ++i) {
      in_first_[i + 1] += in_first_[i];
      out_first_[i + 1] += out_first_[i];
    }
    in_arcs_.resize(arcs_.size());
    out_arcs_.resize(arcs_.size());
    std::vector<uint32_t> in_fill(in_first_.begin(), in_first_.end() - 1);
    std::vector<uint32_t> out_fill(out_first_.begin(), out_first_.end() - 1);
    for (uint32_t a = 0; a < arcs_.size(); ++a) {
      in_arcs_[in_fill[arcs_[a].head]++] = a;
      out_arcs_[out_fill[arcs_[a].tail]++] = a;
    }
    // Distinct segments meeting at each junction: more than two makes it an intersection.
    segments_at_.assign(j, 0);
    for (const Segment& seg : segments_) {
      ++segments_at_[seg.tail];
      if (seg.head != seg.tail) ++segments_at_[seg.head];
    }
  }

  // The direction of an arc where it ends (`at_end`) or where it starts, as a compass bearing;
  // repeated points are skipped.
  double ArcBearing(const Arc& a, bool at_end) const {
    const Segment& s = segments_[a.segment];
    // Walk inwards from the end of the arc we look at until the point differs.
    const bool from_last = a.reversed != at_end;  // the segment point the direction touches
    const uint32_t anchor = from_last ? s.last : s.first;
    const LatLon p = PointOf(s.way, anchor);
    for (uint32_t k = 1; k <= s.last - s.first; ++k) {
      const uint32_t other = from_last ? s.last - k : s.first + k;
      const LatLon q = PointOf(s.way, other);
      if (q == p) continue;
      // Bearing in the arc's direction of travel.
      return at_end ? BearingDeg(q, p) : BearingDeg(p, q);
    }
    return 0;
  }

  double TurnAngle(uint32_t from, uint32_t to) const {
    return NormalizeDeg(ArcBearing(arcs_[to], false) - ArcBearing(arcs_[from], true));
  }

  bool IsUTurn(uint32_t from, uint32_t to) const {
    return arcs_[from].segment == arcs_[to].segment && arcs_[from].reversed != arcs_[to].reversed;
  }

  void ApplyRestrictions() {
    std::unordered_map<int64_t, std::vector<uint32_t>> segments_of_way;
    for (uint32_t s = 0; s < segments_.size(); ++s) {
      segments_of_way[x_.ways[segments_[s].way].id].push_back(s);
    }
    // Arcs of way `way_id` that end (into) or start (!into) at junction j.
    auto arcs_at = [&](int64_t way_id, uint32_t j, bool into) {
      std::vector<uint32_t> found;
      auto it = segments_of_way.find(way_id);
      if (it == segments_of_way.end()) return found;
      const auto& list = into ? in_arcs_ : out_arcs_;
      const auto& first = into ? in_first_ : out_first_;
      for (uint32_t i = first[j]; i < first[j + 1]; ++i) {
        const uint32_t a = list[i];
        if (std::find(it->second.begin(), it->second.end(), arcs_[a].segment) != it->second.end()) {
          found.push_back(a);
        }
      }
      return found;
    };
    for (const osm::TurnRestriction& r : x_.restrictions) {
      if (!r.via_ways.empty()) {
        ++stats_.restrictions_via_way;
        continue;
      }
      auto it = std::lower_bound(x_.node_ids.begin(), x_.node_ids.end(), *r.via_node);
      const uint32_t j = it != x_.node_ids.end() && *it == *r.via_node
                             ? junction_of_node_[static_cast<size_t>(it - x_.node_ids.begin())]
                             : kNone;
      bool members_known = j != kNone;
      for (int64_t w : r.from_ways) members_known = members_known && segments_of_way.contains(w);
      for (int64_t w : r.to_ways) members_known = members_known && segments_of_way.contains(w);
      if (!members_known) {
        ++stats_.restrictions_not_on_network;
        continue;
      }
      std::vector<std::pair<uint32_t, uint32_t>> pairs;  // (from arc, to arc)
      bool touches = true;
      for (int64_t from_way : r.from_ways) {
        for (int64_t to_way : r.to_ways) {
          const auto from = arcs_at(from_way, j, true);
          const auto to = arcs_at(to_way, j, false);
          if (from.empty() || to.empty()) {
            touches = false;
            continue;
          }
          if (r.direction == osm::TurnDirection::kAny) {
            for (uint32_t f : from) {
              for (uint32_t t : to) pairs.emplace_back(f, t);
            }
            continue;
          }
          // A way passing through the via node (or a closed way) offers two arcs: the manoeuvre
          // the restriction names tells which pair it means.
          const double wanted = r.direction == osm::TurnDirection::kLeft    ? -90
                                : r.direction == osm::TurnDirection::kRight ? 90
                                : r.direction == osm::TurnDirection::kUTurn ? 180
                                                                            : 0;
          double best = 1e9;
          std::pair<uint32_t, uint32_t> chosen{kNone, kNone};
          for (uint32_t f : from) {
            for (uint32_t t : to) {
              const double angle = TurnAngle(f, t);
              const double off = r.direction == osm::TurnDirection::kUTurn
                                     ? 180 - std::abs(angle)
                                     : std::abs(NormalizeDeg(angle - wanted));
              if (off < best) {
                best = off;
                chosen = {f, t};
              }
            }
          }
          pairs.push_back(chosen);
        }
      }
      if (!touches || pairs.empty()) {
        ++stats_.restrictions_not_at_via;
        continue;
      }
      for (auto [f, t] : pairs) {
        ArcRule& rule = rules_[f];
        if (r.kind == osm::RestrictionKind::kNo) {
          rule.forbidden.push_back(t);
        } else {
          rule.has_only = true;
          rule.only.push_back(t);
        }
      }
      ++stats_.restrictions_applied;
    }
  }

  bool Allowed(uint32_t from, uint32_t to) const {
    auto it = rules_.find(from);
    if (it == rules_.end()) return true;
    const ArcRule& rule = it->second;
    if (std::find(rule.forbidden.begin(), rule.forbidden.end(), to) != rule.forbidden.end()) {
      return false;
    }
    return !rule.has_only || std::find(rule.only.begin(), rule.only.end(), to) != rule.only.end();
  }

  void MakeTurns() {
    if (mode_ == Mode::kFoot) {
      MakeFootTurns();
      return;
    }
    for (uint32_t j = 0; j < junction_node_.size(); ++j) {
      for (uint32_t i = in_first_[j]; i < in_first_[j + 1]; ++i) MakeCarTurns(j, in_arcs_[i]);
    }
  }

  // The turns out of arc `from` at junction j.
  void MakeCarTurns(uint32_t j, uint32_t from) {
    const uint8_t flags = x_.node_flags[junction_node_[j]];
    const bool barrier = (flags & osm::kCarBarrier) != 0;
    const bool passage = (flags & osm::kRestrictedPassage) != 0;
    const bool intersection = segments_at_[j] > 2;
    const size_t first = turns_.size();
    uint32_t u_turn = kNone;
    bool open_way_on = false;
    for (uint32_t k = out_first_[j]; k < out_first_[j + 1]; ++k) {
      const uint32_t to = out_arcs_[k];
      if (from == to) continue;  // a closed segment back onto itself: no use
      if (IsUTurn(from, to)) {
        if (Allowed(from, to)) u_turn = to;
        continue;
      }
      if (barrier || !Allowed(from, to)) continue;
      const uint32_t penalty = intersection ? TurnPenaltyMs(TurnAngle(from, to)) : 0;
      turns_.push_back({from, to, penalty, passage});
      open_way_on = open_way_on || (!passage && !arcs_[to].restricted);
    }
    // Cars turn round only where they cannot go on: a dead end, a barrier, a junction where
    // every other way is forbidden to them — or, coming along an open road, where only
    // restricted ways (a private road, a private gate) go on.
    const bool any_way_on = turns_.size() > first;
    const bool turn_round = arcs_[from].restricted ? !any_way_on : !open_way_on;
    if (u_turn != kNone && turn_round) {
      turns_.push_back({from, u_turn, TurnPenaltyMs(TurnAngle(from, u_turn)) + kUTurnPenaltyMs});
    }
  }

  // Pedestrians may turn anywhere, for free, U-turns included: the turn graph would connect
  // every way into a junction with every way out (in × out turns). A junction node between
  // them does the same with in + out turns, so the foot graph is in effect node-based, with the
  // same search-node interface: arc → junction costs the arc, junction → arc costs nothing.
  void MakeFootTurns() {
    const uint32_t junctions = static_cast<uint32_t>(junction_node_.size());
    const uint32_t first_hub = static_cast<uint32_t>(arcs_.size());
    for (uint32_t j = 0; j < junctions; ++j) {
      Arc hub;
      hub.segment = kNone;
      hub.tail = hub.head = j;
      arcs_.push_back(hub);
    }
    for (uint32_t j = 0; j < junctions; ++j) {
      for (uint32_t i = in_first_[j]; i < in_first_[j + 1]; ++i) {
        turns_.push_back({in_arcs_[i], first_hub + j, 0});
      }
      for (uint32_t k = out_first_[j]; k < out_first_[j + 1]; ++k) {
        turns_.push_back({first_hub + j, out_arcs_[k], 0});
      }
    }
  }

  void KeepLargestComponent() {
    const uint32_t n = static_cast<uint32_t>(arcs_.size());
    const Components c = TurnComponents(n, turns_, [](const Turn&) { return true; });
    stats_.components = static_cast<uint32_t>(c.size.size());
    const uint32_t largest = c.Largest();
    kept_.assign(n, 0);
    for (uint32_t a = 0; a < n; ++a) kept_[a] = c.of[a] == largest;
  }

  // The open core: the largest strongly connected component of the kept arcs that are not
  // restricted, over turns through no restricted passage — where through traffic may drive.
  // Every other kept arc is *local* (restricted, or reached only through restricted ways).
  void FindOpenCore() {
    const uint32_t n = static_cast<uint32_t>(arcs_.size());
    local_.assign(n, 0);
    if (mode_ != Mode::kCar) return;
    auto open = [&](uint32_t a) { return kept_[a] && !arcs_[a].restricted; };
    const Components c = TurnComponents(
        n, turns_, [&](const Turn& t) { return !t.restricted && open(t.from) && open(t.to); });
    // Components of a single closed-off arc count too; the largest with open arcs is the core.
    uint32_t core = kNone;
    for (uint32_t a = 0; a < n; ++a) {
      if (open(a) && (core == kNone || c.size[c.of[a]] > c.size[core])) core = c.of[a];
    }
    for (uint32_t a = 0; a < n; ++a) {
      if (!kept_[a] || (open(a) && c.of[a] == core)) continue;
      local_[a] = 1;
      if (!arcs_[a].restricted) ++stats_.enclosed_open_directions;
    }
  }

  void MakeSearchNodes() {
    // Segments: those with a kept arc, renumbered in build order.
    new_segment_.assign(segments_.size(), kNone);
    for (uint32_t a = 0; a < arcs_.size(); ++a) {
      if (kept_[a] && arcs_[a].segment != kNone) new_segment_[arcs_[a].segment] = 0;
    }
    uint32_t next = 0;
    for (uint32_t s = 0; s < segments_.size(); ++s) {
      if (new_segment_[s] != kNone) {
        new_segment_[s] = next++;
      } else {
        ++stats_.segments_dropped;
      }
    }
    stats_.segments = next;

    MakeLayers();
  }

  // Search nodes: one per kept arc of the open core, two for local ones (road_graph.h,
  // NodeLayer), and the turns between them: a route drives start-layer copies from its start
  // until it enters the core, core nodes, then end-layer copies to its end — so local arcs are
  // driven only at the ends of a route, and a turn through a restricted passage from core to core
  // (through traffic past a private gate) is left out.
  void MakeLayers() {
    open_node_.assign(arcs_.size(), kNone);
    end_node_.assign(arcs_.size(), kNone);
    for (uint32_t a = 0; a < arcs_.size(); ++a) {
      if (!kept_[a]) continue;
      open_node_[a] = AddNode(a, local_[a] ? NodeLayer::kRestrictedStart : NodeLayer::kOpen);
      if (local_[a]) end_node_[a] = AddNode(a, NodeLayer::kRestrictedEnd);
    }
    for (const Turn& t : turns_) {
      if (!kept_[t.from] || !kept_[t.to]) continue;
      const bool from_local = local_[t.from] != 0;
      const bool to_local = local_[t.to] != 0;
      if (!from_local && !to_local) {
        if (!t.restricted)
          node_turns_.push_back({open_node_[t.from], open_node_[t.to], t.penalty_ms});
      } else if (!from_local) {
        node_turns_.push_back({open_node_[t.from], end_node_[t.to], t.penalty_ms});
      } else if (!to_local) {
        node_turns_.push_back({open_node_[t.from], open_node_[t.to], t.penalty_ms});
      } else {
        node_turns_.push_back({open_node_[t.from], open_node_[t.to], t.penalty_ms});
        node_turns_.push_back({end_node_[t.from], end_node_[t.to], t.penalty_ms});
      }
    }
    stats_.turns = node_turns_.size();
  }

  uint32_t AddNode(uint32_t arc, NodeLayer layer) {
    const uint32_t id = static_cast<uint32_t>(node_arc_.size());
    node_arc_.push_back(arc);
    node_layer_.push_back(layer);
    if (layer != NodeLayer::kOpen) ++stats_.restricted_nodes;
    return id;
  }

  ModeGraph Contract() {
    const uint32_t n = static_cast<uint32_t>(node_arc_.size());
    stats_.search_nodes = n;
    std::vector<WeightedArc> input;
    input.reserve(node_turns_.size());
    for (const Turn& t : node_turns_) {
      const Arc& from = arcs_[node_arc_[t.from]];
      input.push_back({t.from, t.to, from.weight_ms + t.penalty_ms, from.length_dm});
    }
    const auto start = std::chrono::steady_clock::now();
    ContractionOptions contraction = options_.contraction;
    contraction.stage = fmt::format("contract {} graph", ModeName(mode_));
    ContractionHierarchy ch = ContractGraph(n, input, contraction);
    stats_.contraction_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    stats_.shortcuts = ch.shortcuts;
    stats_.up_arcs = ch.up.other.size();
    stats_.down_arcs = ch.down.other.size();

    ModeGraph g;
    g.mode = mode_;
    // Search nodes, in rank order.
    g.node_segment.resize(n);
    g.node_weight_ms.resize(n);
    g.node_length_dm.resize(n);
    g.node_layer.resize(n);
    for (uint32_t x = 0; x < n; ++x) {
      const uint32_t r = ch.rank[x];
      const Arc& a = arcs_[node_arc_[x]];
      g.node_segment[r] = a.segment == kNone
                              ? kJunctionNode
                              : new_segment_[a.segment] << 1 | (a.reversed ? 1u : 0u);
      g.node_weight_ms[r] = a.weight_ms;
      g.node_length_dm[r] = a.length_dm;
      g.node_layer[r] = static_cast<uint8_t>(node_layer_[x]);
    }
    // Turns, by ranked tail then head.
    std::vector<Turn> ranked;
    ranked.reserve(node_turns_.size());
    for (const Turn& t : node_turns_)
      ranked.push_back({ch.rank[t.from], ch.rank[t.to], t.penalty_ms});
    std::sort(ranked.begin(), ranked.end(), [](const Turn& a, const Turn& b) {
      return a.from != b.from ? a.from < b.from : a.to < b.to;
    });
    g.turn_first_out.assign(n + 1, 0);
    for (const Turn& t : ranked) ++g.turn_first_out[t.from + 1];
    for (uint32_t i = 0; i < n; ++i) g.turn_first_out[i + 1] += g.turn_first_out[i];
    for (const Turn& t : ranked) {
      g.turn_head.push_back(t.to);
      g.turn_penalty_ms.push_back(t.penalty_ms);
    }
    g.up_first_out = std::move(ch.up.first_out);
    g.up_head = std::move(ch.up.other);
    g.up_weight_ms = std::move(ch.up.weight);
    g.up_length_dm = std::move(ch.up.length);
    g.up_middle = std::move(ch.up.middle);
    g.down_first_out = std::move(ch.down.first_out);
    g.down_tail = std::move(ch.down.other);
    g.down_weight_ms = std::move(ch.down.weight);
    g.down_length_dm = std::move(ch.down.length);
    g.down_middle = std::move(ch.down.middle);

    // Segments and geometry.
    g.segment_nodes.resize(stats_.segments);
    g.segment_way_id.resize(stats_.segments);
    g.segment_length_dm.resize(stats_.segments);
    g.segment_first_point.assign(stats_.segments + 1, 0);
    for (uint32_t s = 0; s < segments_.size(); ++s) {
      const uint32_t ns = new_segment_[s];
      if (ns == kNone) continue;
      const Segment& seg = segments_[s];
      g.segment_way_id[ns] = x_.ways[seg.way].id;
      g.segment_length_dm[ns] = static_cast<uint32_t>(std::lround(seg.length_m * 10));
      g.segment_first_point[ns] = static_cast<uint32_t>(g.points.size());
      for (uint32_t i = seg.first; i <= seg.last; ++i) {
        g.points.push_back(FixedPoint::From(PointOf(seg.way, i)));
      }
    }
    g.segment_first_point[stats_.segments] = static_cast<uint32_t>(g.points.size());
    for (uint32_t a = 0; a < arcs_.size(); ++a) {
      if (!kept_[a] || arcs_[a].segment == kNone) continue;
      SegmentNodes& sn = g.segment_nodes[new_segment_[arcs_[a].segment]];
      const uint32_t open = ch.rank[open_node_[a]];
      const uint32_t end = end_node_[a] == kNone ? kNoNode : ch.rank[end_node_[a]];
      if (arcs_[a].reversed) {
        sn.backward = open;
        sn.backward_end = end;
      } else {
        sn.forward = open;
        sn.forward_end = end;
      }
    }
    BuildSegmentGrid(g, options_.grid_cell_m);
    return g;
  }

  const RoadExtract& x_;
  const Mode mode_;
  const BuildOptions& options_;
  ModeBuildStats& stats_;

  std::vector<uint32_t> junction_of_node_;  // extract node → junction, kNone when not one
  std::vector<uint32_t> junction_node_;     // junction → extract node
  std::vector<Segment> segments_;
  std::vector<Arc> arcs_;
  std::vector<uint32_t> in_first_, in_arcs_, out_first_, out_arcs_;  // arcs by junction
  std::vector<uint32_t> segments_at_;
  std::unordered_map<uint32_t, ArcRule> rules_;
  std::vector<Turn> turns_;     // between arcs
  std::vector<uint8_t> kept_;   // arc in the largest component
  std::vector<uint8_t> local_;  // kept arc outside the open core (FindOpenCore)
  std::vector<uint32_t> new_segment_;
  std::vector<uint32_t> open_node_, end_node_;  // arc → search node(s)
  std::vector<uint32_t> node_arc_;
  std::vector<NodeLayer> node_layer_;
  std::vector<Turn> node_turns_;  // between search nodes
};

}  // namespace

uint32_t TurnPenaltyMs(double angle) {
  double ms = 0;
  if (angle >= 0) {
    ms = kTurnPenaltyMs / (1 + std::exp(-((13 / kTurnBias) * angle / 180 - 6.5 * kTurnBias)));
  } else {
    ms = kTurnPenaltyMs / (1 + std::exp(-((13 * kTurnBias) * -angle / 180 - 6.5 / kTurnBias)));
  }
  return static_cast<uint32_t>(std::lround(ms));
}

ModeGraph BuildModeGraph(const osm::RoadExtract& extract, Mode mode, const BuildOptions& options,
                         ModeBuildStats* stats) {
  ModeBuildStats local;
  ModeBuildStats& s = stats != nullptr ? *stats : local;
  const auto start = std::chrono::steady_clock::now();
  ModeBuilder builder(extract, mode, options, s);
  ModeGraph g = builder.Build();
  s.total_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return g;
}

RoadGraphs BuildRoadGraphs(const osm::RoadExtract& extract, const BuildOptions& options) {
  RoadGraphs graphs;
  graphs.car = BuildModeGraph(extract, Mode::kCar, options, &graphs.car_stats);
  graphs.foot = BuildModeGraph(extract, Mode::kFoot, options, &graphs.foot_stats);
  return graphs;
}

}  // namespace pg::graph

// routingkit_compare: parkguide's contraction hierarchy and RoutingKit's, side by side in one
// process, on one OSM extract and the same queries (docs/benchmarks.md, "RoutingKit, side by
// side"). Built only when PG_ROUTINGKIT_DIR names a RoutingKit tree built outside the repository;
// bench/routingkit_compare.sh builds that and runs this.
//
//   build/bench/bench/routingkit_compare --osm EXTRACT.osm.pbf [--repetitions 5]
//
// Three engines, each answering the same queries:
//   - parkguide: our car graph as `parkguide build-roads` builds it (edge-based: a search node per
//     usable direction of a segment between junctions, an edge per allowed turn with its cost,
//     turn restrictions applied), queried with RouteQuery as the server queries it;
//   - RoutingKit on our graph: RoutingKit's contraction hierarchy built over the same turn graph
//     and weights, queried from the same seeds (routing/route.h) — the same question, so the
//     same answers to the millisecond; this isolates the query engines from the graph models;
//   - RoutingKit on its own graph: simple_load_osm_car_routing_graph_from_pbf (node-based: a node
//     per junction, an arc per direction of a way piece; it reads turn restrictions but its
//     contraction hierarchy does not use them; no turn costs), its own speeds.
// Each graph keeps its largest strongly connected component.
//
// Query places: coordinates drawn with one seed, alternately a random RoutingKit node and a random
// end of one of our car segments, then mapped into each graph: RoutingKit's own graph to its
// nearest node, ours snapped to the nearest point of the nearest segment (RoadNetwork::Snap, as
// the server does). Mapping is not timed. Each query is timed on its own (steady_clock around the
// one call); every repetition runs every engine, the order rotating, and is printed.
#include <routingkit/contraction_hierarchy.h>
#include <routingkit/customizable_contraction_hierarchy.h>
#include <routingkit/geo_position_to_node.h>
#include <routingkit/inverse_vector.h>
#include <routingkit/nested_dissection.h>
#include <routingkit/osm_simple.h>
#include <routingkit/permutation.h>
#include <routingkit/strongly_connected_component.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "graph_build/contraction.h"
#include "graph_build/graph_builder.h"
#include "osm/road_extract.h"
#include "routing/route.h"
#include "routing/route_query.h"

namespace {

using pg::routing::Mode;
using pg::routing::RouteCost;
using pg::routing::SnappedPoint;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
double Micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

// Value at quantile q (0..1) of `v` (sorted here).
double Quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())))];
}

std::string LoadAverage() {
  std::string a, b, c;
  std::ifstream("/proc/loadavg") >> a >> b >> c;
  return a + " " + b + " " + c;
}

// parkguide's car graph, built in memory as `parkguide build-roads` builds it.
struct Ours {
  std::shared_ptr<const pg::routing::RoadNetwork> network;
  pg::graph::ModeBuildStats stats;
  double read_s = 0;
  double build_s = 0;
};

pg::Result<Ours> LoadOurs(const std::string& path) {
  Ours ours;
  const auto t0 = Clock::now();
  PG_ASSIGN_OR_RETURN(pg::osm::RoadExtract extract, pg::osm::ReadRoadExtract(path));
  const auto t1 = Clock::now();
  pg::graph::RoadGraphs graphs;
  graphs.car = pg::graph::BuildModeGraph(extract, Mode::kCar, {}, &ours.stats);
  const auto t2 = Clock::now();
  ours.network = pg::routing::RoadNetwork::FromGraphs(std::move(graphs));
  ours.read_s = Seconds(t1 - t0);
  ours.build_s = Seconds(t2 - t1);
  return ours;
}

// RoutingKit's car graph and contraction hierarchy, and a nearest-node index over the nodes of
// its largest strongly connected component.
struct Theirs {
  RoutingKit::SimpleOSMCarRoutingGraph graph;
  RoutingKit::ContractionHierarchy ch;
  std::vector<unsigned> kept;           // nodes of the largest component
  RoutingKit::GeoPositionToNode index;  // over `kept` (ids index into it)
  double load_s = 0;
  double ch_s = 0;
};

Theirs LoadTheirs(const std::string& path) {
  Theirs theirs;
  const auto t0 = Clock::now();
  theirs.graph = RoutingKit::simple_load_osm_car_routing_graph_from_pbf(path);
  const auto t1 = Clock::now();
  theirs.ch = RoutingKit::ContractionHierarchy::build(
      theirs.graph.node_count(), RoutingKit::invert_inverse_vector(theirs.graph.first_out),
      theirs.graph.head, theirs.graph.travel_time);
  const auto t2 = Clock::now();
  const std::vector<bool> largest = RoutingKit::compute_largest_strongly_connected_component(
      theirs.graph.first_out, theirs.graph.head);
  std::vector<float> lat, lon;
  for (unsigned x = 0; x < theirs.graph.node_count(); ++x) {
    if (!largest[x]) continue;
    theirs.kept.push_back(x);
    lat.push_back(theirs.graph.latitude[x]);
    lon.push_back(theirs.graph.longitude[x]);
  }
  theirs.index = RoutingKit::GeoPositionToNode(lat, lon);
  theirs.load_s = Seconds(t1 - t0);
  theirs.ch_s = Seconds(t2 - t1);
  return theirs;
}

// RoutingKit's contraction hierarchy over our car turn graph: nodes are our search nodes, an arc
// per turn x→y weighing w(x) + the turn's penalty (our labels are "cost to reach the start of
// x", road_graph.h), so its distances are ours.
struct OnOurGraph {
  RoutingKit::ContractionHierarchy ch;
  double ch_s = 0;
};

OnOurGraph BuildOnOurGraph(const Ours& ours) {
  const pg::graph::ModeGraphView& g = ours.network->View(Mode::kCar);
  std::vector<unsigned> tail, head, weight;
  for (uint32_t x = 0; x < g.node_count(); ++x) {
    for (uint32_t i = g.turn_first_out[x]; i < g.turn_first_out[x + 1]; ++i) {
      tail.push_back(x);
      head.push_back(g.turn_head[i]);
      weight.push_back(g.node_weight_ms[x] + g.turn_penalty_ms[i]);
    }
  }
  OnOurGraph on;
  const auto t0 = Clock::now();
  on.ch = RoutingKit::ContractionHierarchy::build(g.node_count(), tail, head, weight);
  on.ch_s = Seconds(Clock::now() - t0);
  return on;
}

// --build-only: the preprocessing alone, every hierarchy over the same graph, no queries. One
// table row per hierarchy: what it was built over, its time and its arcs up + down.
void PrintBuilds(const std::string& label, const std::string& osm_path, const Ours& ours,
                 const pg::graph::ContractionOptions& options, bool without_turn_costs,
                 bool nested_dissection) {
  const pg::graph::ModeGraphView& g = ours.network->View(Mode::kCar);
  const uint32_t n = g.node_count();
  std::vector<unsigned> tail, head, weight;
  std::vector<pg::graph::WeightedArc> arcs;
  for (uint32_t x = 0; x < n; ++x) {
    for (uint32_t i = g.turn_first_out[x]; i < g.turn_first_out[x + 1]; ++i) {
      tail.push_back(x);
      head.push_back(g.turn_head[i]);
      weight.push_back(g.node_weight_ms[x] + g.turn_penalty_ms[i]);
      arcs.push_back({x, g.turn_head[i], weight.back(), g.node_length_dm[x]});
    }
  }
  // The most upward arcs at one node: the width of the hierarchy's dense top.
  auto widest = [](const auto& first_out) {
    size_t most = 0;
    for (size_t r = 0; r + 1 < first_out.size(); ++r) {
      most = std::max<size_t>(most, first_out[r + 1] - first_out[r]);
    }
    return most;
  };
  auto row = [&](const std::string& engine, const std::string& what, double seconds, size_t up,
                 size_t down, size_t widest_up, uint32_t nodes) {
    fmt::print("| {} | {} | {} | {} | {:.2f} | {} + {} | {:.1f} | {} | {} |\n", label, engine, what,
               nodes, seconds, up, down, static_cast<double>(up + down) / nodes, widest_up,
               LoadAverage());
  };
  fmt::print(
      "| graph | engine | order | search nodes | build s | hierarchy arcs up + down | arcs per "
      "node | most up arcs at a node | load |\n|---|---|---|---|---|---|---|---|---|\n");
  row("parkguide (build-roads)", "greedy, witness limits 500/100", ours.stats.contraction_seconds,
      ours.stats.up_arcs, ours.stats.down_arcs, widest(g.up_first_out), n);
  if (options.witness_settle_limit != pg::graph::ContractionOptions{}.witness_settle_limit ||
      options.priority_settle_limit != pg::graph::ContractionOptions{}.priority_settle_limit) {
    const auto t0 = Clock::now();
    const pg::graph::ContractionHierarchy ch = pg::graph::ContractGraph(n, arcs, options);
    row("parkguide (ContractGraph)",
        fmt::format("greedy, witness limits {}/{}", options.witness_settle_limit,
                    options.priority_settle_limit),
        Seconds(Clock::now() - t0), ch.up.other.size(), ch.down.other.size(),
        widest(ch.up.first_out), n);
  }
  {
    const auto t0 = Clock::now();
    const auto ch = RoutingKit::ContractionHierarchy::build(n, tail, head, weight);
    row("RoutingKit", "greedy, pop limit 500", Seconds(Clock::now() - t0), ch.forward.head.size(),
        ch.backward.head.size(), widest(ch.forward.first_out), n);
  }
  {
    const Theirs theirs = LoadTheirs(osm_path);
    row("RoutingKit on its own node-based graph (no turn costs)", "greedy, pop limit 500",
        theirs.ch_s, theirs.ch.forward.head.size(), theirs.ch.backward.head.size(),
        widest(theirs.ch.forward.first_out), theirs.graph.node_count());
  }
  if (without_turn_costs) {
    // The same turns weighing their segment's time only: how much of the hierarchy the turn
    // costs make (no witness around a block is as cheap as driving straight on).
    std::vector<unsigned> plain(weight.size());
    for (size_t i = 0; i < tail.size(); ++i) plain[i] = g.node_weight_ms[tail[i]];
    const auto t0 = Clock::now();
    const auto ch = RoutingKit::ContractionHierarchy::build(n, tail, head, plain);
    row("RoutingKit, our graph without turn costs", "greedy, pop limit 500",
        Seconds(Clock::now() - t0), ch.forward.head.size(), ch.backward.head.size(),
        widest(ch.forward.first_out), n);
  }
  if (nested_dissection) {
    // Each search node placed at its segment's middle point.
    std::vector<float> lat(n), lon(n);
    for (uint32_t x = 0; x < n; ++x) {
      const auto points = g.SegmentPoints(g.node_segment[x] >> 1);
      const pg::LatLon p = points[points.size() / 2].ToLatLon();
      lat[x] = static_cast<float>(p.lat);
      lon[x] = static_cast<float>(p.lon);
    }
    const auto t0 = Clock::now();
    const std::vector<unsigned> order =
        RoutingKit::compute_nested_node_dissection_order_using_inertial_flow(n, tail, head, lat,
                                                                             lon);
    const auto t1 = Clock::now();
    const auto ch = RoutingKit::ContractionHierarchy::build_given_rank(
        RoutingKit::invert_permutation(order), tail, head, weight);
    row("RoutingKit",
        fmt::format("nested dissection (inertial flow, {:.2f} s of it), then witness searches",
                    Seconds(t1 - t0)),
        Seconds(Clock::now() - t0), ch.forward.head.size(), ch.backward.head.size(),
        widest(ch.forward.first_out), n);
    // The customizable hierarchy over the same order: no witness searches; every arc of the
    // order's chordal supergraph, weighed by one customization (exact answers).
    const auto t2 = Clock::now();
    RoutingKit::CustomizableContractionHierarchy cch(order, tail, head);
    RoutingKit::CustomizableContractionHierarchyMetric metric(cch, weight);
    metric.customize();
    row("RoutingKit CCH", "the same nested dissection (not counted), build + customize",
        Seconds(Clock::now() - t2), cch.cch_arc_count(), cch.cch_arc_count(),
        widest(cch.up_first_out), n);
  }
}

void PrintSizes(const Ours& ours, const OnOurGraph& on, const Theirs& theirs) {
  const pg::graph::ModeGraphView& g = ours.network->View(Mode::kCar);
  const pg::graph::ModeBuildStats& s = ours.stats;
  fmt::print("| car graph | parkguide | RoutingKit on our graph | RoutingKit on its own graph |\n");
  fmt::print("|---|---|---|---|\n");
  fmt::print(
      "| model | edge-based: node = one direction of a segment, edge = a turn | the same "
      "graph and weights | node-based: node = junction, arc = one direction of a way "
      "piece |\n");
  fmt::print(
      "| nodes | {} ({} segments; {} in restricted layers) | {} | {} ({} in the largest "
      "component, the ones queried) |\n",
      g.node_count(), g.segment_count(), s.restricted_nodes, g.node_count(),
      theirs.graph.node_count(), theirs.kept.size());
  fmt::print("| edges | {} turns | {} | {} arcs |\n", g.turn_head.size(), g.turn_head.size(),
             theirs.graph.arc_count());
  fmt::print(
      "| turns | {} restrictions applied; a cost on every turn | the same | {} "
      "restrictions read, not applied by its CH; no turn costs |\n",
      s.restrictions_applied, theirs.graph.forbidden_turn_from_arc.size());
  fmt::print("| hierarchy arcs up + down | {} + {} | {} + {} | {} + {} |\n", g.up_head.size(),
             g.down_tail.size(), on.ch.forward.head.size(), on.ch.backward.head.size(),
             theirs.ch.forward.head.size(), theirs.ch.backward.head.size());
  fmt::print(
      "| build | read OSM {:.2f} s, graph + CH {:.2f} s (CH {:.2f} s) | CH {:.2f} s | "
      "read OSM + graph {:.2f} s, CH {:.2f} s |\n\n",
      ours.read_s, ours.build_s, s.contraction_seconds, on.ch_s, theirs.load_s, theirs.ch_s);
}

// The queries in one engine's terms.
template <typename P>
struct Queries {
  std::vector<P> from, to;              // point-to-point pairs
  std::vector<P> origins;               // one-to-many origins
  std::vector<std::vector<P>> targets;  // new targets, one set per origin
  std::vector<P> fixed;                 // the prepared (pinned) target set
};

struct Place {
  SnappedPoint ours;
  unsigned theirs = 0;  // RoutingKit node
  double ours_snap_m = 0;
  double theirs_snap_m = 0;
};

// Draws a coordinate (a RoutingKit node, or an end of one of our segments) and maps it into both
// graphs; nullopt when either has nothing within `radius_m`.
std::optional<Place> DrawPlace(const Ours& ours, const Theirs& theirs, double radius_m,
                               bool from_theirs, std::mt19937_64& rng) {
  pg::LatLon p;
  if (from_theirs) {
    const unsigned x = theirs.kept[rng() % theirs.kept.size()];
    p = {theirs.graph.latitude[x], theirs.graph.longitude[x]};
  } else {
    const pg::graph::ModeGraphView& g = ours.network->View(Mode::kCar);
    const auto points = g.SegmentPoints(static_cast<uint32_t>(rng() % g.segment_count()));
    p = (rng() % 2 == 0 ? points.front() : points.back()).ToLatLon();
  }
  const auto nearest = theirs.index.find_nearest_neighbor_within_radius(
      static_cast<float>(p.lat), static_cast<float>(p.lon), static_cast<float>(radius_m));
  auto snapped = ours.network->Snap(Mode::kCar, p, radius_m);
  if (nearest.id == RoutingKit::invalid_id || !snapped.ok()) return std::nullopt;
  return Place{*snapped, theirs.kept[nearest.id], snapped->snap_distance_m, nearest.distance};
}

struct Workload {
  Queries<SnappedPoint> ours;  // parkguide and RoutingKit on our graph
  Queries<unsigned> theirs;    // RoutingKit on its own graph
  size_t rejected = 0;
  std::vector<double> ours_snap_m, theirs_snap_m;
};

Workload MakeWorkload(const Ours& ours, const Theirs& theirs, size_t pairs, size_t queries,
                      size_t targets, double radius_m, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Workload w;
  size_t drawn = 0;
  auto add = [&](std::vector<SnappedPoint>& a, std::vector<unsigned>& b) {
    while (true) {
      if (auto place = DrawPlace(ours, theirs, radius_m, drawn++ % 2 == 0, rng)) {
        w.ours_snap_m.push_back(place->ours_snap_m);
        w.theirs_snap_m.push_back(place->theirs_snap_m);
        a.push_back(place->ours);
        b.push_back(place->theirs);
        return;
      }
      ++w.rejected;
    }
  };
  for (size_t i = 0; i < pairs; ++i) {
    add(w.ours.from, w.theirs.from);
    add(w.ours.to, w.theirs.to);
  }
  for (size_t i = 0; i < queries; ++i) {
    add(w.ours.origins, w.theirs.origins);
    w.ours.targets.emplace_back();
    w.theirs.targets.emplace_back();
    for (size_t t = 0; t < targets; ++t) add(w.ours.targets.back(), w.theirs.targets.back());
  }
  for (size_t t = 0; t < targets; ++t) add(w.ours.fixed, w.theirs.fixed);
  return w;
}

enum class Kind { kPointToPoint, kOneToManyNew, kOneToManyPinned };
constexpr Kind kKinds[] = {Kind::kPointToPoint, Kind::kOneToManyNew, Kind::kOneToManyPinned};

std::string KindName(Kind kind, size_t targets) {
  switch (kind) {
    case Kind::kPointToPoint:
      return "point-to-point";
    case Kind::kOneToManyNew:
      return fmt::format("one-to-{}, new targets each query", targets);
    case Kind::kOneToManyPinned:
      return fmt::format("one-to-{}, prepared/pinned targets", targets);
  }
  return "";
}

// Per-call wall times of call(0) … call(n-1), microseconds.
template <typename Call>
std::vector<double> TimeEach(size_t n, Call&& call) {
  std::vector<double> us(n);
  for (size_t i = 0; i < n; ++i) {
    const auto a = Clock::now();
    call(i);
    const auto b = Clock::now();
    us[i] = Micros(b - a);
  }
  return us;
}

class Runner {
 public:
  virtual ~Runner() = default;
  virtual std::string Name() const = 0;
  // The per-call times of every query of `kind`.
  virtual std::vector<double> Run(Kind kind) = 0;
  uint64_t checksum() const { return checksum_; }

 protected:
  uint64_t checksum_ = 0;
};

// parkguide, as the server calls it: Cost (time and distance), OneToMany over a span (kAuto:
// RPHAST at 50 targets), OneToMany to a prepared TargetSet (buckets).
class OurRunner : public Runner {
 public:
  OurRunner(const Ours& ours, const Queries<SnappedPoint>& q)
      : q_(q), query_(*ours.network, Mode::kCar), fixed_(*ours.network, Mode::kCar, q.fixed) {}
  std::string Name() const override { return "parkguide"; }

  std::vector<double> Run(Kind kind) override {
    switch (kind) {
      case Kind::kPointToPoint:
        return TimeEach(q_.from.size(), [&](size_t i) {
          checksum_ += query_.Cost(q_.from[i], q_.to[i]).travel_time_ms;
        });
      case Kind::kOneToManyNew:
        return TimeEach(q_.origins.size(), [&](size_t i) {
          query_.OneToMany(q_.origins[i], q_.targets[i], out_);
          checksum_ += out_.back().travel_time_ms;
        });
      case Kind::kOneToManyPinned:
        return TimeEach(q_.origins.size(), [&](size_t i) {
          query_.OneToMany(q_.origins[i], fixed_, out_);
          checksum_ += out_.back().travel_time_ms;
        });
    }
    return {};
  }
  RouteCost Cost(size_t i) { return query_.Cost(q_.from[i], q_.to[i]); }
  // Travel times to query i's new targets (pinned: to the fixed set).
  std::vector<uint32_t> ToTargets(size_t i, bool pinned) {
    if (pinned) {
      query_.OneToMany(q_.origins[i], fixed_, out_);
    } else {
      query_.OneToMany(q_.origins[i], q_.targets[i], out_);
    }
    std::vector<uint32_t> ms;
    for (const RouteCost& c : out_) ms.push_back(c.travel_time_ms);
    return ms;
  }

 private:
  const Queries<SnappedPoint>& q_;
  pg::routing::RouteQuery query_;
  pg::routing::TargetSet fixed_;
  std::vector<RouteCost> out_;
};

// RoutingKit over our turn graph, asked our questions: sources and targets are our seeds
// (routing/route.h) with their partial weights, plus the direct way along a shared segment. A
// one-to-many target is up to four seed nodes, all pinned; its time is the best of them. Seeds,
// pinning of new targets and that final minimum are inside the timed call. Travel time only
// (RoutingKit carries one weight; parkguide also sums the distance).
class OnOurGraphRunner : public Runner {
 public:
  OnOurGraphRunner(const Ours& ours, const OnOurGraph& on, const Queries<SnappedPoint>& q)
      : g_(ours.network->View(Mode::kCar)), q_(q), query_(on.ch), pinned_(on.ch) {
    fixed_ = Pin(q_.fixed);
    pinned_.reset().pin_targets(fixed_.nodes);
  }
  std::string Name() const override { return "RoutingKit on our graph"; }

  std::vector<double> Run(Kind kind) override {
    switch (kind) {
      case Kind::kPointToPoint:
        return TimeEach(q_.from.size(), [&](size_t i) { checksum_ += Cost(i); });
      case Kind::kOneToManyNew:
        return TimeEach(q_.origins.size(),
                        [&](size_t i) { checksum_ += ToTargets(i, false).back(); });
      case Kind::kOneToManyPinned:
        return TimeEach(q_.origins.size(),
                        [&](size_t i) { checksum_ += ToTargets(i, true).back(); });
    }
    return {};
  }

  uint32_t Cost(size_t i) {
    const SnappedPoint& from = q_.from[i];
    const SnappedPoint& to = q_.to[i];
    query_.reset();
    AddSources(query_, from);
    seeds_.clear();
    pg::routing::internal::TargetSeeds(g_, to, seeds_);
    for (const auto& seed : seeds_) query_.add_target(seed.node, seed.weight_ms);
    const unsigned d = query_.run().get_distance();
    const uint32_t direct = pg::routing::internal::Direct(g_, from, to).cost.travel_time_ms;
    return std::min(d >= RoutingKit::inf_weight ? pg::routing::kUnreachable : d, direct);
  }

  const std::vector<uint32_t>& ToTargets(size_t i, bool pinned) {
    const SnappedPoint& from = q_.origins[i];
    RoutingKit::ContractionHierarchyQuery& query = pinned ? pinned_ : query_;
    std::span<const SnappedPoint> targets = pinned ? q_.fixed : q_.targets[i];
    if (pinned) {
      query.reset_source();
    } else {
      new_ = Pin(targets);
      query.reset().pin_targets(new_.nodes);
    }
    AddSources(query, from);
    const Pinned& p = pinned ? fixed_ : new_;
    dist_.resize(p.nodes.size());
    query.run_to_pinned_targets().get_distances_to_targets(dist_.data());
    out_.resize(targets.size());
    for (size_t t = 0; t < targets.size(); ++t) {
      out_[t] = pg::routing::internal::Direct(g_, from, targets[t]).cost.travel_time_ms;
    }
    for (size_t k = 0; k < p.nodes.size(); ++k) {
      if (dist_[k] >= RoutingKit::inf_weight) continue;
      out_[p.target[k]] = std::min(out_[p.target[k]], dist_[k] + p.offset_ms[k]);
    }
    return out_;
  }

 private:
  struct Pinned {
    std::vector<unsigned> nodes;      // every target's seed nodes
    std::vector<uint32_t> target;     // the target each belongs to
    std::vector<uint32_t> offset_ms;  // its partial weight
  };

  Pinned Pin(std::span<const SnappedPoint> targets) {
    Pinned p;
    for (size_t t = 0; t < targets.size(); ++t) {
      seeds_.clear();
      pg::routing::internal::TargetSeeds(g_, targets[t], seeds_);
      for (const auto& seed : seeds_) {
        p.nodes.push_back(seed.node);
        p.target.push_back(static_cast<uint32_t>(t));
        p.offset_ms.push_back(seed.weight_ms);
      }
    }
    return p;
  }

  void AddSources(RoutingKit::ContractionHierarchyQuery& query, const SnappedPoint& from) {
    seeds_.clear();
    pg::routing::internal::SourceSeeds(g_, from, seeds_);
    for (const auto& seed : seeds_) query.add_source(seed.node, seed.weight_ms);
  }

  const pg::graph::ModeGraphView& g_;
  const Queries<SnappedPoint>& q_;
  RoutingKit::ContractionHierarchyQuery query_;
  RoutingKit::ContractionHierarchyQuery pinned_;
  Pinned fixed_, new_;
  std::vector<pg::routing::internal::Seed> seeds_;
  std::vector<unsigned> dist_;
  std::vector<uint32_t> out_;
};

// RoutingKit on its own graph: the calls its README gives for each kind.
class TheirRunner : public Runner {
 public:
  TheirRunner(const Theirs& theirs, const Queries<unsigned>& q)
      : graph_(theirs.graph), q_(q), query_(theirs.ch), pinned_(theirs.ch), dist_(q.fixed.size()) {
    pinned_.reset().pin_targets(q_.fixed);
  }
  std::string Name() const override { return "RoutingKit on its own graph"; }

  std::vector<double> Run(Kind kind) override {
    switch (kind) {
      case Kind::kPointToPoint:
        return TimeEach(q_.from.size(), [&](size_t i) {
          query_.reset().add_source(q_.from[i]).add_target(q_.to[i]);
          checksum_ += query_.run().get_distance();
        });
      case Kind::kOneToManyNew:
        return TimeEach(q_.origins.size(), [&](size_t i) {
          query_.reset().pin_targets(q_.targets[i]).add_source(q_.origins[i]);
          query_.run_to_pinned_targets().get_distances_to_targets(dist_.data());
          checksum_ += dist_.back();
        });
      case Kind::kOneToManyPinned:
        return TimeEach(q_.origins.size(), [&](size_t i) {
          pinned_.reset_source().add_source(q_.origins[i]).run_to_pinned_targets();
          pinned_.get_distances_to_targets(dist_.data());
          checksum_ += dist_.back();
        });
    }
    return {};
  }
  // Travel time (ms) and length (m, summed over the arcs of the path) of pair i.
  std::pair<unsigned, double> Cost(size_t i) {
    query_.reset().add_source(q_.from[i]).add_target(q_.to[i]).run();
    double m = 0;
    for (unsigned a : query_.get_arc_path()) m += graph_.geo_distance[a];
    return {query_.get_distance(), m};
  }
  std::vector<unsigned> ToTargets(size_t i) {
    query_.reset().pin_targets(q_.targets[i]).add_source(q_.origins[i]).run_to_pinned_targets();
    return query_.get_distances_to_targets();
  }
  unsigned CostOf(unsigned from, unsigned to) {
    return query_.reset().add_source(from).add_target(to).run().get_distance();
  }

 private:
  const RoutingKit::SimpleOSMCarRoutingGraph& graph_;
  const Queries<unsigned>& q_;
  RoutingKit::ContractionHierarchyQuery query_;
  RoutingKit::ContractionHierarchyQuery pinned_;
  std::vector<unsigned> dist_;
};

struct Runners {
  OurRunner& ours;
  OnOurGraphRunner& on_ours;
  TheirRunner& theirs;
};

// Untimed: parkguide and RoutingKit on our graph must agree to the millisecond; RoutingKit on its
// own graph answers with its own speeds and no turn costs (PrintModelAgreement).
void PrintExactAgreement(Runners r, const Workload& w) {
  size_t p2p = 0, many = 0, pinned = 0, many_n = 0;
  for (size_t i = 0; i < w.ours.from.size(); ++i) {
    p2p += r.ours.Cost(i).travel_time_ms != r.on_ours.Cost(i);
  }
  for (size_t i = 0; i < std::min<size_t>(w.ours.origins.size(), 100); ++i) {
    for (bool pin : {false, true}) {
      const std::vector<uint32_t> a = r.ours.ToTargets(i, pin);
      const std::vector<uint32_t>& b = r.on_ours.ToTargets(i, pin);
      for (size_t t = 0; t < a.size(); ++t) (pin ? pinned : many) += a[t] != b[t];
      many_n += pin ? 0 : a.size();
    }
  }
  fmt::print(
      "Agreement (untimed):\n- parkguide and RoutingKit on our graph: {} of {} "
      "point-to-point times differ; one-to-many, first 100 queries ({} answers each "
      "kind): {} new-target and {} pinned-target times differ\n",
      p2p, w.ours.from.size(), many_n, many, pinned);
}

void PrintModelAgreement(Runners r, const Workload& w) {
  std::vector<double> time_diff, length_diff;
  size_t unreachable = 0, own_mismatch = 0;
  for (size_t i = 0; i < w.ours.from.size(); ++i) {
    const RouteCost a = r.ours.Cost(i);
    const auto [b_ms, b_m] = r.theirs.Cost(i);
    if (!a.reachable() || b_ms >= RoutingKit::inf_weight) {
      ++unreachable;
      continue;
    }
    if (b_ms == 0 || b_m == 0) continue;  // the same node: no ratio
    time_diff.push_back(a.travel_time_ms / static_cast<double>(b_ms) - 1);
    length_diff.push_back(a.distance_m() / b_m - 1);
  }
  for (size_t i = 0; i < std::min<size_t>(w.theirs.origins.size(), 20); ++i) {
    const std::vector<unsigned> many = r.theirs.ToTargets(i);
    for (size_t t = 0; t < many.size(); ++t) {
      own_mismatch += many[t] != r.theirs.CostOf(w.theirs.origins[i], w.theirs.targets[i][t]);
    }
  }
  fmt::print(
      "- parkguide and RoutingKit on its own graph, {} point-to-point pairs ({} "
      "unreachable on either side): travel time parkguide / RoutingKit - 1 median "
      "{:+.1f} % (p10 {:+.1f} %, p90 {:+.1f} %); route length median {:+.1f} % (p10 "
      "{:+.1f} %, p90 {:+.1f} %)\n",
      w.ours.from.size(), unreachable, 100 * Quantile(time_diff, 0.5),
      100 * Quantile(time_diff, 0.1), 100 * Quantile(time_diff, 0.9),
      100 * Quantile(length_diff, 0.5), 100 * Quantile(length_diff, 0.1),
      100 * Quantile(length_diff, 0.9));
  fmt::print(
      "- RoutingKit on its own graph, one-to-many against its point-to-point (first 20 "
      "queries): {} differ\n\n",
      own_mismatch);
}

struct RunStat {
  double median_us = 0;
  double p90_us = 0;
};
// [kind][engine][repetition]
using Stats = std::vector<std::vector<std::vector<RunStat>>>;

// The median back-to-back steady_clock::now() difference: the floor under every per-call figure.
double ClockOverheadUs() {
  return Quantile(TimeEach(100'000, [](size_t) {}), 0.5);
}

// Every repetition runs every kind on every engine, the engine going first rotating; one table
// row per (repetition, engine, kind).
Stats RunRepetitions(std::span<Runner* const> engines, int repetitions, size_t targets) {
  const size_t n = engines.size();
  Stats stats(std::size(kKinds), std::vector<std::vector<RunStat>>(n));
  fmt::print("| run | engine | query | calls | median µs | p90 µs | load (1 min) |\n");
  fmt::print("|---|---|---|---|---|---|---|\n");
  for (int rep = 0; rep < repetitions; ++rep) {
    for (size_t j = 0; j < n; ++j) {
      const size_t e = (static_cast<size_t>(rep) + j) % n;
      for (size_t k = 0; k < std::size(kKinds); ++k) {
        const std::vector<double> us = engines[e]->Run(kKinds[k]);
        const RunStat s{Quantile(us, 0.5), Quantile(us, 0.9)};
        stats[k][e].push_back(s);
        const std::string load = LoadAverage();
        fmt::print("| {} | {} | {} | {} | {:.2f} | {:.2f} | {} |\n", rep + 1, engines[e]->Name(),
                   KindName(kKinds[k], targets), us.size(), s.median_us, s.p90_us,
                   load.substr(0, load.find(' ')));
      }
    }
  }
  fmt::print("\n");
  return stats;
}

// Per kind: each engine's median (and p90) over the runs, and parkguide's ratio to each
// RoutingKit engine per run and over the runs. Engine 0 is parkguide.
void PrintSummary(const Stats& stats, std::span<Runner* const> engines, size_t targets) {
  fmt::print(
      "| query | engine | median µs, median of runs | p90 µs, median of runs | "
      "parkguide ÷ this engine, per run | parkguide ÷ this engine |\n");
  fmt::print("|---|---|---|---|---|---|\n");
  for (size_t k = 0; k < std::size(kKinds); ++k) {
    for (size_t e = 0; e < engines.size(); ++e) {
      std::vector<double> med, p90, ratio;
      std::string per_run;
      for (size_t r = 0; r < stats[k][e].size(); ++r) {
        med.push_back(stats[k][e][r].median_us);
        p90.push_back(stats[k][e][r].p90_us);
        ratio.push_back(stats[k][0][r].median_us / med.back());
        per_run += fmt::format("{}{:.2f}", per_run.empty() ? "" : ", ", ratio.back());
      }
      fmt::print("| {} | {} | {:.2f} | {:.2f} | {} | {} |\n", KindName(kKinds[k], targets),
                 engines[e]->Name(), Quantile(med, 0.5), Quantile(p90, 0.5), e == 0 ? "" : per_run,
                 e == 0 ? "" : fmt::format("**{:.2f}×**", Quantile(ratio, 0.5)));
    }
  }
  fmt::print("\n");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"parkguide's contraction hierarchy and RoutingKit's, same extract, same queries"};
  std::string osm_path, label;
  size_t pairs = 10'000, queries = 1'000, targets = 50;
  int repetitions = 5;
  double radius_m = 250;
  uint64_t seed = 1;
  app.add_option("--osm", osm_path, "OSM extract (.osm.pbf)")->required();
  app.add_option("--label", label, "Name in the output (default: the file name)");
  app.add_option("--pairs", pairs, "Point-to-point queries per run")->capture_default_str();
  app.add_option("--queries", queries, "One-to-many queries per run and kind")
      ->capture_default_str();
  app.add_option("--targets", targets, "Targets per one-to-many query")->capture_default_str();
  app.add_option("--repetitions", repetitions, "Runs of every engine")->capture_default_str();
  app.add_option("--radius", radius_m, "Mapping radius (m)")->capture_default_str();
  app.add_option("--seed", seed, "Random seed")->capture_default_str();
  bool build_only = false, without_turn_costs = false, nested_dissection = false;
  pg::graph::ContractionOptions contraction;
  app.add_flag("--build-only", build_only,
               "Only build the hierarchies over our car graph and print their times and sizes");
  app.add_flag("--without-turn-costs", without_turn_costs,
               "With --build-only: also RoutingKit's hierarchy over our turns without their costs");
  app.add_flag("--nested-dissection", nested_dissection,
               "With --build-only: also RoutingKit's hierarchy in a nested-dissection order");
  app.add_option("--witness-limit", contraction.witness_settle_limit,
                 "With --build-only: our second build's witness settle limit")
      ->capture_default_str();
  app.add_option("--priority-limit", contraction.priority_settle_limit,
                 "With --build-only: our second build's priority settle limit")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (label.empty()) label = std::filesystem::path(osm_path).filename().string();

  auto ours = LoadOurs(osm_path);
  if (!ours.ok()) {
    std::fprintf(stderr, "%s\n", ours.status().ToString().c_str());
    return 1;
  }
  if (build_only) {
    PrintBuilds(label, osm_path, *ours, contraction, without_turn_costs, nested_dissection);
    return 0;
  }
  const OnOurGraph on_ours = BuildOnOurGraph(*ours);
  const Theirs theirs = LoadTheirs(osm_path);
  fmt::print(
      "## {}\n\n(load average {} at the start; steady_clock overhead {:.3f} µs per "
      "timed call, included in every figure)\n\n",
      label, LoadAverage(), ClockOverheadUs());
  PrintSizes(*ours, on_ours, theirs);
  const Workload w = MakeWorkload(*ours, theirs, pairs, queries, targets, radius_m, seed);
  fmt::print(
      "Query places: {} ({} redrawn: nothing within {:.0f} m in one graph); mapping "
      "distance median / p90: parkguide {:.1f} / {:.1f} m, RoutingKit's own graph "
      "{:.1f} / {:.1f} m\n\n",
      w.ours_snap_m.size(), w.rejected, radius_m, Quantile(w.ours_snap_m, 0.5),
      Quantile(w.ours_snap_m, 0.9), Quantile(w.theirs_snap_m, 0.5), Quantile(w.theirs_snap_m, 0.9));
  OurRunner our_runner(*ours, w.ours);
  OnOurGraphRunner on_ours_runner(*ours, on_ours, w.ours);
  TheirRunner their_runner(theirs, w.theirs);
  PrintExactAgreement({our_runner, on_ours_runner, their_runner}, w);  // also warms all up
  PrintModelAgreement({our_runner, on_ours_runner, their_runner}, w);
  Runner* const engines[] = {&our_runner, &on_ours_runner, &their_runner};
  const Stats stats = RunRepetitions(engines, repetitions, targets);
  PrintSummary(stats, engines, targets);
  std::fprintf(stderr, "(checksums %lu %lu %lu; load average %s at the end)\n",
               static_cast<unsigned long>(our_runner.checksum()),
               static_cast<unsigned long>(on_ours_runner.checksum()),
               static_cast<unsigned long>(their_runner.checksum()), LoadAverage().c_str());
  return 0;
}

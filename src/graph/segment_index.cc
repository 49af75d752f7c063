#include "graph/segment_index.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <tuple>

namespace pg::graph {
namespace {

constexpr double kDegToRad = std::numbers::pi / 180.0;
constexpr double kMetersPerDegree = 6371008.8 * kDegToRad;

// Point-to-piece distance in a local projection (metres) around the query point.
struct Projection {
  double lat0;
  double lon0;
  double kx;  // metres per degree of longitude here
  explicit Projection(const LatLon& p)
      : lat0(p.lat), lon0(p.lon), kx(kMetersPerDegree * std::cos(p.lat * kDegToRad)) {}
  double X(const LatLon& q) const { return (q.lon - lon0) * kx; }
  double Y(const LatLon& q) const { return (q.lat - lat0) * kMetersPerDegree; }
};

struct PieceHit {
  double distance_m;
  double t;  // along the piece, 0..1
};

PieceHit DistanceToPiece(const Projection& proj, const LatLon& a, const LatLon& b) {
  const double ax = proj.X(a), ay = proj.Y(a);
  const double bx = proj.X(b), by = proj.Y(b);
  const double dx = bx - ax, dy = by - ay;
  const double len2 = dx * dx + dy * dy;
  double t = len2 > 0 ? -(ax * dx + ay * dy) / len2 : 0;
  t = std::clamp(t, 0.0, 1.0);
  const double cx = ax + t * dx, cy = ay + t * dy;
  return {std::hypot(cx, cy), t};
}

}  // namespace

std::optional<NearestSegment> FindNearestSegment(const ModeGraphView& g, const LatLon& p,
                                                 double max_distance_m) {
  const GridHeader& grid = g.grid;
  if (grid.rows == 0 || grid.cols == 0 || !(max_distance_m >= 0)) return std::nullopt;
  const Projection proj(p);
  const double cell_h_m = grid.cell_lat_deg * kMetersPerDegree;
  const double cell_w_m = grid.cell_lon_deg * std::max(proj.kx, 1.0);
  const double cell_min_m = std::min(cell_h_m, cell_w_m);
  const int64_t row0 = static_cast<int64_t>(std::floor((p.lat - grid.min_lat) / grid.cell_lat_deg));
  const int64_t col0 = static_cast<int64_t>(std::floor((p.lon - grid.min_lon) / grid.cell_lon_deg));
  const int64_t rows = grid.rows, cols = grid.cols;
  // Rings beyond this cannot hold anything within max_distance_m.
  // Rings beyond the farthest grid cell hold nothing either.
  const int64_t max_ring = std::min<int64_t>(
      static_cast<int64_t>(std::min(std::ceil(max_distance_m / cell_min_m), 1e9)) + 1,
      std::max({std::abs(row0), std::abs(row0 - rows), std::abs(col0), std::abs(col0 - cols)}) + 1);

  std::optional<NearestSegment> best;
  uint32_t best_piece = 0;
  double best_t = 0;
  auto visit = [&](int64_t r, int64_t c) {
    if (r < 0 || c < 0 || r >= rows || c >= cols) return;
    const uint64_t cell = static_cast<uint64_t>(r) * grid.cols + static_cast<uint64_t>(c);
    for (uint32_t i = g.grid_first_entry[cell]; i < g.grid_first_entry[cell + 1]; ++i) {
      const GridEntry& e = g.grid_entries[i];
      const auto pts = g.SegmentPoints(e.segment);
      const PieceHit hit =
          DistanceToPiece(proj, pts[e.piece].ToLatLon(), pts[e.piece + 1].ToLatLon());
      if (hit.distance_m > max_distance_m) continue;
      if (!best || hit.distance_m < best->distance_m ||
          (hit.distance_m == best->distance_m && e.segment < best->segment)) {
        best = NearestSegment{e.segment, 0, {}, hit.distance_m};
        best_piece = e.piece;
        best_t = hit.t;
      }
    }
  };
  for (int64_t ring = 0; ring <= max_ring; ++ring) {
    // Everything in ring k is at least (k - 1) cells away from p.
    const double lower_bound = static_cast<double>(ring - 1) * cell_min_m;
    if (best && lower_bound > best->distance_m) break;
    if (lower_bound > max_distance_m) break;
    if (ring == 0) {
      visit(row0, col0);
      continue;
    }
    for (int64_t c = col0 - ring; c <= col0 + ring; ++c) {
      if (c < 0 || c >= cols) continue;
      visit(row0 - ring, c);
      visit(row0 + ring, c);
    }
    for (int64_t r = row0 - ring + 1; r <= row0 + ring - 1; ++r) {
      if (r < 0 || r >= rows) continue;
      visit(r, col0 - ring);
      visit(r, col0 + ring);
    }
  }
  if (!best) return best;

  // Fraction along the whole segment, by the same surface lengths the graph stores.
  const auto pts = g.SegmentPoints(best->segment);
  double before_m = 0, total_m = 0, piece_m = 0;
  for (size_t i = 0; i + 1 < pts.size(); ++i) {
    const double len = HaversineMeters(pts[i].ToLatLon(), pts[i + 1].ToLatLon());
    if (i < best_piece) before_m += len;
    if (i == best_piece) piece_m = len;
    total_m += len;
  }
  best->fraction = total_m > 0 ? std::clamp((before_m + best_t * piece_m) / total_m, 0.0, 1.0) : 0;
  const LatLon a = pts[best_piece].ToLatLon();
  const LatLon b = pts[best_piece + 1].ToLatLon();
  best->point = {a.lat + best_t * (b.lat - a.lat), a.lon + best_t * (b.lon - a.lon)};
  return best;
}

void BuildSegmentGrid(ModeGraph& g, double cell_size_m, uint32_t max_cells) {
  BoundingBox box;
  for (const FixedPoint& fp : g.points) box.Extend(fp.ToLatLon());
  GridHeader grid;
  if (box.empty()) {
    g.grid = grid;
    g.grid_first_entry.assign(1, 0);
    g.grid_entries.clear();
    return;
  }
  const double mid_lat = (box.min_lat + box.max_lat) / 2;
  double cell_lat = cell_size_m / kMetersPerDegree;
  double cell_lon =
      cell_size_m / (kMetersPerDegree * std::max(0.01, std::cos(mid_lat * kDegToRad)));
  auto dims = [&](double cl, double cn) {
    return std::pair<uint64_t, uint64_t>{
        static_cast<uint64_t>(std::floor((box.max_lat - box.min_lat) / cl)) + 1,
        static_cast<uint64_t>(std::floor((box.max_lon - box.min_lon) / cn)) + 1};
  };
  uint64_t rows = 0, cols = 0;
  while (true) {
    std::tie(rows, cols) = dims(cell_lat, cell_lon);
    if (rows * cols <= max_cells) break;
    cell_lat *= 1.5;
    cell_lon *= 1.5;
  }
  grid.min_lat = box.min_lat;
  grid.min_lon = box.min_lon;
  grid.cell_lat_deg = cell_lat;
  grid.cell_lon_deg = cell_lon;
  grid.rows = static_cast<uint32_t>(rows);
  grid.cols = static_cast<uint32_t>(cols);

  auto row_of = [&](double lat) {
    return std::min<uint32_t>(grid.rows - 1,
                              static_cast<uint32_t>((lat - grid.min_lat) / grid.cell_lat_deg));
  };
  auto col_of = [&](double lon) {
    return std::min<uint32_t>(grid.cols - 1,
                              static_cast<uint32_t>((lon - grid.min_lon) / grid.cell_lon_deg));
  };
  // Two passes (count, then fill) build the cell lists as compressed rows.
  const uint64_t cells = rows * cols;
  std::vector<uint32_t> first(cells + 1, 0);
  const uint32_t segments = static_cast<uint32_t>(g.segment_length_dm.size());
  for (int pass = 0; pass < 2; ++pass) {
    std::vector<uint32_t> fill;
    if (pass == 1) {
      for (uint64_t c = 0; c < cells; ++c) first[c + 1] += first[c];
      g.grid_entries.assign(first[cells], GridEntry{});
      fill.assign(first.begin(), first.end() - 1);
    }
    for (uint32_t s = 0; s < segments; ++s) {
      const uint32_t begin = g.segment_first_point[s];
      const uint32_t end = g.segment_first_point[s + 1];
      for (uint32_t i = begin; i + 1 < end; ++i) {
        const LatLon a = g.points[i].ToLatLon();
        const LatLon b = g.points[i + 1].ToLatLon();
        const uint32_t r0 = row_of(std::min(a.lat, b.lat)), r1 = row_of(std::max(a.lat, b.lat));
        const uint32_t c0 = col_of(std::min(a.lon, b.lon)), c1 = col_of(std::max(a.lon, b.lon));
        for (uint32_t r = r0; r <= r1; ++r) {
          for (uint32_t c = c0; c <= c1; ++c) {
            const uint64_t cell = uint64_t{r} * grid.cols + c;
            if (pass == 0) {
              ++first[cell + 1];
            } else {
              g.grid_entries[fill[cell]++] = {s, i - begin};
            }
          }
        }
      }
    }
  }
  g.grid = grid;
  g.grid_first_entry = std::move(first);
}

}  // namespace pg::graph

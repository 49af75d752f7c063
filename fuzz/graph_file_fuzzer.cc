// The graph file (docs/formats/graph.md) as the server maps it on start. The fuzzer repairs the
// header's size and both CRCs before writing the bytes out, so mutations reach the section table
// and the structural checks instead of stopping at a checksum (the checksums have their unit
// tests). A file that opens must then be safe to use: snapping onto it and routing on it.
#include <zlib.h>

#include <cstring>
#include <string>

#include "fuzz/fuzz_support.h"
#include "graph/graph_file.h"
#include "routing/road_network.h"
#include "routing/route_query.h"

namespace {

// Offsets in the 128-byte header (graph_file.cc, FileHeader).
constexpr size_t kHeaderBytes = 128;
constexpr size_t kFileSizeAt = 24;
constexpr size_t kSectionTableAt = 40;
constexpr size_t kPayloadCrcAt = 48;
constexpr size_t kHeaderCrcAt = 52;

template <typename T>
T Load(const std::string& bytes, size_t at) {
  T value;
  std::memcpy(&value, bytes.data() + at, sizeof value);
  return value;
}

template <typename T>
void Store(std::string& bytes, size_t at, T value) {
  std::memcpy(bytes.data() + at, &value, sizeof value);
}

uint32_t Crc(const char* p, size_t n) {
  return static_cast<uint32_t>(
      crc32_z(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(p), static_cast<z_size_t>(n)));
}

void RepairHeader(std::string& bytes) {
  if (bytes.size() < kHeaderBytes) return;
  Store<uint64_t>(bytes, kFileSizeAt, bytes.size());
  const uint64_t table = Load<uint64_t>(bytes, kSectionTableAt);
  if (table <= bytes.size()) {
    Store(bytes, kPayloadCrcAt, Crc(bytes.data() + table, bytes.size() - table));
  }
  Store<uint32_t>(bytes, kHeaderCrcAt, 0);
  Store(bytes, kHeaderCrcAt, Crc(bytes.data(), kHeaderBytes));
}

void Use(const pg::routing::RoadNetwork& network, pg::graph::Mode mode) {
  const pg::graph::ModeGraphView& view = network.View(mode);
  const uint32_t segments = static_cast<uint32_t>(view.segment_count());
  if (segments == 0) return;
  const pg::graph::GridHeader& grid = view.grid;
  (void)network.Snap(mode,
                     {grid.min_lat + grid.cell_lat_deg * grid.rows / 2,
                      grid.min_lon + grid.cell_lon_deg * grid.cols / 2},
                     1000);
  pg::routing::RouteQuery query(network, mode);
  auto from = network.PointOnSegment(mode, 0, 0.25);
  auto to = network.PointOnSegment(mode, segments - 1, 0.75);
  (void)query.Cost(from, to);
  (void)query.FindRoute(from, to);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(pg::fuzz::AsText(data, size));
  RepairHeader(bytes);
  auto network = pg::routing::RoadNetwork::Open(pg::fuzz::ScratchFile("city.graph", bytes), {});
  if (!network.ok()) return 0;
  (void)(*network)->file()->metadata_json();
  for (pg::graph::Mode mode : pg::graph::kAllModes) Use(**network, mode);
  return 0;
}

// OSM input as the offline import reads it (libosmium through osm/): the bytes are written to a
// scratch file whose extension follows their look (XML, PBF, o5m, else OPL), then read as the
// parking extract and the road extract. The parkings are mapped to registry entries — which,
// after DropInvalidEntries, must validate — and the roads of a small extract are built into both
// graphs, which must pass the structural checks the graph file makes on every load.
#include "fuzz/fuzz_support.h"
#include "graph_build/graph_builder.h"
#include "model/validation.h"
#include "osm/parking_extract.h"
#include "osm/road_extract.h"
#include "registry/from_osm.h"

namespace {

// The name whose extension names the format the bytes look like, as a city's file would have.
std::string_view NameFor(std::string_view bytes) {
  if (bytes.size() >= 15 && bytes.substr(4, 11) == std::string_view("\x0a\x09OSMHeader", 11)) {
    return "city.osm.pbf";
  }
  if (bytes.starts_with("\xff\xe0")) return "city.o5m";
  size_t first = bytes.find_first_not_of(" \t\r\n");
  if (bytes.starts_with("\xef\xbb\xbf") ||
      (first != std::string_view::npos && bytes[first] == '<')) {
    return "city.osm";
  }
  return "city.opl";
}

void MapParkings(const pg::osm::ParkingExtract& extract) {
  pg::registry::OsmImportReport report;
  pg::model::RegistryData data = pg::registry::RegistryDataFromOsm(extract, &report);
  pg::registry::DropInvalidEntries(data, &report);
  (void)report.ToText();
  pg::fuzz::Check(pg::model::ValidateRegistry(data, {}).empty(),
                  "what DropInvalidEntries keeps validates");
}

void BuildRoads(const pg::osm::RoadExtract& extract) {
  // Short witness searches: more shortcuts, the same checks, and an input a tenth of the time
  // (contraction dominates, and is not what reads the input).
  pg::graph::BuildOptions options;
  options.contraction.witness_settle_limit = 20;
  options.contraction.priority_settle_limit = 10;
  pg::graph::RoadGraphs graphs = pg::graph::BuildRoadGraphs(extract, options);
  pg::fuzz::Check(pg::graph::ValidateModeGraph(graphs.car.View()).ok(), "the car graph validates");
  pg::fuzz::Check(pg::graph::ValidateModeGraph(graphs.foot.View()).ok(),
                  "the foot graph validates");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes = pg::fuzz::AsText(data, size);
  const std::string path = pg::fuzz::ScratchFile(NameFor(bytes), bytes);
  if (auto parkings = pg::osm::ReadParkingExtract(path); parkings.ok()) MapParkings(*parkings);
  auto roads = pg::osm::ReadRoadExtract(path);
  // Graphs of small extracts only: building one of a real cut takes a second at -O0, and the
  // build's own handling of odd input shows in small ones as well.
  if (roads.ok() && roads->ways.size() <= 64) BuildRoads(*roads);
  return 0;
}

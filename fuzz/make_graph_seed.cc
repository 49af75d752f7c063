// Writes the graph file of OSM files, as seeds for graph_file_fuzzer (fuzz/make_corpus.sh):
//   make_graph_seed OUT_DIR FILE.osm...
// Each FILE.osm becomes OUT_DIR/<its name>.graph. Not a fuzzer.
#include <cstdio>
#include <filesystem>

#include "graph/graph_file.h"
#include "graph_build/graph_builder.h"
#include "osm/road_extract.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: make_graph_seed OUT_DIR FILE.osm...\n");
    return 2;
  }
  int failed = 0;
  for (int i = 2; i < argc; ++i) {
    auto roads = pg::osm::ReadRoadExtract(argv[i]);
    std::string out = (std::filesystem::path(argv[1]) /
                       std::filesystem::path(argv[i]).filename().concat(".graph"))
                          .string();
    pg::Status written =
        roads.ok() ? pg::graph::WriteGraphFile(out, pg::graph::BuildRoadGraphs(*roads), 1, "{}")
                   : roads.status();
    if (!written.ok()) {
      std::fprintf(stderr, "%s: %s\n", argv[i], written.ToString().c_str());
      ++failed;
    }
  }
  return failed == 0 ? 0 : 1;
}

// The graph file (`city.graph`, next to `city.db`): both modes' graphs in one versioned,
// fingerprinted, checksummed binary file that the server maps read-only on start. The layout is
// documented in docs/formats/graph.md.
//
//   PG_RETURN_IF_ERROR(WriteGraphFile("city.graph", graphs, fingerprint, metadata_json));
//   PG_ASSIGN_OR_RETURN(auto file, MappedGraphFile::Open("city.graph", {.expected_fingerprint =
//                                                                        fingerprint}));
//   const ModeGraphView& car = file->Mode(Mode::kCar);
//
// A file is refused — never half-used — when it is not a graph file, was written by a format or
// profile version this build does not read, was built from another OSM file than expected,
// is truncated, or fails its checksum or the structural checks of road_graph.h.
//
// Thread-safety: WriteGraphFile may run concurrently for different paths. A MappedGraphFile is
// immutable after Open; its views are safe to read from any thread while it lives.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "graph/road_graph.h"

namespace pg::graph {

// Bump on any change of the file layout or of the meaning of an array.
// 2: node_layer marks every direction outside the open core (restricted access and what only
// restricted ways reach), not only destination-only roads.
inline constexpr uint32_t kGraphFormatVersion = 2;

// The version of the road profiles (osm/road_profile.h) the graphs are built with: bump whenever
// any rule there changes. A file built with another version is refused, so a graph made with
// other rules is rebuilt rather than silently used.
// 2: private and residents restricted instead of closed; value lists; restricted barriers.
inline constexpr uint32_t kRoadProfileVersion = 2;

// "city.db" → "city.graph"; a path without the ".db" extension gets ".graph" appended.
std::string GraphPathForDatabase(std::string_view db_path);

// The graph file of `db_path` when it is there. Errors: kNotFound saying how to build it
// (`parkguide build-roads CITY.osm.pbf --db …`).
Result<std::string> ExistingGraphForDatabase(const std::string& db_path);

// The fingerprint of an OSM file: 64-bit FNV-1a of its bytes. Errors: kNotFound, kUnavailable.
Result<uint64_t> FingerprintFile(const std::string& path);

// "0123456789abcdef".
std::string FingerprintToHex(uint64_t fingerprint);

// Writes both graphs to `path` (under a temporary name, then renamed into place, so a reader
// never maps a partial file). `metadata_json` is stored as is (what was built from what, with
// which settings: for people and `parkguide build-roads`' report).
// Errors: kUnavailable when the file cannot be written; kInvalidArgument when a graph breaks the
// invariants of road_graph.h (a bug in the build).
Status WriteGraphFile(const std::string& path, const RoadGraphs& graphs,
                      uint64_t source_fingerprint, std::string_view metadata_json);

struct GraphOpenOptions {
  // When set, a file built from another OSM file (another fingerprint) is refused.
  std::optional<uint64_t> expected_fingerprint;
  // Checks the CRC-32 of everything after the header (reads the whole file once).
  bool verify_checksum = true;
};

class MappedGraphFile {
 public:
  // Maps and checks the file.
  // Errors: kNotFound (no file); kUnavailable (cannot be opened or mapped); kDataLoss (not a
  // graph file, truncated, checksum or structure wrong); kFailedPrecondition (another format or
  // profile version, another fingerprint) — every message names the file and says how to rebuild.
  static Result<std::unique_ptr<MappedGraphFile>> Open(const std::string& path,
                                                       const GraphOpenOptions& options = {});
  MappedGraphFile(const MappedGraphFile&) = delete;
  MappedGraphFile& operator=(const MappedGraphFile&) = delete;
  ~MappedGraphFile();

  const ModeGraphView& View(Mode mode) const { return mode == Mode::kCar ? car_ : foot_; }
  uint64_t source_fingerprint() const { return source_fingerprint_; }
  uint64_t file_size() const { return size_; }
  std::string_view metadata_json() const { return metadata_; }
  const std::string& path() const { return path_; }

 private:
  MappedGraphFile() = default;

  std::string path_;
  const unsigned char* data_ = nullptr;
  uint64_t size_ = 0;
  uint64_t source_fingerprint_ = 0;
  std::string_view metadata_;
  ModeGraphView car_;
  ModeGraphView foot_;
};

}  // namespace pg::graph

#include "graph/graph_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <type_traits>
#include <vector>

namespace pg::graph {
namespace {

constexpr char kMagic[8] = {'P', 'G', 'G', 'R', 'A', 'P', 'H', '\n'};
constexpr uint32_t kEndianMarker = 0x01020304;
constexpr uint64_t kAlignment = 64;

// The first 128 bytes of the file. Little-endian, as every field of the file.
struct FileHeader {
  char magic[8];
  uint32_t format_version;
  uint32_t profile_version;
  uint32_t endian_marker;
  uint32_t section_count;
  uint64_t file_size;
  uint64_t source_fingerprint;
  uint64_t section_table_offset;
  uint32_t payload_crc32;  // of bytes [section_table_offset, file_size)
  uint32_t header_crc32;   // of this header with header_crc32 = 0
  uint8_t reserved[72];
};
static_assert(sizeof(FileHeader) == 128);
static_assert(std::is_trivially_copyable_v<FileHeader>);

struct SectionEntry {
  char name[40];  // NUL-padded, e.g. "car.up_head"
  uint64_t offset;
  uint64_t size_bytes;
  uint32_t element_size;
  uint32_t reserved;
};
static_assert(sizeof(SectionEntry) == 64);

static_assert(sizeof(FixedPoint) == 8 && sizeof(SegmentNodes) == 16 && sizeof(GridHeader) == 48 &&
              sizeof(GridEntry) == 8);
static_assert(std::endian::native == std::endian::little,
              "the graph file is little-endian; a big-endian build would need byte swapping");

// Calls f(name, array) for every array of a ModeGraph (vectors) or ModeGraphView (spans): the
// member names are the same, so one list serves the writer and the reader.
template <typename G, typename F>
void ForEachArray(G& g, F&& f) {
  f("node_segment", g.node_segment);
  f("node_weight_ms", g.node_weight_ms);
  f("node_length_dm", g.node_length_dm);
  f("node_layer", g.node_layer);
  f("turn_first_out", g.turn_first_out);
  f("turn_head", g.turn_head);
  f("turn_penalty_ms", g.turn_penalty_ms);
  f("up_first_out", g.up_first_out);
  f("up_head", g.up_head);
  f("up_weight_ms", g.up_weight_ms);
  f("up_length_dm", g.up_length_dm);
  f("up_middle", g.up_middle);
  f("down_first_out", g.down_first_out);
  f("down_tail", g.down_tail);
  f("down_weight_ms", g.down_weight_ms);
  f("down_length_dm", g.down_length_dm);
  f("down_middle", g.down_middle);
  f("segment_first_point", g.segment_first_point);
  f("points", g.points);
  f("segment_way_id", g.segment_way_id);
  f("segment_length_dm", g.segment_length_dm);
  f("segment_nodes", g.segment_nodes);
  f("grid_first_entry", g.grid_first_entry);
  f("grid_entries", g.grid_entries);
}

struct PendingSection {
  std::string name;
  const void* data;
  uint64_t size_bytes;
  uint32_t element_size;
};

uint64_t AlignUp(uint64_t x) { return (x + kAlignment - 1) / kAlignment * kAlignment; }

std::string RebuildHint() {
  return "rebuild it with `parkguide build-roads CITY.osm.pbf --db CITY.db` (or `import-osm`)";
}

}  // namespace

std::string GraphPathForDatabase(std::string_view db_path) {
  std::string path(db_path);
  if (path.size() > 3 && path.ends_with(".db")) path.resize(path.size() - 3);
  return path + ".graph";
}

Result<std::string> ExistingGraphForDatabase(const std::string& db_path) {
  std::string graph_path = GraphPathForDatabase(db_path);
  std::error_code ec;
  if (!std::filesystem::exists(graph_path, ec)) {
    return NotFound(fmt::format(
        "{}: no road graph for this city; build it with `parkguide build-roads CITY.osm.pbf --db "
        "{}`",
        graph_path, db_path));
  }
  return graph_path;
}

Result<uint64_t> FingerprintFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return NotFound(fmt::format("{}: no such file", path));
    return Unavailable(fmt::format("{}: cannot be read", path));
  }
  uint64_t hash = 14695981039346656037ULL;
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto n = static_cast<size_t>(in.gcount());
    for (size_t i = 0; i < n; ++i) {
      hash ^= static_cast<unsigned char>(buffer[i]);
      hash *= 1099511628211ULL;
    }
  }
  if (in.bad()) return Unavailable(fmt::format("{}: read error", path));
  return hash;
}

std::string FingerprintToHex(uint64_t fingerprint) { return fmt::format("{:016x}", fingerprint); }

Status WriteGraphFile(const std::string& path, const RoadGraphs& graphs,
                      uint64_t source_fingerprint, std::string_view metadata_json) {
  std::vector<PendingSection> sections;
  for (const ModeGraph* g : {&graphs.car, &graphs.foot}) {
    Status valid = ValidateModeGraph(g->View());
    if (!valid.ok()) return InvalidArgument(fmt::format("{}: {}", path, valid.message()));
    const std::string prefix = fmt::format("{}.", ModeName(g->mode));
    sections.push_back(
        {fmt::format("{}grid", prefix), &g->grid, sizeof(GridHeader), sizeof(GridHeader)});
    ForEachArray(*g, [&](std::string_view name, const auto& array) {
      using T = typename std::decay_t<decltype(array)>::value_type;
      sections.push_back({fmt::format("{}{}", prefix, name), array.data(), array.size() * sizeof(T),
                          static_cast<uint32_t>(sizeof(T))});
    });
  }
  sections.push_back({"metadata.json", metadata_json.data(), metadata_json.size(), 1});

  FileHeader header{};
  std::memcpy(header.magic, kMagic, sizeof kMagic);
  header.format_version = kGraphFormatVersion;
  header.profile_version = kRoadProfileVersion;
  header.endian_marker = kEndianMarker;
  header.section_count = static_cast<uint32_t>(sections.size());
  header.source_fingerprint = source_fingerprint;
  header.section_table_offset = sizeof(FileHeader);

  std::vector<SectionEntry> table(sections.size());
  uint64_t offset = AlignUp(sizeof(FileHeader) + sections.size() * sizeof(SectionEntry));
  for (size_t i = 0; i < sections.size(); ++i) {
    SectionEntry& e = table[i];
    std::memset(&e, 0, sizeof e);
    PG_ASSERT(sections[i].name.size() < sizeof e.name);
    std::memcpy(e.name, sections[i].name.data(), sections[i].name.size());
    e.offset = offset;
    e.size_bytes = sections[i].size_bytes;
    e.element_size = sections[i].element_size;
    offset = AlignUp(offset + e.size_bytes);
  }
  header.file_size = offset;

  // The payload CRC runs over the table and the sections with their zero padding, in file order.
  static constexpr char kZeros[kAlignment] = {};
  uLong crc = crc32(0L, Z_NULL, 0);
  auto crc_add = [&crc](const void* p, uint64_t n) {
    crc = crc32_z(crc, static_cast<const Bytef*>(p), static_cast<z_size_t>(n));
  };
  crc_add(table.data(), table.size() * sizeof(SectionEntry));
  uint64_t position = sizeof(FileHeader) + table.size() * sizeof(SectionEntry);
  for (size_t i = 0; i < sections.size(); ++i) {
    crc_add(kZeros, table[i].offset - position);
    crc_add(sections[i].data, sections[i].size_bytes);
    position = table[i].offset + sections[i].size_bytes;
  }
  crc_add(kZeros, header.file_size - position);
  header.payload_crc32 = static_cast<uint32_t>(crc);
  header.header_crc32 = 0;
  header.header_crc32 =
      static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(&header), sizeof header));

  const std::string tmp_path = fmt::format("{}.tmp-{}", path, ::getpid());
  {
    std::ofstream out(tmp_path, std::ios::binary | std::ios::trunc);
    if (!out) return Unavailable(fmt::format("{}: cannot be created", tmp_path));
    out.write(reinterpret_cast<const char*>(&header), sizeof header);
    out.write(reinterpret_cast<const char*>(table.data()),
              static_cast<std::streamsize>(table.size() * sizeof(SectionEntry)));
    position = sizeof(FileHeader) + table.size() * sizeof(SectionEntry);
    for (size_t i = 0; i < sections.size(); ++i) {
      out.write(kZeros, static_cast<std::streamsize>(table[i].offset - position));
      out.write(static_cast<const char*>(sections[i].data),
                static_cast<std::streamsize>(sections[i].size_bytes));
      position = table[i].offset + sections[i].size_bytes;
    }
    out.write(kZeros, static_cast<std::streamsize>(header.file_size - position));
    out.flush();
    if (!out) {
      std::error_code ec;
      std::filesystem::remove(tmp_path, ec);
      return Unavailable(fmt::format("{}: cannot be written (disk full?)", tmp_path));
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp_path, path, ec);
  if (ec) {
    std::filesystem::remove(tmp_path, ec);
    return Unavailable(
        fmt::format("{}: cannot move the written file into place: {}", path, ec.message()));
  }
  return Status::Ok();
}

MappedGraphFile::~MappedGraphFile() {
  if (data_ != nullptr) ::munmap(const_cast<unsigned char*>(data_), size_);
}

Result<std::unique_ptr<MappedGraphFile>> MappedGraphFile::Open(const std::string& path,
                                                               const GraphOpenOptions& options) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFound(fmt::format("{}: no such graph file", path));
    return Unavailable(fmt::format("{}: cannot be opened: {}", path, std::strerror(errno)));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return Unavailable(fmt::format("{}: cannot be read: {}", path, std::strerror(errno)));
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size < sizeof(FileHeader)) {
    ::close(fd);
    return DataLoss(fmt::format("{}: not a parkguide graph file (only {} bytes)", path, size));
  }
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) {
    return Unavailable(fmt::format("{}: cannot be mapped: {}", path, std::strerror(errno)));
  }
  std::unique_ptr<MappedGraphFile> file(new MappedGraphFile());
  file->path_ = path;
  file->data_ = static_cast<const unsigned char*>(map);
  file->size_ = size;

  FileHeader header;
  std::memcpy(&header, file->data_, sizeof header);
  if (std::memcmp(header.magic, kMagic, sizeof kMagic) != 0) {
    return DataLoss(fmt::format("{}: not a parkguide graph file", path));
  }
  if (header.format_version != kGraphFormatVersion) {
    return FailedPrecondition(
        fmt::format("{}: graph format version {}, but this parkguide reads version {}: {}", path,
                    header.format_version, kGraphFormatVersion, RebuildHint()));
  }
  if (header.profile_version != kRoadProfileVersion) {
    return FailedPrecondition(fmt::format(
        "{}: built with road profile version {}, but this parkguide uses version {}: {}", path,
        header.profile_version, kRoadProfileVersion, RebuildHint()));
  }
  FileHeader unchecked = header;
  unchecked.header_crc32 = 0;
  if (header.endian_marker != kEndianMarker ||
      header.header_crc32 !=
          crc32(0L, reinterpret_cast<const Bytef*>(&unchecked), sizeof unchecked)) {
    return DataLoss(fmt::format("{}: the header is corrupt: {}", path, RebuildHint()));
  }
  if (header.file_size != size) {
    return DataLoss(fmt::format("{}: truncated or extended: {} bytes, the header says {}: {}", path,
                                size, header.file_size, RebuildHint()));
  }
  if (options.expected_fingerprint && *options.expected_fingerprint != header.source_fingerprint) {
    return FailedPrecondition(fmt::format(
        "{}: built from another OSM file (fingerprint {}) than the city's last import ({}): {}",
        path, FingerprintToHex(header.source_fingerprint),
        FingerprintToHex(*options.expected_fingerprint), RebuildHint()));
  }
  // Compared without adding to the offset: a huge offset would wrap around to a small end.
  const uint64_t table_bytes = uint64_t{header.section_count} * sizeof(SectionEntry);
  if (header.section_table_offset < sizeof(FileHeader) || header.section_table_offset > size ||
      table_bytes > size - header.section_table_offset) {
    return DataLoss(
        fmt::format("{}: the section table is out of the file: {}", path, RebuildHint()));
  }
  if (options.verify_checksum) {
    const uLong crc = crc32_z(crc32(0L, Z_NULL, 0), file->data_ + header.section_table_offset,
                              static_cast<z_size_t>(size - header.section_table_offset));
    if (crc != header.payload_crc32) {
      return DataLoss(
          fmt::format("{}: checksum mismatch, the file is corrupt: {}", path, RebuildHint()));
    }
  }
  file->source_fingerprint_ = header.source_fingerprint;

  std::vector<SectionEntry> table(header.section_count);
  if (!table.empty()) {  // memcpy's pointers must not be null even for no bytes: a file of no
                         // sections has table.data() == nullptr (it is refused below)
    std::memcpy(table.data(), file->data_ + header.section_table_offset,
                table.size() * sizeof(SectionEntry));
  }
  auto find = [&](const std::string& name) -> const SectionEntry* {
    for (const SectionEntry& e : table) {
      if (std::strncmp(e.name, name.c_str(), sizeof e.name) == 0) return &e;
    }
    return nullptr;
  };
  Status status;
  auto bind = [&](const std::string& name, size_t element_size, const void*& out, size_t& count) {
    if (!status.ok()) return;
    const SectionEntry* e = find(name);
    if (e == nullptr) {
      status = DataLoss(fmt::format("{}: section '{}' is missing: {}", path, name, RebuildHint()));
      return;
    }
    if (e->element_size != element_size || e->size_bytes % element_size != 0 ||
        e->offset % kAlignment != 0 || e->offset > size || e->size_bytes > size - e->offset) {
      status =
          DataLoss(fmt::format("{}: section '{}' is malformed: {}", path, name, RebuildHint()));
      return;
    }
    out = file->data_ + e->offset;
    count = e->size_bytes / element_size;
  };
  for (Mode mode : kAllModes) {
    ModeGraphView& view = mode == Mode::kCar ? file->car_ : file->foot_;
    view.mode = mode;
    const std::string prefix = fmt::format("{}.", ModeName(mode));
    const void* grid = nullptr;
    size_t grid_count = 0;
    bind(fmt::format("{}grid", prefix), sizeof(GridHeader), grid, grid_count);
    if (status.ok() && grid_count != 1) {
      status = DataLoss(fmt::format("{}: section '{}grid' is malformed", path, prefix));
    }
    if (status.ok()) std::memcpy(&view.grid, grid, sizeof(GridHeader));
    ForEachArray(view, [&](std::string_view name, auto& span) {
      using T = std::remove_const_t<typename std::decay_t<decltype(span)>::element_type>;
      const void* p = nullptr;
      size_t count = 0;
      bind(fmt::format("{}{}", prefix, name), sizeof(T), p, count);
      if (status.ok()) span = {static_cast<const T*>(p), count};
    });
    if (!status.ok()) return status;
    if (Status valid = ValidateModeGraph(view); !valid.ok()) {
      return DataLoss(fmt::format("{}: {}: {}", path, valid.message(), RebuildHint()));
    }
  }
  const void* metadata = nullptr;
  size_t metadata_size = 0;
  bind("metadata.json", 1, metadata, metadata_size);
  if (!status.ok()) return status;
  file->metadata_ = {static_cast<const char*>(metadata), metadata_size};
  return file;
}

}  // namespace pg::graph

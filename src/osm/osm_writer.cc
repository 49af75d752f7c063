#include "osm/osm_writer.h"

#include <fmt/format.h>

#include <unistd.h>  // getpid: a temporary name no other writer uses
#include <algorithm>
#include <chrono>
#include <exception>
#include <filesystem>
#include <limits>
#include <string_view>
#include <system_error>

#include <osmium/builder/osm_object_builder.hpp>
#include <osmium/io/any_output.hpp>
#include <osmium/io/header.hpp>
#include <osmium/io/writer.hpp>
#include <osmium/memory/buffer.hpp>
#include <osmium/osm/box.hpp>
#include <osmium/osm/location.hpp>
#include <osmium/osm/timestamp.hpp>
#include <osmium/osm/types.hpp>

namespace pg::osm {
namespace {

constexpr size_t kBufferBytes = 1 << 20;

Result<std::string> FormatFromPath(const std::string& path) {
  std::string_view p = path;
  if (p.ends_with(".pbf")) return std::string("pbf");
  if (p.ends_with(".osm")) return std::string("xml");
  return InvalidArgument(
      fmt::format("{}: unsupported extension; write .osm.pbf (PBF) or .osm (XML)", path), "path");
}

template <typename T>
Status CheckUniqueIds(std::vector<const T*>& sorted, const char* kind) {
  std::sort(sorted.begin(), sorted.end(), [](const T* a, const T* b) { return a->id < b->id; });
  for (size_t i = 1; i < sorted.size(); ++i) {
    if (sorted[i]->id == sorted[i - 1]->id) {
      return InvalidArgument(fmt::format("{} {} appears twice", kind, sorted[i]->id), "id");
    }
  }
  return Status::Ok();
}

template <typename T>
std::vector<const T*> Pointers(const std::vector<T>& objects) {
  std::vector<const T*> out;
  out.reserve(objects.size());
  for (const T& o : objects) out.push_back(&o);
  return out;
}

Result<osmium::item_type> MemberType(char type, int64_t relation_id) {
  switch (type) {
    case 'n':
      return osmium::item_type::node;
    case 'w':
      return osmium::item_type::way;
    case 'r':
      return osmium::item_type::relation;
    default:
      return InvalidArgument(
          fmt::format("relation {}: member type '{}' is not n, w or r", relation_id, type),
          "members");
  }
}

// Tag lengths are checked here because libosmium's builders throw on them halfway through an
// object, which would leave the buffer inconsistent.
Status CheckTags(const TagList& tags, char type, int64_t id) {
  for (const auto& [key, value] : tags) {
    if (key.size() > osmium::max_osm_string_length ||
        value.size() > osmium::max_osm_string_length) {
      return InvalidArgument(
          fmt::format("{}{}: tag '{}' is longer than OSM allows ({} bytes)", type, id,
                      key.substr(0, 40), osmium::max_osm_string_length),
          "tags");
    }
  }
  return Status::Ok();
}

template <typename TBuilder>
void AddTags(TBuilder& parent, const TagList& tags) {
  osmium::builder::TagListBuilder builder{parent};
  for (const auto& [key, value] : tags) builder.add_tag(key, value);
}

template <typename TBuilder>
void SetCommon(TBuilder& builder, int64_t id, const osmium::Timestamp& timestamp) {
  builder.set_id(id).set_version(1).set_changeset(1).set_uid(0).set_timestamp(timestamp);
}

class BufferedWriter {
 public:
  explicit BufferedWriter(osmium::io::Writer& writer) : writer_(writer) {}

  osmium::memory::Buffer& buffer() { return buffer_; }

  // Commits the object just built; hands full buffers to the writer.
  void Commit() {
    buffer_.commit();
    if (buffer_.committed() >= kBufferBytes) Flush();
  }
  void Flush() {
    if (buffer_.committed() == 0) return;
    writer_(std::move(buffer_));
    buffer_ = osmium::memory::Buffer{kBufferBytes, osmium::memory::Buffer::auto_grow::yes};
  }

 private:
  osmium::io::Writer& writer_;
  osmium::memory::Buffer buffer_{kBufferBytes, osmium::memory::Buffer::auto_grow::yes};
};

Status WriteSorted(const std::string& tmp_path, const std::string& format, const BoundingBox& bbox,
                   const std::vector<const OsmWriteNode*>& nodes,
                   const std::vector<const OsmWriteWay*>& ways,
                   const std::vector<const OsmWriteRelation*>& relations,
                   const osmium::Timestamp& timestamp) {
  osmium::io::Header header;
  header.set("generator", "parkguide");
  if (!bbox.empty()) {
    header.add_box(osmium::Box{bbox.min_lon, bbox.min_lat, bbox.max_lon, bbox.max_lat});
  }
  osmium::io::Writer writer{osmium::io::File{tmp_path, format}, header,
                            osmium::io::overwrite::allow};
  BufferedWriter out{writer};
  for (const OsmWriteNode* n : nodes) {
    {
      osmium::builder::NodeBuilder builder{out.buffer()};
      SetCommon(builder, n->id, timestamp);
      builder.set_location(osmium::Location{n->location.lon, n->location.lat});
      AddTags(builder, n->tags);
    }
    out.Commit();
  }
  for (const OsmWriteWay* w : ways) {
    {
      osmium::builder::WayBuilder builder{out.buffer()};
      SetCommon(builder, w->id, timestamp);
      {
        osmium::builder::WayNodeListBuilder refs{builder};
        for (int64_t id : w->node_ids) refs.add_node_ref(id);
      }
      AddTags(builder, w->tags);
    }
    out.Commit();
  }
  for (const OsmWriteRelation* r : relations) {
    {
      osmium::builder::RelationBuilder builder{out.buffer()};
      SetCommon(builder, r->id, timestamp);
      {
        osmium::builder::RelationMemberListBuilder members{builder};
        for (const auto& m : r->members) {
          // Types were checked before writing started.
          members.add_member(MemberType(m.type, r->id).value(), m.ref, m.role);
        }
      }
      AddTags(builder, r->tags);
    }
    out.Commit();
  }
  out.Flush();
  writer.close();
  return Status::Ok();
}

}  // namespace

Status WriteOsmFile(const std::string& path, const OsmWriteData& data) {
  PG_ASSIGN_OR_RETURN(std::string format, FormatFromPath(path));

  auto nodes = Pointers(data.nodes);
  auto ways = Pointers(data.ways);
  auto relations = Pointers(data.relations);
  PG_RETURN_IF_ERROR(CheckUniqueIds(nodes, "node"));
  PG_RETURN_IF_ERROR(CheckUniqueIds(ways, "way"));
  PG_RETURN_IF_ERROR(CheckUniqueIds(relations, "relation"));

  BoundingBox bbox;
  for (const OsmWriteNode* n : nodes) {
    Status s = ValidateLatLon(n->location, "location");
    if (!s.ok()) return s.WithContext(fmt::format("node {}", n->id));
    PG_RETURN_IF_ERROR(CheckTags(n->tags, 'n', n->id));
    bbox.Extend(n->location);
  }
  for (const OsmWriteWay* w : ways) PG_RETURN_IF_ERROR(CheckTags(w->tags, 'w', w->id));
  for (const OsmWriteRelation* r : relations) {
    PG_RETURN_IF_ERROR(CheckTags(r->tags, 'r', r->id));
    for (const auto& m : r->members) {
      PG_RETURN_IF_ERROR(MemberType(m.type, r->id).status());
      if (m.role.size() > osmium::max_osm_string_length) {
        return InvalidArgument(fmt::format("relation {}: a member role is too long", r->id),
                               "members");
      }
    }
  }
  if (data.bbox) {
    PG_RETURN_IF_ERROR(ValidateLatLon({data.bbox->min_lat, data.bbox->min_lon}, "bbox"));
    PG_RETURN_IF_ERROR(ValidateLatLon({data.bbox->max_lat, data.bbox->max_lon}, "bbox"));
    bbox = *data.bbox;
  }

  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(data.timestamp.time_since_epoch()).count();
  const osmium::Timestamp timestamp{
      static_cast<uint32_t>(std::clamp<int64_t>(seconds, 0, std::numeric_limits<uint32_t>::max()))};

  const std::string tmp_path = fmt::format("{}.tmp-{}", path, ::getpid());
  Status written;
  try {
    written = WriteSorted(tmp_path, format, bbox, nodes, ways, relations, timestamp);
  } catch (const std::exception& e) {
    written = Unavailable(fmt::format("{}: cannot write the OSM file: {}", path, e.what()));
  }
  std::error_code ec;
  if (written.ok()) {
    std::filesystem::rename(tmp_path, path, ec);
    if (ec) {
      written = Unavailable(
          fmt::format("{}: cannot move the written file into place: {}", path, ec.message()));
    }
  }
  if (!written.ok()) std::filesystem::remove(tmp_path, ec);
  return written;
}

}  // namespace pg::osm

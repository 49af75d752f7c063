#include "osm/osm_input.h"

#include <fmt/format.h>

#include <cctype>
#include <exception>
#include <filesystem>
#include <fstream>
#include <new>
#include <string_view>
#include <system_error>

#include <osmium/handler/check_order.hpp>
#include <osmium/io/error.hpp>
#include <osmium/osm/item_type.hpp>

namespace pg::osm::internal {
namespace {

enum class Sniff { kLooksLikeOsm, kNotOsm };

// Whether the first bytes are what the format named by the extension starts with; decides
// whether a read failure means "not an OSM file" or "a damaged OSM file".
Sniff SniffFile(const std::string& path, const osmium::io::File& file) {
  std::ifstream in(path, std::ios::binary);
  char buf[64] = {};
  in.read(buf, sizeof buf);
  const std::string_view head(buf, static_cast<size_t>(in.gcount()));
  switch (file.compression()) {
    case osmium::io::file_compression::gzip:
      return head.size() >= 2 && head[0] == '\x1f' && head[1] == '\x8b' ? Sniff::kLooksLikeOsm
                                                                        : Sniff::kNotOsm;
    case osmium::io::file_compression::bzip2:
      return head.starts_with("BZh") ? Sniff::kLooksLikeOsm : Sniff::kNotOsm;
    case osmium::io::file_compression::none:
      break;
  }
  switch (file.format()) {
    case osmium::io::file_format::pbf:
      // A 4-byte BlobHeader length, then field 1 (type) = "OSMHeader".
      return head.size() >= 15 && head.substr(4, 11) == std::string_view("\x0a\x09OSMHeader", 11)
                 ? Sniff::kLooksLikeOsm
                 : Sniff::kNotOsm;
    case osmium::io::file_format::xml: {
      std::string_view rest = head;
      if (rest.starts_with("\xef\xbb\xbf")) rest.remove_prefix(3);
      while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.front()))) {
        rest.remove_prefix(1);
      }
      return rest.starts_with("<?xml") || rest.starts_with("<osm") ? Sniff::kLooksLikeOsm
                                                                   : Sniff::kNotOsm;
    }
    case osmium::io::file_format::opl:
      return head.size() >= 2 && std::string_view("nwrc").find(head[0]) != std::string_view::npos &&
                     (std::isdigit(static_cast<unsigned char>(head[1])) || head[1] == '-')
                 ? Sniff::kLooksLikeOsm
                 : Sniff::kNotOsm;
    case osmium::io::file_format::o5m:
      return head.starts_with("\xff\xe0") ? Sniff::kLooksLikeOsm : Sniff::kNotOsm;
    default:
      return Sniff::kNotOsm;
  }
}

const char* FormatName(const osmium::io::File& file) {
  switch (file.format()) {
    case osmium::io::file_format::pbf:
      return "OSM PBF";
    case osmium::io::file_format::xml:
      return "OSM XML";
    case osmium::io::file_format::opl:
      return "OPL";
    case osmium::io::file_format::o5m:
      return "o5m";
    default:
      return "OSM";
  }
}

Status ReadFailure(const std::string& path, const osmium::io::File& file, const char* what) {
  if (SniffFile(path, file) == Sniff::kNotOsm) {
    return InvalidArgument(fmt::format("{}: not an OSM file (expected {} from its extension): {}",
                                       path, FormatName(file), what));
  }
  return DataLoss(
      fmt::format("{}: truncated or corrupt {} file: {}", path, FormatName(file), what));
}

}  // namespace

Result<osmium::io::File> CheckOsmPath(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) {
    return NotFound(fmt::format("{}: no such file", path));
  }
  if (std::filesystem::is_directory(status)) {
    return InvalidArgument(fmt::format("{}: is a directory, not an OSM file", path));
  }
  if (std::filesystem::file_size(path, ec) == 0 && !ec) {
    return InvalidArgument(fmt::format("{}: is empty, not an OSM file", path));
  }

  osmium::io::File file{path};
  try {
    file.check();
  } catch (const std::exception& e) {
    return InvalidArgument(
        fmt::format("{}: not an OSM file name ({}); use .osm.pbf, .osm, .osm.gz, .osm.bz2 or .opl",
                    path, e.what()));
  }
  if (file.format() != osmium::io::file_format::pbf &&
      file.format() != osmium::io::file_format::xml &&
      file.format() != osmium::io::file_format::opl &&
      file.format() != osmium::io::file_format::o5m) {
    return InvalidArgument(fmt::format("{}: not a readable OSM format", path));
  }
  return file;
}

Status StatusFromReadException(const std::string& path, const osmium::io::File& file) {
  try {
    throw;
  } catch (const osmium::out_of_order_error& e) {
    return InvalidArgument(
        fmt::format("{}: objects are not sorted by type and id ({}); sort it with "
                    "`osmium sort`",
                    path, e.what()));
  } catch (const osmium::io_error& e) {
    // pbf_error, xml_error, opl_error, o5m_error, gzip_error, bzip2_error: the content is bad.
    return ReadFailure(path, file, e.what());
  } catch (const std::system_error& e) {
    return Unavailable(fmt::format("{}: cannot read: {}", path, e.what()));
  } catch (const std::bad_alloc&) {
    return ResourceExhausted(fmt::format("{}: out of memory while reading", path));
  } catch (const std::exception& e) {
    // Anything else from the decoders (protozero's exceptions, std::length_error on an absurd
    // block size…) also means damaged or foreign content.
    return ReadFailure(path, file, e.what());
  } catch (...) {
    return Internal(fmt::format("{}: unknown failure while reading", path));
  }
}

}  // namespace pg::osm::internal

// Internal to pg_osm: what every OSM reader of this module does around libosmium — the checks
// before opening a file, and the mapping of libosmium's exceptions to a Status — so that all
// readers name the same problems the same way.
//
//   PG_ASSIGN_OR_RETURN(osmium::io::File file, internal::CheckOsmPath(path));
//   try {
//     return ReadWithOsmium(file);
//   } catch (...) {
//     return internal::StatusFromReadException(path, file);
//   }
//
// Thread-safety: plain functions.
#pragma once

#include <osmium/io/file.hpp>
#include <osmium/io/reader.hpp>
#include <osmium/visitor.hpp>
#include <string>
#include <string_view>

#include "core/progress.h"
#include "core/status.h"

namespace pg::osm::internal {

// Checks that `path` names an existing, non-empty regular file with a readable OSM format
// (.osm.pbf, .osm, .osm.gz, .osm.bz2, .opl, .o5m, from the extension).
// Errors: kNotFound (no such file); kInvalidArgument (a directory, empty, an unknown extension).
Result<osmium::io::File> CheckOsmPath(const std::string& path);

// Maps the exception being handled to a Status naming `path`: kInvalidArgument for content that
// is not OSM in the format the extension names or objects out of order, kDataLoss for a
// truncated or corrupt OSM file, kUnavailable for I/O errors, kResourceExhausted when memory ran
// out. REQUIRES: called inside a catch block.
Status StatusFromReadException(const std::string& path, const osmium::io::File& file);

// osmium::apply(reader, handlers...) buffer by buffer, reporting the bytes of the file read so far
// as `stage` after each.
template <typename... Handlers>
void ApplyReporting(osmium::io::Reader& reader, const Progress& progress, std::string_view stage,
                    Handlers&... handlers) {
  while (osmium::memory::Buffer buffer = reader.read()) {
    osmium::apply(buffer, handlers...);
    ReportProgress(progress, stage, reader.offset(), reader.file_size());
  }
}

}  // namespace pg::osm::internal

// Tags: the key/value pairs of one OSM object as plain values, shared by every record the osm/
// module returns (parking objects, road ways).
//
//   const std::string* v = pg::osm::FindTag(tags, "capacity");  // nullptr when absent
//
// Thread-safety: plain values.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace pg::osm {

// Tags of one object; OSM keys are unique per object. Lookups take string_view.
using Tags = std::map<std::string, std::string, std::less<>>;

// The value of `key`, or nullptr when the object does not carry it.
inline const std::string* FindTag(const Tags& tags, std::string_view key) {
  auto it = tags.find(key);
  return it == tags.end() ? nullptr : &it->second;
}

}  // namespace pg::osm

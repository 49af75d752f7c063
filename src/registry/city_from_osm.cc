#include "registry/city_from_osm.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>

#include "core/time.h"
#include "model/validation.h"

namespace pg::registry {
namespace {

using osm::BoundaryArea;

// A tag's value, nullptr when absent or empty (`name=""` names nothing).
const std::string* FindTag(const osm::Tags& tags, const char* key) {
  const std::string* value = osm::FindTag(tags, key);
  return value && !value->empty() ? value : nullptr;
}

bool PolygonContains(const BoundaryArea::Polygon& polygon, const LatLon& p) {
  if (!RingContains(polygon.outer, p)) return false;
  return std::none_of(polygon.inners.begin(), polygon.inners.end(),
                      [&p](const auto& hole) { return RingContains(hole, p); });
}

bool BoundaryContains(const BoundaryArea& boundary, const LatLon& p) {
  return std::any_of(boundary.polygons.begin(), boundary.polygons.end(),
                     [&p](const auto& polygon) { return PolygonContains(polygon, p); });
}

// Planar area of a ring in square metres (equirectangular at the ring's first latitude): only
// compared between boundaries around the same places.
double RingSquareMeters(const std::vector<LatLon>& ring) {
  if (ring.size() < 3) return 0;
  constexpr double kMetersPerDegree = 111'320;
  const double kx = std::cos(ring[0].lat * std::numbers::pi / 180.0);
  double twice = 0;
  for (size_t i = 0; i + 1 < ring.size(); ++i) {
    twice += ring[i].lon * kx * ring[i + 1].lat - ring[i + 1].lon * kx * ring[i].lat;
  }
  return std::abs(twice) / 2 * kMetersPerDegree * kMetersPerDegree;
}

double BoundarySquareMeters(const BoundaryArea& boundary) {
  double total = 0;
  for (const auto& polygon : boundary.polygons) {
    total += RingSquareMeters(polygon.outer);
    for (const auto& hole : polygon.inners) total -= RingSquareMeters(hole);
  }
  return total;
}

// The boundaries that carry `key` (and pass `keep`), smallest first.
template <typename Keep>
std::vector<const BoundaryArea*> SmallestFirst(std::span<const BoundaryArea> boundaries,
                                               Keep keep) {
  std::vector<std::pair<double, const BoundaryArea*>> sized;
  for (const auto& b : boundaries) {
    if (keep(b)) sized.emplace_back(BoundarySquareMeters(b), &b);
  }
  std::stable_sort(sized.begin(), sized.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<const BoundaryArea*> out;
  out.reserve(sized.size());
  for (const auto& [size, b] : sized) out.push_back(b);
  return out;
}

std::string Share(int count, size_t of) {
  return fmt::format("{:.0f} % of {} places", 100.0 * count / static_cast<double>(of), of);
}

std::string Quoted(const BoundaryArea& b) {
  const std::string* name = FindTag(b.tags, "name");
  return fmt::format("OSM {} '{}'", b.ref.ToString(), name ? *name : "");
}

struct Found {
  std::string value;
  std::string source;
};

// The zone most places lie in, each place counted in the smallest zone-tagged boundary around it.
std::optional<Found> FindTimeZone(std::span<const BoundaryArea> boundaries,
                                  std::span<const LatLon> places) {
  const auto zoned = SmallestFirst(boundaries, [](const BoundaryArea& b) {
    const std::string* zone = FindTag(b.tags, "timezone");
    return zone && LookupTimeZone(*zone).ok();
  });
  std::map<std::string, std::pair<int, const BoundaryArea*>> votes;
  for (const LatLon& p : places) {
    for (const BoundaryArea* b : zoned) {
      if (!BoundaryContains(*b, p)) continue;
      auto& [count, first] = votes[b->tags.at("timezone")];
      if (count++ == 0) first = b;
      break;
    }
  }
  if (votes.empty()) return std::nullopt;
  const auto best = std::max_element(votes.begin(), votes.end(), [](const auto& x, const auto& y) {
    return x.second.first < y.second.first;
  });
  return Found{best->first, fmt::format("timezone of {} ({})", Quoted(*best->second.second),
                                        Share(best->second.first, places.size()))};
}

// The smallest administrative boundary holding kCityShareOfPlaces of the places.
const BoundaryArea* FindCityBoundary(std::span<const BoundaryArea> boundaries,
                                     std::span<const LatLon> places, int* holds) {
  const auto named = SmallestFirst(boundaries, [](const BoundaryArea& b) {
    const std::string* kind = FindTag(b.tags, "boundary");
    return kind && *kind == "administrative" && FindTag(b.tags, "name");
  });
  for (const BoundaryArea* b : named) {
    const auto inside = std::count_if(places.begin(), places.end(),
                                      [b](const LatLon& p) { return BoundaryContains(*b, p); });
    if (static_cast<double>(inside) >= kCityShareOfPlaces * static_cast<double>(places.size()) &&
        inside > 0) {
      *holds = static_cast<int>(inside);
      return b;
    }
  }
  return nullptr;
}

// Whether `text` holds a CJK ideograph (U+3400–U+9FFF: UTF-8 lead bytes 0xE3–0xE9).
bool HasIdeograph(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte >= 0xE3 && byte <= 0xE9;
  });
}

model::LocalizedName NameOfBoundary(const BoundaryArea& b) {
  const std::string& name = *FindTag(b.tags, "name");
  model::LocalizedName out;
  if (const std::string* zh = FindTag(b.tags, "name:zh-Hans")) {
    out.zh = *zh;
  } else if (const std::string* zh_any = FindTag(b.tags, "name:zh")) {
    out.zh = *zh_any;
  } else if (HasIdeograph(name)) {
    out.zh = name;
  }
  if (const std::string* en = FindTag(b.tags, "name:en")) {
    out.en = *en;
  } else if (!HasIdeograph(name)) {
    out.en = name;
  }
  return out;
}

Status NameTheCity(std::span<const BoundaryArea> boundaries, std::span<const LatLon> places,
                   CitySettings& out) {
  int holds = 0;
  const BoundaryArea* city = FindCityBoundary(boundaries, places, &holds);
  if (city == nullptr) {
    return FailedPrecondition(fmt::format(
        "the file has no administrative boundary (with its every member) around {} of its {} "
        "places to name the city after: give --city-name (\"许昌市|Xuchang\" names both "
        "languages)",
        fmt::format("{:.0f} %", kCityShareOfPlaces * 100), places.size()));
  }
  out.city.name = NameOfBoundary(*city);
  const std::string* level = FindTag(city->tags, "admin_level");
  out.name_source = fmt::format("{} (admin_level {}, {})", Quoted(*city), level ? *level : "?",
                                Share(holds, places.size()));
  return {};
}

}  // namespace

model::LocalizedName NameFromFlag(const std::string& text) {
  const auto bar = text.find('|');
  if (bar == std::string::npos) return {text, text};
  return {text.substr(0, bar), text.substr(bar + 1)};
}

std::string CityIdFromName(std::string_view name) {
  std::string id;
  bool gap = false;
  for (char c : name) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    const bool upper = c >= 'A' && c <= 'Z';
    if (alnum || upper) {
      if (gap && !id.empty()) id += '-';
      id += upper ? static_cast<char>(c - 'A' + 'a') : c;
      gap = false;
    } else {
      gap = true;
    }
    if (id.size() >= 40) break;
  }
  return id.empty() ? "city" : id;
}

Result<CitySettings> DecideCitySettings(std::span<const BoundaryArea> boundaries,
                                        std::span<const LatLon> places,
                                        const CitySettingsRequest& request) {
  CitySettings out;
  if (request.time_zone && !LookupTimeZone(*request.time_zone).ok()) {
    return InvalidArgument(fmt::format("--time-zone '{}' is not an IANA time zone (such as "
                                       "Asia/Shanghai)",
                                       *request.time_zone),
                           "--time-zone");
  }
  if (request.stored) {
    out.city = *request.stored;
    out.name_source = out.zone_source = "kept from the database";
  } else {
    out.changed = true;
  }
  if (request.name) {
    out.city.name = NameFromFlag(*request.name);
    out.name_source = "given (--city-name)";
    out.changed = true;
  } else if (!request.stored) {
    PG_RETURN_IF_ERROR(NameTheCity(boundaries, places, out));
  }
  if (request.time_zone) {
    out.city.time_zone = *request.time_zone;
    out.zone_source = "given (--time-zone)";
    out.changed = true;
  } else if (!request.stored) {
    auto zone = FindTimeZone(boundaries, places);
    if (!zone) {
      return FailedPrecondition(
          "no boundary in the file around its places has a timezone tag: give --time-zone "
          "(an IANA name such as Asia/Shanghai or Europe/Monaco)");
    }
    out.city.time_zone = zone->value;
    out.zone_source = zone->source;
  }
  if (!request.stored) {
    out.city.id = CityIdFromName(out.city.name.en.empty() ? out.city.name.zh : out.city.name.en);
  }
  // What the operator or the file gave passes the same checks as a survey's city.csv (a
  // 10,000-character or control-character name would reach every page and report).
  if (auto problems = model::Validate(out.city); !problems.empty()) {
    const Status& p = problems.front();
    return InvalidArgument(fmt::format("the city's {} ({}): {}", p.field(),
                                       request.name ? "--city-name" : out.name_source, p.message()),
                           p.field());
  }
  return out;
}

}  // namespace pg::registry

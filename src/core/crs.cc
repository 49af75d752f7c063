#include "core/crs.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <numbers>
#include <string>

namespace pg {
namespace {

constexpr double kPi = std::numbers::pi;
constexpr double kKrasovskyA = 6378245.0;                // semi-major axis, m
constexpr double kKrasovskyEe = 0.00669342162296594323;  // eccentricity squared
constexpr double kBaiduXPi = std::numbers::pi * 3000.0 / 180.0;

double ShiftLat(double x, double y) {
  double r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * std::sqrt(std::abs(x));
  r += (20.0 * std::sin(6.0 * x * kPi) + 20.0 * std::sin(2.0 * x * kPi)) * 2.0 / 3.0;
  r += (20.0 * std::sin(y * kPi) + 40.0 * std::sin(y / 3.0 * kPi)) * 2.0 / 3.0;
  r += (160.0 * std::sin(y / 12.0 * kPi) + 320.0 * std::sin(y * kPi / 30.0)) * 2.0 / 3.0;
  return r;
}

double ShiftLon(double x, double y) {
  double r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * std::sqrt(std::abs(x));
  r += (20.0 * std::sin(6.0 * x * kPi) + 20.0 * std::sin(2.0 * x * kPi)) * 2.0 / 3.0;
  r += (20.0 * std::sin(x * kPi) + 40.0 * std::sin(x / 3.0 * kPi)) * 2.0 / 3.0;
  r += (150.0 * std::sin(x / 12.0 * kPi) + 300.0 * std::sin(x / 30.0 * kPi)) * 2.0 / 3.0;
  return r;
}

// The GCJ-02 offset (degrees) at WGS-84 `p`, ignoring the China box.
LatLon GcjOffset(const LatLon& p) {
  const double x = p.lon - 105.0, y = p.lat - 35.0;
  const double rad = p.lat / 180.0 * kPi;
  double magic = std::sin(rad);
  magic = 1 - kKrasovskyEe * magic * magic;
  const double sqrt_magic = std::sqrt(magic);
  const double dlat =
      (ShiftLat(x, y) * 180.0) / ((kKrasovskyA * (1 - kKrasovskyEe)) / (magic * sqrt_magic) * kPi);
  const double dlon = (ShiftLon(x, y) * 180.0) / (kKrasovskyA / sqrt_magic * std::cos(rad) * kPi);
  return {dlat, dlon};
}

}  // namespace

Result<Crs> ParseCrs(std::string_view text, std::string_view field) {
  if (text.empty()) return Crs::kWgs84;
  const auto refused = [&](std::string_view shown) -> Result<Crs> {
    return InvalidArgument(fmt::format("'{}' is not one of wgs84, gcj02, bd09", shown),
                           std::string(field));
  };
  if (text.size() > 16) return refused(fmt::format("{}…", text.substr(0, 16)));
  // "GCJ-02", "BD_09", "WGS84": the ways the names are written in the field's documents.
  std::string name;
  for (char c : text) {
    if (c != '-' && c != '_')
      name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (name == "wgs84") return Crs::kWgs84;
  if (name == "gcj02") return Crs::kGcj02;
  if (name == "bd09") return Crs::kBd09;
  return refused(text);
}

std::string_view CrsName(Crs crs) {
  switch (crs) {
    case Crs::kWgs84:
      return "wgs84";
    case Crs::kGcj02:
      return "gcj02";
    case Crs::kBd09:
      return "bd09";
  }
  return "wgs84";
}

bool GcjApplies(const LatLon& p) {
  return p.lon >= 72.004 && p.lon <= 137.8347 && p.lat >= 0.8293 && p.lat <= 55.8271;
}

LatLon Wgs84ToGcj02(const LatLon& wgs84) {
  if (!GcjApplies(wgs84)) return wgs84;
  const LatLon d = GcjOffset(wgs84);
  return {wgs84.lat + d.lat, wgs84.lon + d.lon};
}

LatLon Gcj02ToWgs84(const LatLon& gcj02) {
  if (!GcjApplies(gcj02)) return gcj02;
  // Fixed point of w = g − offset(w): the offset changes by far less than a metre over its own
  // size, so each step gains several digits.
  LatLon w = gcj02;
  for (int i = 0; i < 30; ++i) {
    const LatLon there = Wgs84ToGcj02(w);
    const double dlat = gcj02.lat - there.lat, dlon = gcj02.lon - there.lon;
    w.lat += dlat;
    w.lon += dlon;
    if (std::abs(dlat) < 1e-11 && std::abs(dlon) < 1e-11) break;
  }
  return w;
}

LatLon Gcj02ToBd09(const LatLon& gcj02) {
  const double x = gcj02.lon, y = gcj02.lat;
  const double z = std::sqrt(x * x + y * y) + 0.00002 * std::sin(y * kBaiduXPi);
  const double theta = std::atan2(y, x) + 0.000003 * std::cos(x * kBaiduXPi);
  return {z * std::sin(theta) + 0.006, z * std::cos(theta) + 0.0065};
}

LatLon Bd09ToGcj02(const LatLon& bd09) {
  const double x = bd09.lon - 0.0065, y = bd09.lat - 0.006;
  const double z = std::sqrt(x * x + y * y) - 0.00002 * std::sin(y * kBaiduXPi);
  const double theta = std::atan2(y, x) - 0.000003 * std::cos(x * kBaiduXPi);
  return {z * std::sin(theta), z * std::cos(theta)};
}

LatLon ToWgs84(const LatLon& p, Crs crs) {
  switch (crs) {
    case Crs::kWgs84:
      return p;
    case Crs::kGcj02:
      return Gcj02ToWgs84(p);
    case Crs::kBd09:
      return Gcj02ToWgs84(Bd09ToGcj02(p));
  }
  return p;
}

LatLon FromWgs84(const LatLon& p, Crs crs) {
  switch (crs) {
    case Crs::kWgs84:
      return p;
    case Crs::kGcj02:
      return Wgs84ToGcj02(p);
    case Crs::kBd09:
      return Gcj02ToBd09(Wgs84ToGcj02(p));
  }
  return p;
}

namespace {

template <typename Convert>
BoundingBox ConvertCorners(const BoundingBox& box, Convert convert) {
  if (box.empty()) return box;
  BoundingBox out;
  for (double lat : {box.min_lat, box.max_lat}) {
    for (double lon : {box.min_lon, box.max_lon}) out.Extend(convert(LatLon{lat, lon}));
  }
  return out;
}

}  // namespace

BoundingBox ToWgs84(const BoundingBox& box, Crs crs) {
  if (crs == Crs::kWgs84) return box;
  return ConvertCorners(box, [crs](const LatLon& p) { return ToWgs84(p, crs); });
}

BoundingBox FromWgs84(const BoundingBox& box, Crs crs) {
  if (crs == Crs::kWgs84) return box;
  return ConvertCorners(box, [crs](const LatLon& p) { return FromWgs84(p, crs); });
}

}  // namespace pg

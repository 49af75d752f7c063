// The coordinate systems Chinese data comes in, converted at the edges: parkguide is WGS-84
// inside; GCJ-02 (国测局坐标, "Mars coordinates": Amap/高德, Tencent/腾讯 maps, most Chinese
// inventories) and BD-09 (百度坐标: Baidu maps) are read and written only where a file, request
// or answer says so (`crs`).
//
//   PG_ASSIGN_OR_RETURN(pg::Crs crs, pg::ParseCrs(request.Param("crs"), "crs"));
//   LatLon inside = pg::ToWgs84(given, crs);
//   LatLon shown = pg::FromWgs84(inside, crs);
//
// WGS-84 → GCJ-02 is the published obfuscation polynomial (Krasovsky ellipsoid constants), a
// shift of a few hundred metres that varies smoothly with position; it applies only inside
// China's rough bounding box (outside it GCJ-02 is WGS-84, as Chinese apps treat it). GCJ-02 →
// WGS-84 has no closed form: it is inverted by fixed-point iteration to below 1e-9° (≈ 0.1 mm).
// BD-09 is Baidu's further shift of GCJ-02 (closed form both ways, to about 1e-6° back).
//
// Thread-safety: pure functions.
#pragma once

#include <string_view>

#include "core/geo.h"
#include "core/status.h"

namespace pg {

enum class Crs { kWgs84, kGcj02, kBd09 };

// "wgs84" (also "", the default), "gcj02", "bd09", in any case, with or without '-' or '_'
// ("GCJ-02"). Errors: kInvalidArgument naming `field` and
// the three accepted names.
Result<Crs> ParseCrs(std::string_view text, std::string_view field);
std::string_view CrsName(Crs crs);

// Whether GCJ-02 shifts `p` at all (inside China's rough bounding box).
bool GcjApplies(const LatLon& wgs84);

LatLon Wgs84ToGcj02(const LatLon& wgs84);
LatLon Gcj02ToWgs84(const LatLon& gcj02);
LatLon Gcj02ToBd09(const LatLon& gcj02);
LatLon Bd09ToGcj02(const LatLon& bd09);

// `p` given in `crs`, as WGS-84; and WGS-84 `p` in `crs`.
LatLon ToWgs84(const LatLon& p, Crs crs);
LatLon FromWgs84(const LatLon& p, Crs crs);

// A box given in `crs` as the box around its four corners in WGS-84, and the reverse. The shift
// changes smoothly (a metre or two a kilometre), so the corners bound the whole box; the result
// is that much larger than the exact shape. An empty box stays empty.
BoundingBox ToWgs84(const BoundingBox& box, Crs crs);
BoundingBox FromWgs84(const BoundingBox& box, Crs crs);

}  // namespace pg

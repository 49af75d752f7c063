#include "core/crs.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace pg {
namespace {

// The reference values published with the coordtransform library (github.com/wandergis/
// coordtransform, test/app.js), which Chinese GIS code commonly checks against; its input is
// (lon 116.404, lat 39.915) for each conversion.
TEST(Crs, MatchesThePublishedReferencePoints) {
  const LatLon p{39.915, 116.404};
  const LatLon gcj = Wgs84ToGcj02(p);
  EXPECT_NEAR(gcj.lat, 39.91640428150164, 1e-12);
  EXPECT_NEAR(gcj.lon, 116.41024449916938, 1e-12);
  const LatLon bd = Gcj02ToBd09(p);
  EXPECT_NEAR(bd.lat, 39.92133699351021, 1e-12);
  EXPECT_NEAR(bd.lon, 116.41036949371029, 1e-12);
  const LatLon back = Bd09ToGcj02(p);
  EXPECT_NEAR(back.lat, 39.90865673957631, 1e-12);
  EXPECT_NEAR(back.lon, 116.39762729119315, 1e-12);
}

// Over all of China, every 0.5°: GCJ-02 inverts to a tenth of a millimetre, BD-09 to well under
// a metre (its inverse is closed-form and approximate).
TEST(Crs, RoundTripsStayWithinTheirBounds) {
  double worst_gcj_m = 0, worst_bd_m = 0, least_shift_m = 1e9, most_shift_m = 0;
  for (double lat = 18.0; lat <= 53.5; lat += 0.5) {
    for (double lon = 74.0; lon <= 134.5; lon += 0.5) {
      const LatLon p{lat, lon};
      const LatLon gcj = FromWgs84(p, Crs::kGcj02);
      worst_gcj_m = std::max(worst_gcj_m, HaversineMeters(ToWgs84(gcj, Crs::kGcj02), p));
      const LatLon bd = FromWgs84(p, Crs::kBd09);
      worst_bd_m = std::max(worst_bd_m, HaversineMeters(ToWgs84(bd, Crs::kBd09), p));
      const double shift = HaversineMeters(gcj, p);
      least_shift_m = std::min(least_shift_m, shift);
      most_shift_m = std::max(most_shift_m, shift);
    }
  }
  EXPECT_LT(worst_gcj_m, 1e-4);
  EXPECT_LT(worst_bd_m, 0.5);
  // "Hundreds of metres off": what data in the wrong system costs.
  EXPECT_GT(least_shift_m, 1);
  EXPECT_LT(most_shift_m, 1500);
  std::printf("round trip: GCJ-02 %.2g m, BD-09 %.2g m; GCJ-02 shift %.0f–%.0f m\n", worst_gcj_m,
              worst_bd_m, least_shift_m, most_shift_m);
}

TEST(Crs, XuchangShiftsByHundredsOfMetresMonacoNotAtAll) {
  const LatLon xuchang{34.0357, 113.8523};
  const double gcj_m = HaversineMeters(Wgs84ToGcj02(xuchang), xuchang);
  EXPECT_GT(gcj_m, 100);
  EXPECT_LT(gcj_m, 1000);
  const LatLon monaco{43.7384, 7.4246};
  EXPECT_EQ(Wgs84ToGcj02(monaco), monaco);
  EXPECT_EQ(Gcj02ToWgs84(monaco), monaco);
  // BD-09 shifts everywhere (Baidu's own offset applies worldwide).
  EXPECT_GT(HaversineMeters(FromWgs84(monaco, Crs::kBd09), monaco), 100);
}

TEST(Crs, NamesAreParsedAndUnknownOnesRefused) {
  EXPECT_EQ(*ParseCrs("", "crs"), Crs::kWgs84);
  EXPECT_EQ(*ParseCrs("wgs84", "crs"), Crs::kWgs84);
  EXPECT_EQ(*ParseCrs("gcj02", "crs"), Crs::kGcj02);
  EXPECT_EQ(*ParseCrs("bd09", "crs"), Crs::kBd09);
  EXPECT_EQ(*ParseCrs("GCJ-02", "crs"), Crs::kGcj02);
  EXPECT_EQ(*ParseCrs("BD_09", "crs"), Crs::kBd09);
  EXPECT_EQ(*ParseCrs("WGS-84", "crs"), Crs::kWgs84);
  EXPECT_FALSE(ParseCrs("gcj02------------zzz", "crs").ok()) << "trailing garbage past 16 chars";
  EXPECT_FALSE(ParseCrs("--", "crs").ok()) << "only separators name nothing";
  EXPECT_FALSE(ParseCrs(std::string(100000, 'w'), "crs").ok());
  EXPECT_LT(ParseCrs(std::string(100000, 'w'), "crs").status().message().size(), 100u);
  auto bad = ParseCrs("EPSG:3857", "crs");
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().field(), "crs");
  EXPECT_NE(bad.status().message().find("wgs84, gcj02, bd09"), std::string::npos);
  for (Crs c : {Crs::kWgs84, Crs::kGcj02, Crs::kBd09}) EXPECT_EQ(*ParseCrs(CrsName(c), "crs"), c);
}

TEST(Crs, BoxesConvertThroughTheirCorners) {
  const BoundingBox xuchang{34.0, 113.8, 34.1, 113.9};
  const BoundingBox gcj = FromWgs84(xuchang, Crs::kGcj02);
  for (double lat : {xuchang.min_lat, xuchang.max_lat}) {
    for (double lon : {xuchang.min_lon, xuchang.max_lon}) {
      EXPECT_TRUE(gcj.Contains(FromWgs84(LatLon{lat, lon}, Crs::kGcj02)));
    }
  }
  // Back, it holds the original, grown by the tens of metres the shift varies over 11 km.
  const BoundingBox back = ToWgs84(gcj, Crs::kGcj02);
  EXPECT_LE(back.min_lat, xuchang.min_lat);
  EXPECT_GE(back.max_lon, xuchang.max_lon);
  EXPECT_NEAR(back.min_lat, xuchang.min_lat, 3e-4);
  EXPECT_NEAR(back.max_lon, xuchang.max_lon, 3e-4);
  EXPECT_GT(std::abs(gcj.min_lon - xuchang.min_lon), 1e-3);  // hundreds of metres moved
  EXPECT_TRUE(FromWgs84(BoundingBox{}, Crs::kBd09).empty());
  EXPECT_EQ(ToWgs84(xuchang, Crs::kWgs84), xuchang);
}

}  // namespace
}  // namespace pg

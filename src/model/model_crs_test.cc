#include "model/model_crs.h"

#include <gtest/gtest.h>

namespace pg::model {
namespace {

Facility XuchangFacility() {
  Facility f;
  f.id = FacilityId("F1");
  f.location = {34.0357, 113.8523};
  f.outline = {{34.0356, 113.8522}, {34.0358, 113.8522}, {34.0358, 113.8524}, {34.0356, 113.8522}};
  f.entrances = {{"E1", {34.0355, 113.8521}, EntranceKind::kVehicle}};
  return f;
}

TEST(ModelCrs, EveryCoordinateOfAFacilityIsShownAndReadBack) {
  const Facility inside = XuchangFacility();
  const Facility gcj = ShownIn(inside, Crs::kGcj02);
  EXPECT_EQ(gcj.location, Wgs84ToGcj02(inside.location));
  EXPECT_EQ(gcj.entrances[0].location, Wgs84ToGcj02(inside.entrances[0].location));
  ASSERT_EQ(gcj.outline.size(), inside.outline.size());
  for (size_t i = 0; i < gcj.outline.size(); ++i) {
    EXPECT_EQ(gcj.outline[i], Wgs84ToGcj02(inside.outline[i]));
  }
  EXPECT_GT(HaversineMeters(gcj.location, inside.location), 100);
  const Facility back = ReadIn(gcj, Crs::kGcj02);
  EXPECT_LT(HaversineMeters(back.location, inside.location), 1e-3);
  EXPECT_LT(HaversineMeters(back.entrances[0].location, inside.entrances[0].location), 1e-3);
  EXPECT_EQ(ShownIn(inside, Crs::kWgs84), inside);
}

TEST(ModelCrs, PointsOfBaysChargersSignsAndTheCityMove) {
  const LatLon p{34.0357, 113.8523};
  Bay bay;
  bay.location = p;
  EXPECT_EQ(ShownIn(bay, Crs::kBd09).location, FromWgs84(p, Crs::kBd09));
  Charger charger;
  charger.location = p;
  EXPECT_EQ(ShownIn(charger, Crs::kGcj02).location, Wgs84ToGcj02(p));
  Sign sign;
  sign.location = p;
  EXPECT_EQ(ReadIn(sign, Crs::kGcj02).location, Gcj02ToWgs84(p));
  City city;
  city.bbox = {34.0, 113.8, 34.1, 113.9};
  city.districts = {{"D1", {}, {p, p, p}}};
  const City shown = ShownIn(city, Crs::kGcj02);
  EXPECT_EQ(shown.districts[0].outline[1], Wgs84ToGcj02(p));
  EXPECT_TRUE(shown.bbox.Contains(Wgs84ToGcj02({34.0, 113.8})));
  EXPECT_TRUE(shown.bbox.Contains(Wgs84ToGcj02({34.1, 113.9})));
  EXPECT_FALSE(shown.bbox.Contains({34.0, 113.8}));
  EXPECT_TRUE(ShownIn(City{}, Crs::kGcj02).bbox.empty());
}

}  // namespace
}  // namespace pg::model

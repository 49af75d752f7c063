#include "registry/city_from_osm.h"

#include <gtest/gtest.h>

#include "osm/osm_writer.h"
#include "registry/from_osm.h"
#include "store/store.h"
#include "tests/support/temp_dir.h"

namespace pg::registry {
namespace {

using osm::BoundaryArea;

// A square boundary of side `half * 2` degrees around (lat, lon), with `tags`.
BoundaryArea Square(int64_t id, double lat, double lon, double half, osm::Tags tags) {
  BoundaryArea b;
  b.ref = {'r', id};
  b.tags = std::move(tags);
  b.polygons.push_back({.outer = {{lat - half, lon - half},
                                  {lat - half, lon + half},
                                  {lat + half, lon + half},
                                  {lat + half, lon - half},
                                  {lat - half, lon - half}},
                        .inners = {}});
  return b;
}

osm::Tags Admin(const std::string& level, const std::string& name) {
  return {{"boundary", "administrative"}, {"admin_level", level}, {"name", name}};
}

CitySettingsRequest Request(std::optional<std::string> name, std::optional<std::string> zone,
                            std::optional<model::City> stored = std::nullopt) {
  CitySettingsRequest r;
  r.stored = std::move(stored);
  r.name = std::move(name);
  r.time_zone = std::move(zone);
  return r;
}

// Ten places around (34, 113.8), `outside` of them a degree east.
std::vector<LatLon> Places(int outside) {
  std::vector<LatLon> places;
  places.reserve(10);
  for (int i = 0; i < 10; ++i) {
    places.push_back({34.0 + i * 0.001, i < 10 - outside ? 113.8 : 114.8});
  }
  return places;
}

TEST(DecideCitySettings, NamesTheCityAfterTheSmallestBoundaryHoldingMostOfItsPlaces) {
  auto province = Admin("4", "河南省");
  auto city = Admin("5", "许昌市");
  city["name:en"] = "Xuchang";
  city["timezone"] = "Asia/Shanghai";
  auto district = Admin("6", "魏都区");  // holds half the places: a district, not the city
  std::vector<BoundaryArea> boundaries = {Square(1, 34.0, 114.0, 2, province),
                                          Square(2, 34.0, 113.8, 0.1, city),
                                          Square(3, 34.002, 113.8, 0.0025, district)};
  auto settings = DecideCitySettings(boundaries, Places(1), {});
  ASSERT_TRUE(settings.ok()) << settings.status().ToString();
  EXPECT_EQ(settings->city.name.zh, "许昌市");
  EXPECT_EQ(settings->city.name.en, "Xuchang");
  EXPECT_EQ(settings->city.id, "xuchang");
  EXPECT_EQ(settings->city.time_zone, "Asia/Shanghai");
  EXPECT_TRUE(settings->changed);
  EXPECT_NE(settings->name_source.find("r2"), std::string::npos) << settings->name_source;
  EXPECT_NE(settings->name_source.find("90 % of 10 places"), std::string::npos)
      << settings->name_source;
  EXPECT_NE(settings->zone_source.find("r2"), std::string::npos) << settings->zone_source;
}

TEST(DecideCitySettings, TheZoneMostPlacesLieInWinsEachCountedInItsSmallestZone) {
  auto wide = Admin("2", "France");
  wide["timezone"] = "Europe/Paris";
  auto enclave = Admin("2", "Monaco");
  enclave["timezone"] = "Europe/Monaco";
  // Monaco inside France's square: places in both count for Monaco, the smaller.
  std::vector<BoundaryArea> boundaries = {Square(10, 34.0, 114.0, 2, wide),
                                          Square(11, 34.004, 113.8, 0.006, enclave)};
  auto settings = DecideCitySettings(boundaries, Places(3), {});
  ASSERT_TRUE(settings.ok()) << settings.status().ToString();
  EXPECT_EQ(settings->city.time_zone, "Europe/Monaco");
  EXPECT_NE(settings->zone_source.find("70 % of 10 places"), std::string::npos)
      << settings->zone_source;
  // Named after France: Monaco holds 7 of 10, under the share that names a city.
  EXPECT_EQ(settings->city.name.en, "France");
}

TEST(DecideCitySettings, AHoleInABoundaryIsNotInIt) {
  auto outer = Admin("8", "Ring Town");
  outer["timezone"] = "Europe/Vienna";
  BoundaryArea ring = Square(20, 34.0, 113.8, 1, outer);
  ring.polygons[0].inners.push_back(
      {{33.99, 113.79}, {33.99, 113.81}, {34.02, 113.81}, {34.02, 113.79}, {33.99, 113.79}});
  std::vector<BoundaryArea> boundaries = {ring};
  auto settings = DecideCitySettings(boundaries, Places(0), {});
  EXPECT_EQ(settings.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(settings.status().message().find("--city-name"), std::string::npos)
      << settings.status().message();
}

TEST(DecideCitySettings, RefusesANewCityItCannotPlaceNamingTheFlagToGive) {
  auto nameless = DecideCitySettings({}, Places(0), Request(std::nullopt, "Asia/Shanghai"));
  EXPECT_EQ(nameless.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(nameless.status().message().find("--city-name"), std::string::npos);

  std::vector<BoundaryArea> untagged = {Square(1, 34.0, 113.8, 0.1, Admin("5", "许昌市"))};
  auto zoneless = DecideCitySettings(untagged, Places(0), {});
  EXPECT_EQ(zoneless.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(zoneless.status().message().find("--time-zone"), std::string::npos);

  auto given = DecideCitySettings({}, Places(0), Request("许昌市|Xuchang", "Asia/Shanghai"));
  ASSERT_TRUE(given.ok()) << given.status().ToString();
  EXPECT_EQ(given->city.name.zh, "许昌市");
  EXPECT_EQ(given->city.name.en, "Xuchang");
  EXPECT_EQ(given->name_source, "given (--city-name)");
}

TEST(DecideCitySettings, AnUnknownZoneTagIsIgnoredAndAnUnknownGivenZoneRefused) {
  auto tags = Admin("5", "许昌市");
  tags["timezone"] = "Asia/Nowhere";
  std::vector<BoundaryArea> boundaries = {Square(1, 34.0, 113.8, 0.1, tags)};
  EXPECT_EQ(DecideCitySettings(boundaries, Places(0), {}).status().code(),
            StatusCode::kFailedPrecondition);
  auto given = DecideCitySettings(boundaries, Places(0), Request(std::nullopt, "Mars/Olympus"));
  EXPECT_EQ(given.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(given.status().message().find("Mars/Olympus"), std::string::npos);
}

TEST(DecideCitySettings, AStoredCityIsKeptUnlessToldOtherwise) {
  model::City stored;
  stored.id = "xc";
  stored.name = {"许昌", "Xuchang"};
  stored.time_zone = "Asia/Shanghai";
  auto other = Admin("2", "Elsewhere");
  other["timezone"] = "Europe/Paris";
  std::vector<BoundaryArea> boundaries = {Square(1, 34.0, 113.8, 1, other)};
  auto kept =
      DecideCitySettings(boundaries, Places(0), Request(std::nullopt, std::nullopt, stored));
  ASSERT_TRUE(kept.ok());
  EXPECT_FALSE(kept->changed);
  EXPECT_EQ(kept->city, stored);

  auto moved =
      DecideCitySettings(boundaries, Places(0), Request(std::nullopt, "Asia/Urumqi", stored));
  ASSERT_TRUE(moved.ok());
  EXPECT_TRUE(moved->changed);
  EXPECT_EQ(moved->city.time_zone, "Asia/Urumqi");
  EXPECT_EQ(moved->city.id, "xc");
  EXPECT_EQ(moved->city.name, stored.name);
}

TEST(DecideCitySettings, AGivenNameIsCheckedAsASurveysWouldBe) {
  auto control = DecideCitySettings({}, Places(0), Request("Xu\x01chang", "Asia/Shanghai"));
  EXPECT_EQ(control.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(control.status().message().find("--city-name"), std::string::npos)
      << control.status().message();
  auto huge = DecideCitySettings({}, Places(0), Request(std::string(5000, 'x'), "Asia/Shanghai"));
  EXPECT_EQ(huge.status().code(), StatusCode::kInvalidArgument);
}

TEST(CityIdFromName, KeepsLettersAndDigitsOnly) {
  EXPECT_EQ(CityIdFromName("Xuchang"), "xuchang");
  EXPECT_EQ(CityIdFromName("Stadt Feldkirch (AT)"), "stadt-feldkirch-at");
  EXPECT_EQ(CityIdFromName("许昌市"), "city");
}

// The whole path: libosmium assembles the boundary relation the file holds; the import decides.
TEST(ImportOsmFile, ANewCityIsNamedAndZonedFromTheFilesBoundary) {
  testing::TempDir dir;
  osm::OsmWriteData data;
  data.nodes = {{1, {33.9, 113.7}, {}},
                {2, {33.9, 113.9}, {}},
                {3, {34.1, 113.9}, {}},
                {4, {34.1, 113.7}, {}},
                {10, {34.0, 113.8}, {{"amenity", "parking"}, {"capacity", "40"}}},
                {11, {34.01, 113.81}, {{"amenity", "parking"}}}};
  data.ways = {{100, {1, 2, 3, 4, 1}, {}}};
  data.relations = {{200,
                     {{'w', 100, "outer"}},
                     {{"type", "boundary"},
                      {"boundary", "administrative"},
                      {"admin_level", "5"},
                      {"name", "许昌市"},
                      {"name:en", "Xuchang"},
                      {"timezone", "Asia/Shanghai"}}}};
  const std::string path = dir.File("xuchang.osm.pbf");
  ASSERT_TRUE(osm::WriteOsmFile(path, data).ok());
  auto store = std::move(store::OpenSqliteStore(dir.File("city.db"))).value();

  auto report = ImportOsmFile(path, *store, CitySettingsRequest{});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_TRUE(report->city.has_value());
  EXPECT_NE(report->ToText().find("Asia/Shanghai"), std::string::npos) << report->ToText();
  auto loaded = store->LoadRegistry();
  ASSERT_TRUE(loaded.ok() && loaded->city.has_value());
  EXPECT_EQ(loaded->city->name.en, "Xuchang");
  EXPECT_EQ(loaded->city->time_zone, "Asia/Shanghai");

  // Without the relation the same file cannot say: nothing is written.
  data.relations.clear();
  const std::string bare = dir.File("bare.osm.pbf");
  ASSERT_TRUE(osm::WriteOsmFile(bare, data).ok());
  auto other = std::move(store::OpenSqliteStore(dir.File("other.db"))).value();
  auto refused = ImportOsmFile(bare, *other, CitySettingsRequest{});
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(other->LoadRegistry()->facilities.empty());
}

}  // namespace
}  // namespace pg::registry

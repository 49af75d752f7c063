#include "registry/from_osm.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "core/strings.h"
#include "model/validation.h"
#include "osm/osm_writer.h"
#include "store/store.h"
#include "tests/support/osmium_tool.h"
#include "tests/support/temp_dir.h"

namespace pg::registry {
namespace {

using model::Access;
using model::ConnectorType;
using model::FacilityKind;
using model::SpaceCategory;

std::string Fixture(const std::string& name) {
  return std::string(PG_SOURCE_DIR) + "/tests/fixtures/osm/" + name;
}

const model::Facility* FindFacility(const model::RegistryData& data, const std::string& id) {
  for (const auto& f : data.facilities) {
    if (f.id.str() == id) return &f;
  }
  return nullptr;
}

const model::Charger* FindCharger(const model::RegistryData& data, const std::string& id) {
  for (const auto& c : data.chargers) {
    if (c.id.str() == id) return &c;
  }
  return nullptr;
}

std::vector<std::string> ProblemsOf(const OsmImportReport& report, const std::string& ref) {
  std::vector<std::string> fields;
  for (const auto& p : report.problems) {
    if (p.osm_ref == ref) fields.push_back(p.field);
  }
  return fields;
}

// One parking node with `tags`, mapped alone.
model::RegistryData MapOneNode(osm::Tags tags, OsmImportReport* report) {
  osm::ParkingExtract extract;
  osm::ParkingObject p;
  p.ref = {'n', 1};
  p.tags = std::move(tags);
  p.tags["amenity"] = "parking";
  p.point = LatLon{34.0, 113.8};
  extract.parkings.push_back(std::move(p));
  return RegistryDataFromOsm(extract, report);
}

class TownImport : public ::testing::Test {
 protected:
  void SetUp() override {
    auto extract = osm::ReadParkingExtract(Fixture("parking_town.osm"));
    ASSERT_TRUE(extract.ok()) << extract.status().ToString();
    data_ = RegistryDataFromOsm(*extract, &report_);
  }
  const model::Facility& F(const std::string& id) {
    const model::Facility* f = FindFacility(data_, id);
    EXPECT_NE(f, nullptr) << id;
    static const model::Facility kNone;
    return f == nullptr ? kNone : *f;
  }
  model::RegistryData data_;
  OsmImportReport report_;
};

TEST_F(TownImport, EveryParkingWithALocationBecomesAnOsmFacility) {
  std::vector<std::string> ids;
  for (const auto& f : data_.facilities) {
    ids.push_back(f.id.str());
    EXPECT_EQ(f.origin, model::Origin::kOsm);
    EXPECT_EQ("osm:" + f.osm_ref, f.id.str());
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"osm:n1", "osm:n2", "osm:n3", "osm:n60", "osm:n61",
                                           "osm:w101", "osm:w102", "osm:r201", "osm:r202"}));
  EXPECT_EQ(report_.facilities, 9);
  EXPECT_EQ(report_.facilities_without_location, 1);
  EXPECT_EQ(ProblemsOf(report_, "r203"), (std::vector<std::string>{"geometry"}));
  EXPECT_EQ(report_.facilities_from_lines, 1);
  EXPECT_EQ(report_.facilities_from_partial_relations, 1);
  EXPECT_TRUE(model::ValidateRegistry(data_, {}).empty());
}

TEST_F(TownImport, KindFollowsParkingAndParkRide) {
  EXPECT_EQ(F("osm:n1").kind, FacilityKind::kSurface);
  EXPECT_EQ(F("osm:n2").kind, FacilityKind::kUnderground);
  EXPECT_EQ(F("osm:n3").kind, FacilityKind::kParkAndRide);   // park_ride=bus beats surface
  EXPECT_EQ(F("osm:n60").kind, FacilityKind::kMultiStorey);  // rooftop
  EXPECT_EQ(F("osm:n61").kind, FacilityKind::kOnStreet);     // lane
  EXPECT_EQ(F("osm:w101").kind, FacilityKind::kMultiStorey);
  EXPECT_EQ(F("osm:w102").kind, FacilityKind::kOnStreet);  // street_side
  EXPECT_EQ(F("osm:r201").kind, FacilityKind::kMultiStorey);
  EXPECT_EQ(F("osm:r202").kind, FacilityKind::kSurface);  // untagged
  EXPECT_EQ(report_.facilities_by_kind.at(FacilityKind::kMultiStorey), 3);
  EXPECT_EQ(report_.facilities_by_kind.at(FacilityKind::kOnStreet), 2);
}

TEST_F(TownImport, NamesGoToTheLanguageTheirScriptBelongsTo) {
  EXPECT_EQ(F("osm:n1").name, (model::LocalizedName{"", "Market Square Parking"}));
  EXPECT_EQ(F("osm:n2").name, (model::LocalizedName{"中心停车场", ""}));
  EXPECT_EQ(F("osm:n3").name, (model::LocalizedName{"东停车换乘", "East Park and Ride"}));
  EXPECT_EQ(F("osm:n61").name.en, "Rue de la Gare");
  // No name in OSM: named after the kind, in both languages, and counted.
  EXPECT_EQ(F("osm:w102").name, (model::LocalizedName{"路内停车", "On-street parking"}));
  EXPECT_EQ(report_.facilities_unnamed, 2);  // w102, n60
}

TEST_F(TownImport, CapacitiesAreCountsOrUnknownAndReported) {
  EXPECT_EQ(F("osm:n1").capacity.total, 50);
  EXPECT_FALSE(F("osm:n2").capacity.total.has_value());  // "approx 50"
  const model::Capacity& c3 = F("osm:n3").capacity;
  EXPECT_EQ(c3.total, 200);
  EXPECT_EQ(c3.by_category, (std::map<SpaceCategory, int>{{SpaceCategory::kDisabled, 4},
                                                          {SpaceCategory::kEv, 10},
                                                          {SpaceCategory::kFamily, 5}}));
  // capacity:disabled=20 exceeds capacity=10: left out (the facility stays valid).
  EXPECT_EQ(F("osm:n60").capacity.total, 10);
  EXPECT_TRUE(F("osm:n60").capacity.by_category.empty());
  EXPECT_TRUE(F("osm:n61").capacity.by_category.empty());  // capacity:disabled=no
  EXPECT_EQ(F("osm:r201").capacity.total, 300);
  EXPECT_EQ(report_.facilities_with_capacity, 6);
  EXPECT_EQ(report_.facilities_without_capacity, 3);
  auto n2 = ProblemsOf(report_, "n2");
  EXPECT_NE(std::find(n2.begin(), n2.end(), "capacity"), n2.end());
  auto n60 = ProblemsOf(report_, "n60");
  EXPECT_NE(std::find(n60.begin(), n60.end(), "capacity:disabled"), n60.end());
  EXPECT_TRUE(ProblemsOf(report_, "n3").empty());  // capacity:motorcycle=yes is no problem
}

TEST_F(TownImport, OpeningHoursKeptOnlyWhenTheModelUnderstandsThem) {
  EXPECT_EQ(F("osm:n1").opening_hours, "Mo-Fr 07:00-22:00");
  EXPECT_EQ(F("osm:n60").opening_hours, "24/7");
  EXPECT_EQ(F("osm:n2").opening_hours, "");
  auto n2 = ProblemsOf(report_, "n2");
  EXPECT_NE(std::find(n2.begin(), n2.end(), "opening_hours"), n2.end());
}

TEST_F(TownImport, MaxHeightInMetresFromMetresOrFeet) {
  EXPECT_NEAR(*F("osm:n3").max_height_m, 2.1336, 1e-4);  // 7'0"
  EXPECT_DOUBLE_EQ(*F("osm:w101").max_height_m, 2.1);    // "2.1 m"
  EXPECT_DOUBLE_EQ(*F("osm:r201").max_height_m, 2.1);    // "2.1"
  EXPECT_FALSE(F("osm:w102").max_height_m.has_value());  // "none": no limit, no problem
  EXPECT_FALSE(F("osm:n2").max_height_m.has_value());    // "low"
  EXPECT_FALSE(F("osm:n60").max_height_m.has_value());   // 25 m is not a clearance
  EXPECT_TRUE(ProblemsOf(report_, "w102").empty());
  auto n60 = ProblemsOf(report_, "n60");
  EXPECT_NE(std::find(n60.begin(), n60.end(), "maxheight"), n60.end());
}

TEST_F(TownImport, AccessFeeOperatorDistrict) {
  EXPECT_EQ(F("osm:n1").access, Access::kPublic);
  EXPECT_EQ(F("osm:n2").access, Access::kCustomers);
  EXPECT_EQ(F("osm:n3").access, Access::kPrivate);
  EXPECT_EQ(F("osm:n61").access, Access::kPrivate);  // permit: restricted but kept
  EXPECT_EQ(report_.facilities_restricted, 3);
  EXPECT_EQ(F("osm:n1").fee, true);
  EXPECT_EQ(F("osm:n60").fee, false);
  EXPECT_FALSE(F("osm:n2").fee.has_value());
  EXPECT_EQ(F("osm:n1").operator_name, "Town Parking Ltd");
  EXPECT_EQ(F("osm:n1").district, "Old Town");  // addr:suburb
  EXPECT_EQ(F("osm:n2").district, "魏都区");    // addr:district
}

TEST_F(TownImport, OutlinesFromWaysAndRelations) {
  EXPECT_EQ(F("osm:w101").outline.size(), 6u);
  EXPECT_EQ(F("osm:r201").outline.size(), 5u);
  EXPECT_EQ(F("osm:r202").outline.size(), 5u);  // the member way that is present
  EXPECT_TRUE(F("osm:w102").outline.empty());
  EXPECT_TRUE(F("osm:n1").outline.empty());
}

TEST_F(TownImport, EntrancesJoinTheirWayOrTheNearestFacility) {
  auto ids = [](const model::Facility& f) {
    std::vector<std::string> out;
    for (const auto& e : f.entrances) out.push_back(e.id);
    return out;
  };
  EXPECT_EQ(ids(F("osm:w101")), (std::vector<std::string>{"n14", "n15"}));
  EXPECT_EQ(ids(F("osm:r202")), (std::vector<std::string>{"n35"}));
  ASSERT_EQ(F("osm:n1").entrances.size(), 1u);
  EXPECT_EQ(F("osm:n1").entrances[0].id, "n17");
  EXPECT_EQ(F("osm:n1").entrances[0].kind, model::EntranceKind::kPedestrian);
  EXPECT_EQ(F("osm:w101").entrances[0].kind, model::EntranceKind::kVehicle);
  EXPECT_EQ(report_.entrances_on_outline, 2);
  EXPECT_EQ(report_.entrances_nearby, 2);
  EXPECT_EQ(report_.entrances_unlinked, 1);  // n16, far from everything
}

TEST_F(TownImport, ChargersFromSocketsOrAssumedFromCapacity) {
  ASSERT_EQ(data_.chargers.size(), 3u);  // n42 is a bicycle charger
  EXPECT_EQ(report_.charging_stations_not_for_cars, 1);

  const model::Charger* garage = FindCharger(data_, "osm:n40");
  ASSERT_NE(garage, nullptr);
  EXPECT_EQ(garage->site, "osm:n40");
  EXPECT_EQ(garage->facility, model::FacilityId("osm:w101"));  // inside its outline
  EXPECT_EQ(garage->lifecycle, model::Lifecycle::kInService);
  EXPECT_EQ(garage->origin, model::Origin::kOsm);
  EXPECT_EQ(garage->name.en, "Garage chargers");
  EXPECT_EQ(garage->operator_name, "State Grid");
  EXPECT_EQ(garage->connectors, (std::vector<model::Connector>{{1, ConnectorType::kChademo, 0},
                                                               {2, ConnectorType::kType2, 22},
                                                               {3, ConnectorType::kType2, 22},
                                                               {4, ConnectorType::kCcs2, 50}}));

  const model::Charger* assumed = FindCharger(data_, "osm:n41");
  ASSERT_NE(assumed, nullptr);
  EXPECT_EQ(assumed->facility, model::FacilityId("osm:n1"));  // 14 m from its point
  EXPECT_EQ(assumed->connectors, (std::vector<model::Connector>{{1, ConnectorType::kGbtAc, 0},
                                                                {2, ConnectorType::kGbtAc, 0},
                                                                {3, ConnectorType::kGbtAc, 0}}));
  EXPECT_EQ(ProblemsOf(report_, "n41"), (std::vector<std::string>{"socket:*"}));
  EXPECT_EQ(report_.chargers_without_sockets, 1);

  const model::Charger* way = FindCharger(data_, "osm:w105");
  ASSERT_NE(way, nullptr);
  EXPECT_FALSE(way->facility.has_value());
  EXPECT_EQ(way->connectors, (std::vector<model::Connector>{{1, ConnectorType::kGbtAc, 0},
                                                            {2, ConnectorType::kGbtDc, 120},
                                                            {3, ConnectorType::kGbtDc, 120}}));
  EXPECT_EQ(report_.charger_sites, 3);
  EXPECT_EQ(report_.connectors, 10);
  EXPECT_EQ(report_.chargers_in_facility, 2);
}

TEST_F(TownImport, ReportTextSummarisesCountsAndProblems) {
  const std::string text = report_.ToText();
  EXPECT_NE(text.find("facilities        9"), std::string::npos) << text;
  EXPECT_NE(text.find("multi_storey 3"), std::string::npos) << text;
  EXPECT_NE(text.find("6 with, 3 without"), std::string::npos) << text;
  EXPECT_NE(text.find("2 on an outline, 2 within 100 m, 1 unlinked"), std::string::npos) << text;
  EXPECT_NE(text.find("3 sites, 10 connectors"), std::string::npos) << text;
  EXPECT_NE(text.find("n2 'approx 50' is not a count"), std::string::npos) << text;
  EXPECT_NE(text.find("opening_hours: 1"), std::string::npos) << text;
  EXPECT_NE(text.find("113.790000"), std::string::npos) << text;
}

// ---- Tag parsing, one object at a time ----------------------------------------------------

TEST(RegistryDataFromOsm, CapacityValuesThatAreNotCountsAreUnknown) {
  for (const char* value : {"approx 50", "50+", "-3", "12.5", "", "https://example.com/p", "1e3",
                            "7 Nn9719765692", "999999999"}) {
    OsmImportReport report;
    auto data = MapOneNode({{"capacity", value}}, &report);
    ASSERT_EQ(data.facilities.size(), 1u);
    EXPECT_FALSE(data.facilities[0].capacity.total.has_value()) << value;
    EXPECT_EQ(ProblemsOf(report, "n1"), (std::vector<std::string>{"capacity"})) << value;
  }
  OsmImportReport report;
  EXPECT_EQ(MapOneNode({{"capacity", " 42 "}}, &report).facilities[0].capacity.total, 42);
  EXPECT_TRUE(report.problems.empty());
}

TEST(RegistryDataFromOsm, MaxHeightFormats) {
  const std::vector<std::pair<const char*, std::optional<double>>> cases = {
      {"2.1", 2.1},           {"2.1 m", 2.1},
      {"2.1m", 2.1},          {"7'", 2.1336},
      {"6'6\"", 1.9812},      {"6' 6\"", 1.9812},
      {"none", std::nullopt}, {"default", std::nullopt},
      {"2,1", std::nullopt},  {"below_default", std::nullopt},
      {"0", std::nullopt}};
  for (const auto& [value, expected] : cases) {
    OsmImportReport report;
    auto data = MapOneNode({{"maxheight", value}}, &report);
    const auto& got = data.facilities[0].max_height_m;
    ASSERT_EQ(got.has_value(), expected.has_value()) << value;
    if (expected) {
      EXPECT_NEAR(*got, *expected, 1e-4) << value;
    }
    const bool silent = std::string(value) == "none" || std::string(value) == "default";
    EXPECT_EQ(report.problems.empty(), expected.has_value() || silent) << value;
  }
}

TEST(RegistryDataFromOsm, AccessValues) {
  const std::vector<std::pair<const char*, Access>> cases = {
      {"yes", Access::kPublic},          {"permissive", Access::kPublic},
      {"public", Access::kPublic},       {"destination", Access::kPublic},
      {"customers", Access::kCustomers}, {"private", Access::kPrivate},
      {"no", Access::kPrivate},          {"permit", Access::kPrivate},
      {"residents", Access::kPrivate},   {"employees", Access::kPrivate}};
  for (const auto& [value, expected] : cases) {
    auto data = MapOneNode({{"access", value}}, nullptr);
    EXPECT_EQ(data.facilities[0].access, expected) << value;
  }
  EXPECT_EQ(MapOneNode({}, nullptr).facilities[0].access, Access::kPublic);
}

TEST(RegistryDataFromOsm, ParkRideNoIsNotParkAndRide) {
  EXPECT_EQ(
      MapOneNode({{"park_ride", "no"}, {"parking", "underground"}}, nullptr).facilities[0].kind,
      FacilityKind::kUnderground);
  EXPECT_EQ(MapOneNode({{"parking", "park_and_ride"}}, nullptr).facilities[0].kind,
            FacilityKind::kParkAndRide);
  EXPECT_EQ(MapOneNode({{"parking", "carports"}}, nullptr).facilities[0].kind,
            FacilityKind::kSurface);
}

TEST(RegistryDataFromOsm, CjkOnlyNameGoesToZhOtherScriptsToEn) {
  EXPECT_EQ(MapOneNode({{"name", "駐車場"}}, nullptr).facilities[0].name.zh, "駐車場");
  EXPECT_EQ(MapOneNode({{"name", "주차장"}}, nullptr).facilities[0].name.zh, "주차장");
  EXPECT_EQ(MapOneNode({{"name", "Parkplatz Süd"}}, nullptr).facilities[0].name.en,
            "Parkplatz Süd");
  auto both = MapOneNode({{"name", "Tiefgarage"}, {"name:zh", "地下车库"}}, nullptr);
  EXPECT_EQ(both.facilities[0].name, (model::LocalizedName{"地下车库", "Tiefgarage"}));
  auto generic = MapOneNode({{"parking", "underground"}, {"ref", "P3"}}, nullptr);
  EXPECT_EQ(generic.facilities[0].name,
            (model::LocalizedName{"地下停车场 P3", "Underground car park P3"}));
}

TEST(RegistryDataFromOsm, SocketCountsAndPowers) {
  osm::ParkingExtract extract;
  extract.charging_stations.push_back({{'n', 7},
                                       {{"amenity", "charging_station"},
                                        {"socket:type2", "yes"},
                                        {"socket:type2:output", "11 kW;22 kW"},
                                        {"socket:gb_dc", "two"},
                                        {"socket:type1", "2"},
                                        {"socket:chademo", "1"},
                                        {"socket:chademo:output", "fast"},
                                        {"socket:type2_cable", "1"},
                                        {"socket:type2_cable:output", "7400 W"}},
                                       {34.0, 113.8}});
  OsmImportReport report;
  auto data = RegistryDataFromOsm(extract, &report);
  ASSERT_EQ(data.chargers.size(), 1u);
  EXPECT_EQ(data.chargers[0].connectors,
            (std::vector<model::Connector>{{1, ConnectorType::kChademo, 0},
                                           {2, ConnectorType::kType2, 22},
                                           {3, ConnectorType::kType2, 7.4}}));
  EXPECT_EQ(ProblemsOf(report, "n7"),
            (std::vector<std::string>{"socket:chademo:output", "socket:gb_dc", "socket:type1",
                                      "socket:type2"}));
  EXPECT_TRUE(model::ValidateRegistry(data, {}).empty());
}

TEST(RegistryDataFromOsm, ChargerWithoutSocketsOrCapacityGetsOneUnknownConnector) {
  osm::ParkingExtract extract;
  extract.charging_stations.push_back({{'n', 8}, {{"amenity", "charging_station"}}, {34, 113}});
  extract.charging_stations.push_back(
      {{'n', 9}, {{"amenity", "charging_station"}, {"motorcar", "no"}}, {34, 113}});
  OsmImportReport report;
  auto data = RegistryDataFromOsm(extract, &report);
  ASSERT_EQ(data.chargers.size(), 1u);
  EXPECT_EQ(data.chargers[0].connectors,
            (std::vector<model::Connector>{{1, ConnectorType::kGbtAc, 0}}));
  EXPECT_EQ(report.charging_stations_not_for_cars, 1);
}

TEST(DropInvalidEntries, DropsWhatValidationRejectsAndUnlinksItsChargers) {
  model::RegistryData data;
  model::Facility bad;
  bad.id = model::FacilityId("osm:w1");
  bad.osm_ref = "w1";
  bad.origin = model::Origin::kOsm;
  bad.location = {34, 113};
  bad.capacity.total = -1;
  model::Facility good = bad;
  good.id = model::FacilityId("osm:w2");
  good.osm_ref = "w2";
  good.capacity.total = 5;
  model::Charger charger;
  charger.id = model::ChargerId("osm:n3");
  charger.osm_ref = "n3";
  charger.origin = model::Origin::kOsm;
  charger.location = {34, 113};
  charger.connectors = {{1, ConnectorType::kGbtAc, 7}};
  charger.facility = bad.id;
  data.facilities = {bad, good};
  data.chargers = {charger};

  OsmImportReport report;
  EXPECT_EQ(DropInvalidEntries(data, &report), 1);
  ASSERT_EQ(data.facilities.size(), 1u);
  EXPECT_EQ(data.facilities[0].id.str(), "osm:w2");
  ASSERT_EQ(data.chargers.size(), 1u);
  EXPECT_FALSE(data.chargers[0].facility.has_value());
  EXPECT_EQ(report.dropped_invalid, 1);
  EXPECT_EQ(report.facilities, 1);
  EXPECT_EQ(ProblemsOf(report, "w1"), (std::vector<std::string>{"validation"}));
  EXPECT_TRUE(model::ValidateRegistry(data, {}).empty());
}

// ---- Into the store -----------------------------------------------------------------------

TEST(ImportOsmFile, ReimportUpdatesInPlaceAndTheSurveyWins) {
  testing::TempDir dir;
  auto opened = store::OpenSqliteStore(dir.File("city.db"));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  store::Store& store = **opened;

  model::RegistryData survey;
  model::Facility surveyed;
  surveyed.id = model::FacilityId("osm:w101");
  surveyed.name = {"图书馆停车楼", "Library Garage"};
  surveyed.location = {34.01045, 113.8105};
  surveyed.capacity.total = 480;
  surveyed.origin = model::Origin::kSurvey;
  survey.facilities = {surveyed};
  ASSERT_TRUE(store.WriteRegistry(survey, store::RegistryWriteMode::kUpsert).ok());

  auto first = ImportOsmFile(Fixture("parking_town.osm"), store);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(first->write.has_value());
  EXPECT_EQ(first->write->kept_survey, 1);
  EXPECT_EQ(first->write->inserted, 8 + 3);  // facilities other than w101, and chargers
  EXPECT_EQ(first->path, Fixture("parking_town.osm"));

  auto second = ImportOsmFile(Fixture("parking_town.osm"), store);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->write->inserted, 0);
  EXPECT_EQ(second->write->updated, 8 + 3);
  EXPECT_EQ(second->write->deleted, 0);
  EXPECT_EQ(second->write->kept_survey, 1);

  auto loaded = store.LoadRegistry();
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->facilities.size(), 9u);
  EXPECT_EQ(loaded->chargers.size(), 3u);
  const model::Facility* kept = FindFacility(*loaded, "osm:w101");
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(kept->origin, model::Origin::kSurvey);
  EXPECT_EQ(kept->capacity.total, 480);
  // What was imported reads back as it was mapped.
  auto extract = osm::ReadParkingExtract(Fixture("parking_town.osm"));
  ASSERT_TRUE(extract.ok());
  auto mapped = RegistryDataFromOsm(*extract, nullptr);
  EXPECT_EQ(*FindFacility(*loaded, "osm:n3"), *FindFacility(mapped, "osm:n3"));
  EXPECT_EQ(*FindCharger(*loaded, "osm:n40"), *FindCharger(mapped, "osm:n40"));
}

TEST(ImportOsmFile, ANewerFileReplacesThePreviousImportButNotTheSurvey) {
  testing::TempDir dir;
  auto store = std::move(store::OpenSqliteStore(dir.File("city.db"))).value();
  model::RegistryData survey;
  model::Facility own;
  own.id = model::FacilityId("F1");
  own.name.zh = "市政府停车场";
  own.location = {34.0, 113.8};
  survey.facilities = {own};
  ASSERT_TRUE(store->WriteRegistry(survey, store::RegistryWriteMode::kUpsert).ok());
  ASSERT_TRUE(ImportOsmFile(Fixture("parking_town.osm"), *store).ok());

  osm::OsmWriteData newer;
  newer.nodes = {{1, {34.0, 113.8}, {{"amenity", "parking"}, {"capacity", "55"}}}};
  const std::string path = dir.File("newer.osm.pbf");
  ASSERT_TRUE(osm::WriteOsmFile(path, newer).ok());
  auto report = ImportOsmFile(path, *store);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->write->updated, 1);
  EXPECT_EQ(report->write->deleted, 8 + 3);

  auto loaded = store->LoadRegistry();
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->facilities.size(), 2u);
  EXPECT_NE(FindFacility(*loaded, "F1"), nullptr);
  EXPECT_EQ(FindFacility(*loaded, "osm:n1")->capacity.total, 55);
}

TEST(ImportOsmFile, ReadErrorsWriteNothing) {
  testing::TempDir dir;
  auto store = std::move(store::OpenSqliteStore(dir.File("city.db"))).value();
  auto missing = ImportOsmFile(dir.File("absent.osm.pbf"), *store);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store->LoadRegistry()->facilities.empty());
}

// ---- Real extracts (../shared/data) -----------------------------------------------------------

class RealExtractImport : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    const std::string dir = testing::SharedDataDir();
    if (dir.empty()) GTEST_SKIP() << "../shared is absent: no public OSM extracts to import";
    path_ = dir + "/" + GetParam();
    if (!std::filesystem::exists(path_)) GTEST_SKIP() << path_ << " is absent";
    if (!testing::OsmiumToolAvailable()) GTEST_SKIP() << "osmium-tool is not installed";
    // The raw tags as osmium-tool reads them: the expectation shares no code with the import.
    auto opl = testing::RunCommand("osmium tags-filter -R -f opl " + testing::ShellQuote(path_) +
                                   " nwr/amenity=parking -o - 2>/dev/null");
    ASSERT_TRUE(opl.has_value());
    raw_ = testing::ParseOpl(*opl);
  }
  std::string path_;
  std::vector<testing::OplObject> raw_;
};

std::optional<int> RawCount(const std::map<std::string, std::string>& tags, const char* key) {
  auto it = tags.find(key);
  if (it == tags.end() || it->second.empty()) return std::nullopt;
  if (!std::all_of(it->second.begin(), it->second.end(),
                   [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::stoi(it->second);
}

TEST_P(RealExtractImport, EveryParkingIsAFacilityWithItsRawCapacityNameAndKind) {
  auto extract = osm::ReadParkingExtract(path_);
  ASSERT_TRUE(extract.ok()) << extract.status().ToString();
  OsmImportReport report;
  model::RegistryData data = RegistryDataFromOsm(*extract, &report);
  EXPECT_EQ(data.facilities.size(), raw_.size());
  EXPECT_TRUE(model::ValidateRegistry(data, {}).empty());

  int capacities_checked = 0, kinds_checked = 0, names_checked = 0;
  for (const auto& raw : raw_) {
    const model::Facility* f = FindFacility(data, "osm:" + raw.ref);
    ASSERT_NE(f, nullptr) << raw.ref;
    EXPECT_EQ(f->osm_ref, raw.ref);

    auto capacity = RawCount(raw.tags, "capacity");
    EXPECT_EQ(f->capacity.total, capacity) << raw.ref;
    if (capacity) ++capacities_checked;

    auto tag = [&raw](const char* key) {
      auto it = raw.tags.find(key);
      return it == raw.tags.end() ? std::string() : it->second;
    };
    if (tag("park_ride").empty() || tag("park_ride") == "no") {
      const std::string parking = tag("parking");
      if (parking == "underground") {
        EXPECT_EQ(f->kind, FacilityKind::kUnderground) << raw.ref;
        ++kinds_checked;
      } else if (parking == "multi-storey") {
        EXPECT_EQ(f->kind, FacilityKind::kMultiStorey) << raw.ref;
        ++kinds_checked;
      } else if (parking == "street_side" || parking == "lane") {
        EXPECT_EQ(f->kind, FacilityKind::kOnStreet) << raw.ref;
        ++kinds_checked;
      } else if (parking.empty() || parking == "surface") {
        EXPECT_EQ(f->kind, FacilityKind::kSurface) << raw.ref;
        ++kinds_checked;
      }
    }
    if (!tag("name").empty()) {
      EXPECT_TRUE(f->name.en == tag("name") || f->name.zh == tag("name")) << raw.ref;
      ++names_checked;
    }
    if (!tag("name:en").empty()) {
      EXPECT_EQ(f->name.en, tag("name:en")) << raw.ref;
    }
  }
  EXPECT_GT(capacities_checked, 0);
  EXPECT_GT(kinds_checked, 0);
  EXPECT_GT(names_checked, 0);
}

TEST_P(RealExtractImport, ImportsIntoAStore) {
  testing::TempDir dir;
  auto store = std::move(store::OpenSqliteStore(dir.File("city.db"))).value();
  auto report = ImportOsmFile(path_, *store);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->dropped_invalid, 0);
  auto loaded = store->LoadRegistry();
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->facilities.size(), raw_.size());
  EXPECT_EQ(static_cast<int>(loaded->chargers.size()), report->charger_sites);
  std::printf("%s", report->ToText().c_str());
}

INSTANTIATE_TEST_SUITE_P(SharedData, RealExtractImport,
                         ::testing::Values("osm-monaco/monaco-2025-02-11.osm.pbf",
                                           "osm-liechtenstein/liechtenstein-2024-03-04.osm.pbf"),
                         [](const ::testing::TestParamInfo<const char*>& param_info) {
                           return std::string(param_info.param).starts_with("osm-monaco")
                                      ? "Monaco"
                                      : "Liechtenstein";
                         });

}  // namespace
}  // namespace pg::registry

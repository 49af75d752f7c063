// The interchange renderers on a small city with a fixed live state: golden files (what an
// integrator receives, checked by eye once and by the schemas in tests/interchange), and the
// rules each mapping keeps. PG_UPDATE_GOLDEN=1 rewrites the golden files.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "interchange/datex2_publications.h"
#include "interchange/geojson_layers.h"
#include "interchange/ngsi_ld_entities.h"
#include "interchange/ocpi_locations.h"

namespace pg::interchange {
namespace {

using nlohmann::json;

Timestamp T(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

// Compares `text` with tests/interchange/golden/`name`, or writes it there when asked to.
void ExpectGolden(const std::string& name, const std::string& text) {
  const std::string path = std::string(PG_SOURCE_DIR) + "/tests/interchange/golden/" + name;
  if (const char* update = std::getenv("PG_UPDATE_GOLDEN"); update && std::string(update) == "1") {
    std::ofstream(path) << text;
    return;
  }
  std::ifstream in(path);
  ASSERT_TRUE(in) << path << " is missing: run with PG_UPDATE_GOLDEN=1 and review it";
  std::stringstream golden;
  golden << in.rdbuf();
  EXPECT_EQ(golden.str(), text) << name << " changed: review, then PG_UPDATE_GOLDEN=1";
}

model::RegistryData City() {
  model::RegistryData data;
  model::City city;
  city.id = "testville";
  city.name = {"测试城", "Testville"};
  data.city = city;
  model::Facility garage;
  garage.id = model::FacilityId("F1");
  garage.name = {"一号停车楼", "Garage One"};
  garage.kind = model::FacilityKind::kMultiStorey;
  garage.location = {34.0, 113.8};
  garage.entrances = {{"in", {34.0001, 113.8001}, model::EntranceKind::kVehicle},
                      {"walk", {34.0002, 113.7999}, model::EntranceKind::kPedestrian}};
  garage.capacity.total = 200;
  garage.capacity.by_category = {{model::SpaceCategory::kDisabled, 4},
                                 {model::SpaceCategory::kEv, 10}};
  garage.operator_name = "城投停车";
  garage.opening_hours = "Mo-Fr 07:00-22:00; Sa,Su 09:00-18:00";
  garage.tariff = model::Tariff{15, {{8 * 60, 20 * 60, 600}, {20 * 60, 8 * 60, 200}}, 4000, "CNY"};
  garage.max_height_m = 2.1;
  garage.district = "old_town";
  data.facilities.push_back(garage);
  model::Facility zone;
  zone.id = model::FacilityId("Z1");
  zone.name = {"春秋路路内", ""};
  zone.kind = model::FacilityKind::kOnStreet;
  zone.location = {34.001, 113.801};
  // Clockwise: the GeoJSON export turns it counterclockwise (RFC 7946 §3.1.6).
  zone.outline = {{34.001, 113.800}, {34.002, 113.801}, {34.001, 113.802}, {34.000, 113.801}};
  zone.capacity.total = 3;
  zone.tariff = model::Tariff{};  // free
  data.facilities.push_back(zone);
  model::Facility stale = garage;
  stale.id = model::FacilityId("F2");
  stale.name = {"", "Quiet Lot"};
  stale.kind = model::FacilityKind::kSurface;
  stale.entrances.clear();
  stale.capacity = {};
  stale.tariff.reset();
  stale.opening_hours = "";
  stale.operator_name = "";
  stale.max_height_m.reset();
  data.facilities.push_back(stale);
  for (int i = 1; i <= 3; ++i) {
    model::Bay b;
    b.id = model::BayId("Z1-" + std::to_string(i));
    b.facility = zone.id;
    b.location = {34.001, 113.8005 + 0.0005 * i};
    b.time_limit_minutes = 60;
    data.bays.push_back(b);
  }
  model::Charger fast;
  fast.id = model::ChargerId("C1");
  fast.site = "F1";
  fast.facility = garage.id;
  fast.name = {"一号快充", "Fast 1"};
  fast.location = {34.0, 113.8002};
  fast.connectors = {{1, model::ConnectorType::kGbtDc, 120},
                     {2, model::ConnectorType::kGbtDc, 120}};
  fast.operator_name = "许昌充电";
  data.chargers.push_back(fast);
  model::Charger slow = fast;
  slow.id = model::ChargerId("C2");
  slow.name = {"二号慢充", "Slow 2"};
  slow.connectors = {{1, model::ConnectorType::kGbtAc, 7}};
  data.chargers.push_back(slow);
  model::Charger planned = slow;
  planned.id = model::ChargerId("C3");
  planned.site = "";
  planned.facility.reset();
  planned.lifecycle = model::Lifecycle::kPlanned;
  data.chargers.push_back(planned);
  model::Sign sign;
  sign.id = model::SignId("S1");
  sign.name = {"许继大道", "Xuji Ave"};
  sign.location = {34.003, 113.799};
  sign.lines = {{{garage.id}, model::Arrow::kLeft, {"一号停车楼", "Garage One"}}};
  data.signs.push_back(sign);
  model::Source gate;
  gate.id = model::SourceId("gate");
  gate.scope.all = true;
  gate.expected_interval = std::chrono::seconds(60);
  data.sources.push_back(gate);
  return data;
}

class InterchangeTest : public ::testing::Test {
 protected:
  InterchangeTest() : live_(*registry::Registry::Build(City())) {
    Count("F1", T("2026-11-30T09:59:00+08:00"), 150, std::nullopt);  // a Monday, open
    Count("F1", T("2026-11-30T09:59:00+08:00"), 3, model::SpaceCategory::kDisabled);
    Count("F2", T("2026-11-30T08:00:00+08:00"), 10, std::nullopt);  // two hours old: stale
    Bay("Z1-1", true, T("2026-11-30T08:30:00+08:00"));              // overstaying its hour
    Bay("Z1-2", false, T("2026-11-30T09:50:00+08:00"));
    Charger("C1", 1, model::ChargerStatus::kCharging, T("2026-11-30T09:58:00+08:00"));
    Charger("C1", 2, model::ChargerStatus::kAvailable, T("2026-11-30T09:58:00+08:00"));
    Charger("C2", 0, model::ChargerStatus::kFaulted, T("2026-11-30T09:57:00+08:00"));
  }

  void Count(const char* id, Timestamp t, int occupied, std::optional<model::SpaceCategory> c) {
    model::Observation o;
    o.source = model::SourceId("gate");
    o.time = t;
    o.target = id;
    o.occupied = occupied;
    o.category = c;
    live_.Apply(o);
  }
  void Bay(const char* id, bool occupied, Timestamp t) {
    model::Observation o;
    o.type = model::ObservationType::kBay;
    o.source = model::SourceId("gate");
    o.time = t;
    o.target = id;
    o.bay_occupied = occupied;
    live_.Apply(o);
  }
  void Charger(const char* id, int connector, model::ChargerStatus s, Timestamp t) {
    model::Observation o;
    o.type = model::ObservationType::kCharger;
    o.source = model::SourceId("gate");
    o.time = t;
    o.target = id;
    o.connector = connector;
    o.charger_status = s;
    live_.Apply(o);
  }

  ExportInput Input() {
    reg_ = live_.registry();
    snap_ = live_.Snapshot();
    ExportInput in{*reg_, *snap_, now_, live_.rules()};
    in.sign_content = [](const model::SignId&) {
      signs::SignContent content;
      signs::LineContent line;
      line.kind = signs::LineKind::kCount;
      line.count = 50;
      line.text = {"50", "50"};
      line.label = {"一号停车楼", "Garage One"};
      content.lines.push_back(line);
      return std::optional(content);
    };
    return in;
  }

  state::LiveState live_;
  Timestamp now_ = T("2026-11-30T10:00:00+08:00");
  std::shared_ptr<const registry::Registry> reg_;
  std::shared_ptr<const state::LiveSnapshot> snap_;
  RecordVersions versions_;
};

TEST_F(InterchangeTest, GeoJsonLayersMatchTheirGoldenFiles) {
  for (GeoJsonLayer layer : {GeoJsonLayer::kFacilities, GeoJsonLayer::kZones, GeoJsonLayer::kBays,
                             GeoJsonLayer::kChargers, GeoJsonLayer::kSigns}) {
    ExpectGolden(std::string(Name(layer)) + ".geojson",
                 GeoJsonLayerCollection(Input(), layer).dump(2) + "\n");
  }
}

TEST_F(InterchangeTest, GeoJsonSaysOnlyWhatMayBeBelieved) {
  json facilities = GeoJsonLayerCollection(Input(), GeoJsonLayer::kFacilities);
  ASSERT_EQ(facilities["features"].size(), 2u);  // the zone is in its own layer
  const json& garage = facilities["features"][0]["properties"];
  EXPECT_EQ(garage["free"], 50);
  EXPECT_EQ(garage["free_disabled"], 1);
  EXPECT_EQ(garage["state"], "open");
  const json& stale = facilities["features"][1]["properties"];
  EXPECT_EQ(stale["state"], "unknown");
  EXPECT_TRUE(stale["free"].is_null());
  json zone = GeoJsonLayerCollection(Input(), GeoJsonLayer::kZones)["features"][0]["geometry"];
  ASSERT_EQ(zone["type"], "Polygon");
  const json& ring = zone["coordinates"][0];
  EXPECT_EQ(ring.front(), ring.back());
  double area2 = 0;
  for (size_t i = 0; i + 1 < ring.size(); ++i) {
    area2 += ring[i][0].get<double>() * ring[i + 1][1].get<double>() -
             ring[i + 1][0].get<double>() * ring[i][1].get<double>();
  }
  EXPECT_GT(area2, 0) << "the exterior ring must be counterclockwise";
  json bays = GeoJsonLayerCollection(Input(), GeoJsonLayer::kBays)["features"];
  EXPECT_EQ(bays[0]["properties"]["overstay"], true);
  EXPECT_TRUE(bays[2]["properties"]["occupied"].is_null());  // never reported
}

TEST_F(InterchangeTest, Datex2PublicationsMatchTheirGoldenFiles) {
  ExpectGolden("parking-table.xml", ParkingTablePublication(Input(), {}, versions_));
  auto earlier = [](const model::FacilityId& id) -> std::optional<int> {
    if (id.str() == "F1") return 120;  // 30 more in 15 minutes: increasing
    return std::nullopt;
  };
  ExpectGolden("parking-status.xml", ParkingStatusPublication(Input(), {}, versions_, earlier));
}

TEST_F(InterchangeTest, Datex2StatusNeverGivesAStaleCount) {
  const std::string status = ParkingStatusPublication(Input(), {}, versions_);
  const size_t f2 = status.find("id=\"F2\"");
  ASSERT_NE(f2, std::string::npos);
  const std::string record = status.substr(f2, status.find("</prk:parkingRecordStatus>", f2) - f2);
  EXPECT_EQ(record.find("parkingNumberOfVacantSpaces>"), std::string::npos) << record;
  EXPECT_NE(record.find("<prk:parkingSiteStatus>unknown<"), std::string::npos) << record;
  EXPECT_NE(record.find("noParkingInformationAvailable"), std::string::npos) << record;
}

// A record's version is its content's: the same across servers and restarts, new exactly when
// that record changes, and the status follows the table.
TEST_F(InterchangeTest, Datex2VersionsChangeWithTheRecordAndOnlyIt) {
  auto versions_of = [](const std::string& xml) {
    std::map<std::string, std::string> out;
    for (size_t at = xml.find("<prk:parkingRecord "); at != std::string::npos;
         at = xml.find("<prk:parkingRecord ", at + 1)) {
      const size_t id = xml.find("id=\"", at) + 4;
      const size_t version = xml.find("version=\"", at) + 9;
      out[xml.substr(id, xml.find('"', id) - id)] =
          xml.substr(version, xml.find('"', version) - version);
    }
    return out;
  };
  RecordVersions other_server;
  const auto before = versions_of(ParkingTablePublication(Input(), {}, versions_));
  EXPECT_EQ(before, versions_of(ParkingTablePublication(Input(), {}, other_server)));
  model::RegistryData data = City();
  data.facilities[0].capacity.total = 210;
  state::LiveState changed(*registry::Registry::Build(data));
  auto reg = changed.registry();
  auto snap = changed.Snapshot();
  const auto after =
      versions_of(ParkingTablePublication({*reg, *snap, now_, changed.rules()}, {}, versions_));
  EXPECT_NE(before.at("F1"), after.at("F1"));
  EXPECT_EQ(before.at("Z1"), after.at("Z1"));
  EXPECT_EQ(before.at("F2"), after.at("F2"));
}

TEST(OccupancyTrend, TwoPercentOfCapacityIsAChange) {
  EXPECT_EQ(OccupancyTrend(4, 200), "increasing");
  EXPECT_EQ(OccupancyTrend(3, 200), "stable");
  EXPECT_EQ(OccupancyTrend(-4, 200), "decreasing");
  EXPECT_EQ(OccupancyTrend(1, 10), "increasing");  // one space is the least change there is
  EXPECT_EQ(OccupancyTrend(0, 10), "stable");
}

TEST_F(InterchangeTest, OcpiLocationsMatchTheirGoldenFile) {
  json all = json::array();
  for (json& location : OcpiLocationList(Input(), {})) all.push_back(std::move(location));
  ExpectGolden("ocpi-locations.json", all.dump(2) + "\n");
}

TEST_F(InterchangeTest, OcpiStatusFollowsWhatMayBeBelieved) {
  auto f1 = OcpiLocation(Input(), {}, "F1");
  ASSERT_TRUE(f1);
  std::map<std::string, std::string> status;
  for (const json& evse : (*f1)["evses"]) status[evse["uid"]] = evse["status"];
  EXPECT_EQ(status["C1-1"], "CHARGING");
  EXPECT_EQ(status["C1-2"], "AVAILABLE");
  EXPECT_EQ(status["C2-1"], "OUTOFORDER");         // the whole charger reported Faulted
  auto planned = OcpiLocation(Input(), {}, "C3");  // no site: its own location
  ASSERT_TRUE(planned);
  EXPECT_EQ((*planned)["evses"][0]["status"], "PLANNED");
  now_ = T("2026-11-30T12:00:00+08:00");  // every report two hours old: nothing is believed
  f1 = OcpiLocation(Input(), {}, "F1");
  for (const json& evse : (*f1)["evses"]) EXPECT_EQ(evse["status"], "UNKNOWN") << evse["uid"];
  EXPECT_FALSE(OcpiLocation(Input(), {}, "nowhere"));
}

TEST_F(InterchangeTest, NgsiLdEntitiesMatchTheirGoldenFiles) {
  for (auto [form, name] : {std::pair{NgsiForm::kNormalized, "ngsi-ld-normalized.json"},
                            std::pair{NgsiForm::kKeyValues, "ngsi-ld-keyvalues.json"}}) {
    json all = json::array();
    for (json& e : NgsiLdEntities(Input(), form)) all.push_back(std::move(e));
    ExpectGolden(name, all.dump(2) + "\n");
  }
}

TEST_F(InterchangeTest, NgsiLdSaysOnlyWhatMayBeBelieved) {
  auto garage =
      NgsiLdEntity(Input(), NgsiForm::kKeyValues, "urn:ngsi-ld:OffStreetParking:testville:F1");
  ASSERT_TRUE(garage);
  EXPECT_EQ((*garage)["availableSpotNumber"], 50);
  EXPECT_EQ((*garage)["occupancy"], 0.75);
  EXPECT_EQ((*garage)["status"], json({"open", "spacesAvailable"}));
  EXPECT_EQ((*garage)["observationDateTime"], "2026-11-30T01:59:00Z");
  auto stale =
      NgsiLdEntity(Input(), NgsiForm::kKeyValues, "urn:ngsi-ld:OffStreetParking:testville:F2");
  ASSERT_TRUE(stale);
  for (const char* live : {"availableSpotNumber", "occupiedSpotNumber", "occupancy", "status"}) {
    EXPECT_FALSE(stale->contains(live)) << live;
  }
  auto never =
      NgsiLdEntity(Input(), NgsiForm::kKeyValues, "urn:ngsi-ld:ParkingSpot:testville:Z1-3");
  ASSERT_TRUE(never);
  EXPECT_EQ((*never)["status"], "unknown");
  EXPECT_FALSE(
      NgsiLdEntity(Input(), NgsiForm::kKeyValues, "urn:ngsi-ld:ParkingSpot:testville:nope"));
  EXPECT_FALSE(NgsiLdEntity(Input(), NgsiForm::kKeyValues, "F1"));
}

TEST(NgsiLdNormalized, RelationshipsGeoPropertiesAndObservedLiveValues) {
  json kv{{"id", "urn:ngsi-ld:ParkingSpot:x:B1"},
          {"type", "ParkingSpot"},
          {"status", "free"},
          {"timeInstant", "2026-11-30T01:59:00Z"},
          {"refParkingSite", "urn:ngsi-ld:OnStreetParking:x:Z1"},
          {"location", {{"type", "Point"}, {"coordinates", {113.8, 34.0}}}}};
  json n = Normalized(kv);
  EXPECT_EQ(n["id"], kv["id"]);
  EXPECT_EQ(n["refParkingSite"],
            json({{"type", "Relationship"}, {"object", kv["refParkingSite"]}}));
  EXPECT_EQ(n["location"]["type"], "GeoProperty");
  EXPECT_EQ(n["status"]["observedAt"], "2026-11-30T01:59:00Z");
  EXPECT_FALSE(n["timeInstant"].contains("observedAt"));
}

}  // namespace
}  // namespace pg::interchange

#include "registry/survey.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/crs.h"
#include "model/model_json.h"
#include "registry/registry.h"
#include "store/store.h"
#include "tests/support/temp_dir.h"

namespace pg::registry {
namespace {

using model::FacilityId;
using model::Origin;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string Fixtures() { return std::string(PG_SOURCE_DIR) + "/tests/fixtures/survey"; }

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void Spit(const std::string& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

std::vector<std::string> Strings(const std::vector<SurveyProblem>& problems) {
  std::vector<std::string> out;
  out.reserve(problems.size());
  for (const auto& p : problems) out.push_back(p.ToString());
  return out;
}

// Everything a store holds, as comparable text.
std::string Snapshot(store::Store& store) {
  auto data = store.LoadRegistry();
  EXPECT_TRUE(data.ok()) << data.status().ToString();
  nlohmann::json j = nlohmann::json::array();
  if (data->city) j.push_back(model::ToJson(*data->city));
  for (const auto& e : data->facilities) j.push_back(model::ToJson(e));
  for (const auto& e : data->bays) j.push_back(model::ToJson(e));
  for (const auto& e : data->chargers) j.push_back(model::ToJson(e));
  for (const auto& e : data->signs) j.push_back(model::ToJson(e));
  for (const auto& e : data->sources) j.push_back(model::ToJson(e));
  return j.dump();
}

const model::Facility* FindFacility(const model::RegistryData& data, std::string_view id) {
  for (const auto& f : data.facilities) {
    if (f.id.str() == id) return &f;
  }
  return nullptr;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::OpenSqliteStore(dir_.File("city.db"));
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
  }

  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
};

// ---- good files ------------------------------------------------------------------------------

TEST(SurveyRead, ExcelCsvExportOfEveryKindReadsWithoutProblems) {
  std::vector<SurveyProblem> problems;
  auto data = ReadSurveyFiles({Fixtures() + "/csv"}, &problems);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_THAT(Strings(problems), IsEmpty());

  ASSERT_TRUE(data->city.has_value());
  EXPECT_EQ(data->city->id, "xuchang");
  EXPECT_EQ(data->city->name.zh, "许昌");
  EXPECT_EQ(data->city->bbox, (BoundingBox{33.9, 113.7, 34.2, 114.0}));
  ASSERT_EQ(data->city->districts.size(), 2u);
  EXPECT_EQ(data->city->districts[0].name.zh, "魏都区");
  EXPECT_EQ(data->city->districts[0].outline.size(), 5u);

  ASSERT_EQ(data->facilities.size(), 3u);
  const model::Facility& f1 = data->facilities[0];
  EXPECT_EQ(f1.id.str(), "F1");
  EXPECT_EQ(f1.name, (model::LocalizedName{"北门停车场", "North Gate Car Park, Level B1"}));
  EXPECT_EQ(f1.kind, model::FacilityKind::kUnderground);
  EXPECT_EQ(f1.location, (LatLon{34.0312, 113.8523}));
  EXPECT_EQ(f1.capacity.total, 600);
  EXPECT_EQ(f1.capacity.by_category.at(model::SpaceCategory::kEv), 40);
  EXPECT_EQ(f1.capacity.by_category.size(), 2u);
  EXPECT_EQ(f1.operator_name, "许昌城投");
  ASSERT_TRUE(f1.tariff.has_value());
  EXPECT_EQ(f1.tariff->free_minutes, 15);
  EXPECT_EQ(f1.tariff->bands.size(), 2u);
  EXPECT_EQ(f1.tariff->daily_cap_fen, 4000);
  EXPECT_EQ(f1.max_height_m, 2.2);
  ASSERT_EQ(f1.entrances.size(), 2u);
  EXPECT_EQ(f1.entrances[1].kind, model::EntranceKind::kPedestrian);
  EXPECT_EQ(f1.origin, Origin::kSurvey);
  const model::Facility& f2 = data->facilities[1];
  // A line break inside a quoted cell (Alt+Enter) reads as a space: names are plain text.
  EXPECT_EQ(f2.name.zh, "春秋广场 地面停车场");
  EXPECT_EQ(f2.name.en, "Chunqiu Square \"Surface\" Lot");
  EXPECT_EQ(f2.opening_hours, "Mo-Fr 07:00-22:00; Sa,Su 09:00-18:00");
  ASSERT_TRUE(f2.tariff.has_value());
  EXPECT_TRUE(f2.tariff->bands.empty());  // "free"
  EXPECT_EQ(f2.access, model::Access::kCustomers);

  ASSERT_EQ(data->bays.size(), 2u);
  EXPECT_EQ(data->bays[0].time_limit_minutes, 120);
  EXPECT_EQ(data->bays[1].category, model::SpaceCategory::kDisabled);

  ASSERT_EQ(data->chargers.size(), 3u);
  EXPECT_EQ(data->chargers[0].connectors.size(), 2u);
  EXPECT_EQ(data->chargers[0].construction_date, "2025-06-01");  // written 2025/6/1 by Excel
  EXPECT_EQ(data->chargers[1].lifecycle, model::Lifecycle::kUnderConstruction);
  EXPECT_EQ(data->chargers[2].facility, std::nullopt);

  ASSERT_EQ(data->signs.size(), 2u);
  EXPECT_EQ(data->signs[0].level, model::SignLevel::kArea);
  ASSERT_EQ(data->signs[0].lines.size(), 2u);
  EXPECT_EQ(data->signs[0].lines[0].facilities.size(), 2u);
  EXPECT_EQ(data->signs[0].lines[1].label.en, "Wenfeng Rd");

  ASSERT_EQ(data->sources.size(), 2u);
  EXPECT_EQ(data->sources[1].scope.operators, std::vector<std::string>{"许昌停车"});
  EXPECT_EQ(data->sources[0].expected_interval, std::chrono::seconds(60));
}

TEST(SurveyRead, GeoJsonFeaturesOfEveryTypeRead) {
  std::vector<SurveyProblem> problems;
  auto data = ReadSurveyFiles({Fixtures() + "/city.geojson"}, &problems);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_THAT(Strings(problems), IsEmpty());
  ASSERT_TRUE(data->city.has_value());
  ASSERT_EQ(data->facilities.size(), 2u);
  const model::Facility& g1 = data->facilities[0];
  EXPECT_EQ(g1.outline.size(), 5u);
  EXPECT_EQ(g1.location, (LatLon{34.0305, 113.8512}));  // properties lat/lon beside the polygon
  EXPECT_EQ(g1.capacity.total, 800);
  EXPECT_EQ(g1.tariff->bands[0].price_fen_per_hour, 300);
  EXPECT_EQ(g1.entrances[0].id, "east");
  // Flat forms, as a GIS attribute table holds them.
  const model::Facility& g2 = data->facilities[1];
  EXPECT_EQ(g2.id.str(), "G2");  // the feature's own id
  EXPECT_EQ(g2.name, (model::LocalizedName{"东城路内泊位", "East Town on-street"}));
  EXPECT_EQ(g2.capacity.total, 60);
  EXPECT_EQ(g2.capacity.by_category.at(model::SpaceCategory::kDisabled), 2);
  EXPECT_EQ(g2.tariff->daily_cap_fen, 3000);
  EXPECT_EQ(g2.location, (LatLon{34.0402, 113.8601}));
  ASSERT_EQ(data->bays.size(), 1u);
  ASSERT_EQ(data->chargers.size(), 2u);
  EXPECT_EQ(data->chargers[0].in_service_date, "2025-10-01");
  EXPECT_EQ(data->chargers[1].connectors.size(), 2u);
  ASSERT_EQ(data->signs.size(), 1u);
  EXPECT_EQ(data->signs[0].lines[0].label.en, "Times Square");
  ASSERT_EQ(data->sources.size(), 1u);
}

TEST(SurveyRead, PolygonWithoutLatLonIsPlacedAtItsCentroid) {
  testing::TempDir dir;
  Spit(dir.File("f.geojson"), R"({"type": "FeatureCollection", "features": [
    {"type": "Feature", "geometry": {"type": "Polygon", "coordinates":
      [[[113.0, 34.0], [113.2, 34.0], [113.2, 34.2], [113.0, 34.2], [113.0, 34.0]]]},
     "properties": {"type": "facility", "id": "P", "name_en": "Square", "kind": "surface"}}]})");
  auto data = ReadSurveyFiles({dir.File("f.geojson")}, nullptr);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_NEAR(data->facilities[0].location.lat, 34.1, 1e-9);
  EXPECT_NEAR(data->facilities[0].location.lon, 113.1, 1e-9);
}

TEST(SurveyRead, GeoJsonFeatureWithoutAnIdOrNameIsReportedOnce) {
  testing::TempDir dir;
  Spit(dir.File("f.geojson"), R"({"type": "FeatureCollection", "features": [
    {"type": "Feature", "geometry": {"type": "Point", "coordinates": [113.85, 34.03]},
     "properties": {"type": "sign", "level": 2, "lines": "F1", "colour": "red"}},
    {"type": "Feature", "geometry": {"type": "Point", "coordinates": [113.85, 34.03]},
     "properties": {"type": "facility", "id": "F1", "kind": "surface"}}]})");
  std::vector<SurveyProblem> problems;
  EXPECT_FALSE(ReadSurveyFiles({dir.File("f.geojson")}, &problems).ok());
  EXPECT_THAT(Strings(problems),
              ElementsAre(dir.File("f.geojson") +
                              ":features[0]: warning: colour: unknown property of a sign, ignored",
                          dir.File("f.geojson") + ":features[0]: id: is required",
                          dir.File("f.geojson") +
                              ":features[1]: name: a facility needs a name in name.zh or name.en "
                              "(or name_zh, name_en)"));
}

// An inventory surveyed on Amap (GCJ-02) or Baidu (BD-09) says so per row; WGS-84 inside.
TEST(SurveyRead, ACrsColumnBringsGcjAndBaiduRowsToWgs84) {
  testing::TempDir dir;
  const LatLon wgs{34.03, 113.85};
  const LatLon gcj = Wgs84ToGcj02(wgs), bd = FromWgs84(wgs, Crs::kBd09);
  Spit(dir.File("facilities.csv"),
       fmt::format("id,name_zh,kind,lat,lon,capacity,entrances,crs\n"
                   "W,北门,surface,{:.9f},{:.9f},10,,\n"
                   "G,北门,surface,{:.9f},{:.9f},10,E1={:.9f} {:.9f},gcj02\n"
                   "B,北门,surface,{:.9f},{:.9f},10,,BD-09\n",
                   wgs.lat, wgs.lon, gcj.lat, gcj.lon, gcj.lat, gcj.lon, bd.lat, bd.lon));
  std::vector<SurveyProblem> problems;
  auto data = ReadSurveyFiles({dir.File("facilities.csv")}, &problems);
  ASSERT_TRUE(data.ok()) << fmt::format("{}", fmt::join(Strings(problems), "\n"));
  EXPECT_THAT(problems, IsEmpty());
  ASSERT_EQ(data->facilities.size(), 3u);
  for (const auto& f : data->facilities) {
    EXPECT_LT(HaversineMeters(f.location, wgs), 0.5) << f.id.str();
  }
  ASSERT_EQ(data->facilities[1].entrances.size(), 1u);
  EXPECT_LT(HaversineMeters(data->facilities[1].entrances[0].location, wgs), 0.01);

  Spit(dir.File("facilities.csv"),
       "id,name_zh,kind,lat,lon,capacity,crs\nF1,北门,surface,34.03,113.85,10,mars\n");
  problems.clear();
  EXPECT_FALSE(ReadSurveyFiles({dir.File("facilities.csv")}, &problems).ok());
  EXPECT_THAT(Strings(problems), ElementsAre(dir.File("facilities.csv") +
                                             ":2: crs: 'mars' is not one of wgs84, gcj02, bd09"));
}

TEST(SurveyRead, AGeoJsonCollectionOrFeatureInGcjIsBroughtToWgs84) {
  testing::TempDir dir;
  const LatLon wgs{34.03, 113.85};
  const LatLon gcj = Wgs84ToGcj02(wgs), bd = FromWgs84(wgs, Crs::kBd09);
  Spit(dir.File("f.geojson"),
       fmt::format(R"({{"type": "FeatureCollection", "crs": "gcj02", "features": [
    {{"type": "Feature", "geometry": {{"type": "Point", "coordinates": [{:.9f}, {:.9f}]}},
     "properties": {{"type": "facility", "id": "G", "name_en": "G", "kind": "surface"}}}},
    {{"type": "Feature", "geometry": {{"type": "Point", "coordinates": [{:.9f}, {:.9f}]}},
     "properties": {{"type": "charger", "id": "C", "connectors": "GBT_DC:60", "in_service_date": "2025-01-01", "crs": "bd09"}}}}]}})",
                   gcj.lon, gcj.lat, bd.lon, bd.lat));
  std::vector<SurveyProblem> problems;
  auto data = ReadSurveyFiles({dir.File("f.geojson")}, &problems);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_THAT(problems, IsEmpty());
  EXPECT_LT(HaversineMeters(data->facilities.at(0).location, wgs), 0.01);
  EXPECT_LT(HaversineMeters(data->chargers.at(0).location, wgs), 0.5);

  Spit(dir.File("f.geojson"), R"({"type": "FeatureCollection", "crs": {"type": "name",
    "properties": {"name": "EPSG:3857"}}, "features": []})");
  problems.clear();
  EXPECT_FALSE(ReadSurveyFiles({dir.File("f.geojson")}, &problems).ok());
  EXPECT_THAT(
      Strings(problems),
      ElementsAre(dir.File("f.geojson") + ": crs: 'EPSG:3857' is not one of wgs84, gcj02, bd09"));
}

TEST(SurveyRead, UnknownColumnIsAWarningNotAnError) {
  testing::TempDir dir;
  Spit(dir.File("facilities.csv"),
       "id,name_zh,kind,lat,lon,capacity,colour\nF1,北门,surface,34.03,113.85,10,blue\n");
  std::vector<SurveyProblem> problems;
  auto data = ReadSurveyFiles({dir.File("facilities.csv")}, &problems);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(data->facilities.size(), 1u);
  EXPECT_THAT(Strings(problems),
              ElementsAre(dir.File("facilities.csv") +
                          ":1: warning: colour: unknown column for facilities, ignored"));
}

TEST(SurveyRead, HeaderTellsTheKindWhenTheFileNameDoesNot) {
  testing::TempDir dir;
  Spit(dir.File("停车场调查2026.csv"),
       "ID,Name_ZH,Kind,Lat,Lon,Capacity\nF1,北门,surface,34.03,113.85,10\n");
  auto data = ReadSurveyFiles({dir.File("停车场调查2026.csv")}, nullptr);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(data->facilities.size(), 1u);
}

TEST(SurveyRead, FileNameAndHeaderThatDisagreeAreAnError) {
  testing::TempDir dir;
  Spit(dir.File("bays.csv"), "id,name_zh,kind,lat,lon,capacity\nF1,北门,surface,34.03,113.85,10\n");
  std::vector<SurveyProblem> problems;
  EXPECT_FALSE(ReadSurveyFiles({dir.File("bays.csv")}, &problems).ok());
  EXPECT_THAT(Strings(problems),
              ElementsAre(dir.File("bays.csv") +
                          ":1: the file name says bays, but the header is that of facilities (it "
                          "has a capacity column)"));
}

TEST(SurveyRead, AFileOfNoKnownKindIsAnError) {
  testing::TempDir dir;
  Spit(dir.File("inventory.csv"), "id,name\nF1,x\n");
  std::vector<SurveyProblem> problems;
  EXPECT_FALSE(ReadSurveyFiles({dir.File("inventory.csv")}, &problems).ok());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_THAT(problems[0].message, HasSubstr("cannot tell which entries this file holds"));
}

TEST(SurveyRead, MissingFileIsAProblemNamingIt) {
  std::vector<SurveyProblem> problems;
  auto data = ReadSurveyFiles({"/nonexistent/facilities.csv"}, &problems);
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(Strings(problems), ElementsAre("/nonexistent/facilities.csv: no such file"));
}

// ---- bad files: each gives its own error and imports nothing ----------------------------------

struct BadFile {
  const char* file;
  std::vector<std::string> errors;  // each after the file's path
};

void PrintTo(const BadFile& b, std::ostream* os) { *os << b.file; }

class SurveyBadFile : public ::testing::TestWithParam<BadFile> {};

TEST_P(SurveyBadFile, GivesItsOwnErrorAndImportsNothing) {
  const BadFile& bad = GetParam();
  std::string path = Fixtures() + "/bad/" + bad.file;

  testing::TempDir dir;
  auto store = store::OpenSqliteStore(dir.File("city.db"));
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE(ImportSurveyFiles({Fixtures() + "/csv"}, **store, nullptr).ok());
  std::string before = Snapshot(**store);

  std::vector<SurveyProblem> problems;
  auto summary = ImportSurveyFiles({path}, **store, &problems);
  ASSERT_FALSE(summary.ok());
  EXPECT_EQ(summary.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(summary.status().message(), HasSubstr("nothing was imported"));

  std::vector<std::string> errors;
  for (const auto& p : problems) {
    if (!p.is_error()) continue;
    EXPECT_EQ(p.file, path);
    std::string text = p.ToString();
    errors.push_back(text.substr(std::min(path.size(), text.size())));
  }
  EXPECT_EQ(errors, bad.errors);
  EXPECT_EQ(Snapshot(**store), before);
}

constexpr char kFacilityKinds[] = "multi_storey, underground, surface, on_street, park_and_ride";

INSTANTIATE_TEST_SUITE_P(
    Fixtures, SurveyBadFile,
    ::testing::Values(
        BadFile{"facilities_bad_number.csv", {":5: capacity: 'abc' is not a whole number"}},
        BadFile{"facilities_bad_enum.csv",
                {std::string(":2: kind: 'castle' is not one of: ") + kFacilityKinds}},
        BadFile{"facilities_bad_coordinate.csv", {":2: lat: '95.5' is outside [-90, 90] degrees"}},
        BadFile{"facilities_bad_opening_hours.csv",
                {":2: opening_hours: opening_hours 'Mo-Fr 8am-6pm': '8am-6pm' is not in the "
                 "supported subset (weekdays, times, 24/7, off)"}},
        BadFile{"facilities_bad_tariff.csv",
                {":2: tariff: band 18:00-22:00 overlaps band 08:00-20:00"}},
        BadFile{"facilities_duplicate_id.csv",
                {":4: id: facility 'F1' appears twice; first at " + Fixtures() +
                 "/bad/facilities_duplicate_id.csv:2"}},
        BadFile{"facilities_missing_column.csv",
                {":1: missing required columns for facilities: lat, lon"}},
        BadFile{"facilities_gbk.csv",
                {":2: not UTF-8: save the file as 'CSV UTF-8 (Comma delimited)' (CSV UTF-8"
                 "(逗号分隔)); Excel's plain 'CSV' writes GBK"}},
        BadFile{"chargers_bad_date.csv",
                {":2: in_service_date: '2025-02-30' is not a calendar date"}},
        BadFile{"bays_dangling_reference.csv", {":2: facility: no facility 'F99'"}},
        BadFile{"sources_bad_scope.csv",
                {":2: scope: 'planet:earth': unknown scope kind 'planet'"}},
        BadFile{"signs_bad_line.csv",
                {":2: lines: line 'F1>sideways:东区': arrow 'sideways' is not one of: none, left, "
                 "right, straight, straight_left, straight_right, u_turn"}},
        BadFile{"malformed.geojson",
                {":4: not valid JSON: parse error at line 4, column 87: syntax error while parsing "
                 "object key - unexpected ','; expected string literal"}},
        BadFile{"bad_features.geojson",
                {std::string(":features[1]: kind: 'castle' is not one of: ") + kFacilityKinds,
                 ":features[2]: geometry: must be a Point"}}));

TEST_F(StoreTest, OneBadRowAnywhereImportsNothingAtAll) {
  std::vector<SurveyProblem> problems;
  auto summary = ImportSurveyFiles(
      {Fixtures() + "/csv", Fixtures() + "/bad/bays_dangling_reference.csv"}, *store_, &problems);
  ASSERT_FALSE(summary.ok());
  auto data = store_->LoadRegistry();
  ASSERT_TRUE(data.ok());
  EXPECT_FALSE(data->city.has_value());
  EXPECT_TRUE(data->facilities.empty());
  EXPECT_TRUE(data->bays.empty());
  EXPECT_TRUE(data->sources.empty());
}

TEST_F(StoreTest, EveryProblemOfEveryFileIsListedInFileAndLineOrder) {
  testing::TempDir files;
  Spit(files.File("facilities.csv"),
       "id,name_zh,kind,lat,lon,capacity\n"
       "F1,甲,castle,34.03,113.85,10\n"
       "F2,乙,surface,34.03,east,x\n");
  Spit(files.File("bays.csv"), "id,facility,lat,lon\nB1,F1,34.03,113.85\nB2,F9,34.03,113.85\n");
  std::vector<SurveyProblem> problems;
  ASSERT_FALSE(ImportSurveyFiles({files.path().string()}, *store_, &problems).ok());
  std::vector<std::string> short_form;
  for (const auto& p : problems) {
    short_form.push_back(std::filesystem::path(p.file).filename().string() + ":" +
                         std::to_string(p.line) + ":" + p.field);
  }
  // B1 refers to F1, whose row is bad: that is not reported a second time.
  EXPECT_THAT(short_form, ElementsAre("bays.csv:3:facility", "facilities.csv:2:kind",
                                      "facilities.csv:3:lon", "facilities.csv:3:capacity"));
}

// Finding (issue 16): a 100,000-character name was stored. Every text and count of a survey
// file has a bound; a refusal names the file, the line (or feature) and the column (or property).
TEST(SurveyRead, EveryFieldOverItsBoundIsRefusedNamingFileLineAndColumn) {
  const std::string huge(100'000, 'n');
  struct Case {
    const char* what;
    const char* file;
    std::string text;
    const char* where;  // "file:line: column" of the one error
  };
  const std::string facilities = "id,name_zh,name_en,kind,lat,lon,capacity,operator,district\n";
  const Case cases[] = {
      {"a name of 100,000 characters", "facilities.csv",
       facilities + "F1," + huge + ",x,surface,34.03,113.85,10,,\n", "facilities.csv:2: name_zh"},
      {"an escape sequence in an English name", "facilities.csv",
       facilities + "F1,甲,\x1b[31mRed,surface,34.03,113.85,10,,\n", "facilities.csv:2: name_en"},
      {"an operator of 201 characters", "facilities.csv",
       facilities + "F1,甲,,surface,34.03,113.85,10," + std::string(201, 'o') + ",\n",
       "facilities.csv:2: operator"},
      {"a capacity of 2^40", "facilities.csv",
       facilities + "F1,甲,,surface,34.03,113.85,1099511627776,,\n", "facilities.csv:2: capacity"},
      {"an id of 65 characters", "facilities.csv",
       facilities + std::string(65, 'F') + ",甲,,surface,34.03,113.85,10,,\n",
       "facilities.csv:2: id"},
      {"opening hours of 501 characters", "facilities.csv",
       "id,name_zh,kind,lat,lon,capacity,opening_hours\nF1,甲,surface,34.03,113.85,10," +
           std::string(501, '1') + "\n",
       "facilities.csv:2: opening_hours"},
      {"a sensor id of 65 characters", "bays.csv",
       "id,facility,lat,lon,sensor_id\nB1,F0,34.03,113.85," + std::string(65, 's') + "\n",
       "bays.csv:2: sensor_id"},
      {"a sign controller that is no topic segment", "signs.csv",
       "id,lat,lon,level,lines,controller_id\nS1,34.03,113.85,2,F0>left:一|One,VMS/+\n",
       "signs.csv:2: controller_id"},
      {"a source description of 501 characters", "sources.csv",
       "id,kind,scope,description\nG1,manual,all," + std::string(501, 'd') + "\n",
       "sources.csv:2: description"},
      {"a district name of 201 characters", "districts.csv",
       "id,name_zh\nD1," + std::string(201, 'd') + "\n", "districts.csv:2: name_zh"},
  };
  for (const auto& c : cases) {
    testing::TempDir dir;
    Spit(dir.File("city.csv"), "id,name_en\ntestville,Testville\n");
    Spit(dir.File("facilities_base.csv"),
         "id,name_zh,kind,lat,lon,capacity\nF0,基,surface,34.03,113.85,10\n");
    Spit(dir.File(c.file), c.text);
    std::vector<SurveyProblem> problems;
    auto data = ReadSurveyFiles({dir.path().string()}, &problems);
    EXPECT_FALSE(data.ok()) << c.what;
    std::vector<std::string> errors;
    for (const auto& p : problems) {
      if (!p.is_error()) continue;
      errors.push_back(fmt::format("{}:{}: {}", std::filesystem::path(p.file).filename().string(),
                                   p.line, p.field));
      EXPECT_LT(p.message.size(), 300u) << c.what << ": the message does not repeat the text";
    }
    EXPECT_THAT(errors, ElementsAre(c.where)) << c.what;
  }
}

TEST(SurveyRead, GeoJsonPropertiesOverTheirBoundsAreRefusedNamingTheFeature) {
  testing::TempDir dir;
  nlohmann::json feature = {{"type", "Feature"},
                            {"geometry", {{"type", "Point"}, {"coordinates", {113.85, 34.03}}}},
                            {"properties",
                             {{"type", "facility"},
                              {"id", "F1"},
                              {"name", {{"zh", "北门\u0007"}, {"en", std::string(201, 'n')}}},
                              {"kind", "surface"},
                              {"capacity", {{"total", 10}}}}}};
  Spit(dir.File("city.geojson"),
       nlohmann::json{{"type", "FeatureCollection"}, {"features", {feature}}}.dump());
  std::vector<SurveyProblem> problems;
  EXPECT_FALSE(ReadSurveyFiles({dir.File("city.geojson")}, &problems).ok());
  EXPECT_THAT(Strings(problems),
              ElementsAre(HasSubstr("city.geojson:features[0]: name.zh: holds a control"),
                          HasSubstr("city.geojson:features[0]: name.en: is longer than 200")));
}

// A name an older version stored unbounded (the 100,000-character finding) reaches no reader:
// the registry snapshot every reader shares holds it cut.
TEST_F(StoreTest, ARegistryBuiltFromOldOversizedTextHoldsItCut) {
  model::RegistryData old;
  model::Facility f;
  f.id = FacilityId("F1");
  f.name = {std::string(100'000, 'n'), "North\nGate"};
  f.location = {34.03, 113.85};
  old.facilities.push_back(f);
  ASSERT_TRUE(store_->WriteRegistry(old, store::RegistryWriteMode::kUpsert).ok());
  auto registry = Registry::Build(*store_->LoadRegistry());
  ASSERT_TRUE(registry.ok()) << registry.status().ToString();
  const model::Facility* kept = (*registry)->FindFacility(FacilityId("F1"));
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(kept->name.zh.size(), 199u + std::string_view("…").size());
  EXPECT_EQ(kept->name.en, "North\xEF\xBF\xBDGate");
}

// ---- import into the store --------------------------------------------------------------------

TEST_F(StoreTest, ImportWritesEveryEntryAsSurvey) {
  std::vector<SurveyProblem> problems;
  auto summary =
      ImportSurveyFiles({Fixtures() + "/csv", Fixtures() + "/city.geojson"}, *store_, &problems);
  // city.geojson brings a second city: the survey must say it once.
  ASSERT_FALSE(summary.ok());
  problems.clear();
  summary = ImportSurveyFiles({Fixtures() + "/csv"}, *store_, &problems);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->files, 7);
  EXPECT_EQ(summary->facilities, 3);
  EXPECT_EQ(summary->written.inserted, 3 + 2 + 3 + 2);
  auto data = store_->LoadRegistry();
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(data->facilities.size(), 3u);
  for (const auto& f : data->facilities) EXPECT_EQ(f.origin, Origin::kSurvey);
  EXPECT_EQ(data->sources.size(), 2u);
  ASSERT_TRUE(data->city.has_value());
  EXPECT_EQ(data->city->districts.size(), 2u);
}

TEST_F(StoreTest, ReimportUpdatesInPlace) {
  testing::TempDir files;
  std::filesystem::copy(Fixtures() + "/csv", files.path(),
                        std::filesystem::copy_options::recursive);
  ASSERT_TRUE(ImportSurveyFiles({files.path().string()}, *store_, nullptr).ok());

  std::string text = Slurp(files.File("facilities.csv"));
  size_t at = text.find(",600,");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 5, ",650,");
  Spit(files.File("facilities.csv"), text);
  auto summary = ImportSurveyFiles({files.path().string()}, *store_, nullptr);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->written.inserted, 0);
  EXPECT_EQ(summary->written.updated, 3 + 2 + 3 + 2);

  auto data = store_->LoadRegistry();
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(data->facilities.size(), 3u);
  EXPECT_EQ(data->bays.size(), 2u);
  EXPECT_EQ(FindFacility(*data, "F1")->capacity.total, 650);
}

TEST_F(StoreTest, SurveyBeatsOsmForTheSameId) {
  model::RegistryData osm;
  model::Facility from_osm;
  from_osm.id = FacilityId("osm:w123");
  from_osm.name.zh = "停车场";
  from_osm.kind = model::FacilityKind::kSurface;
  from_osm.location = {34.03, 113.85};
  from_osm.capacity.total = 10;
  from_osm.origin = Origin::kOsm;
  from_osm.osm_ref = "w123";
  osm.facilities = {from_osm};
  ASSERT_TRUE(store_->WriteRegistry(osm, store::RegistryWriteMode::kReplaceOsm).ok());

  testing::TempDir files;
  Spit(files.File("facilities.csv"),
       "id,name_zh,name_en,kind,lat,lon,capacity,osm_ref\n"
       "osm:w123,市政府停车场,City Hall Car Park,multi_storey,34.0301,113.8502,250,w123\n");
  auto summary = ImportSurveyFiles({files.File("facilities.csv")}, *store_, nullptr);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->written.updated, 1);

  auto check = [&] {
    auto data = store_->LoadRegistry();
    ASSERT_TRUE(data.ok());
    ASSERT_EQ(data->facilities.size(), 1u);
    EXPECT_EQ(data->facilities[0].origin, Origin::kSurvey);
    EXPECT_EQ(data->facilities[0].capacity.total, 250);
    EXPECT_EQ(data->facilities[0].name.en, "City Hall Car Park");
  };
  check();
  // A later OSM import does not undo the correction.
  auto again = store_->WriteRegistry(osm, store::RegistryWriteMode::kReplaceOsm);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->kept_survey, 1);
  check();
}

TEST_F(StoreTest, SurveyRowsMayReferToFacilitiesAlreadyInTheStore) {
  model::RegistryData osm;
  model::Facility zone;
  zone.id = FacilityId("osm:w9");
  zone.name.zh = "路内";
  zone.kind = model::FacilityKind::kOnStreet;
  zone.location = {34.03, 113.85};
  zone.origin = Origin::kOsm;
  osm.facilities = {zone};
  ASSERT_TRUE(store_->WriteRegistry(osm, store::RegistryWriteMode::kReplaceOsm).ok());

  testing::TempDir files;
  Spit(files.File("bays.csv"), "id,facility,lat,lon,sensor_id\nB1,osm:w9,34.03,113.85,S1\n");
  std::vector<SurveyProblem> problems;
  auto summary = ImportSurveyFiles({files.File("bays.csv")}, *store_, &problems);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->bays, 1);
  // Without the store's context the reference dangles.
  EXPECT_FALSE(ReadSurveyFiles({files.File("bays.csv")}, nullptr).ok());
}

TEST_F(StoreTest, DistrictsAloneUpdateTheStoredCity) {
  ASSERT_TRUE(ImportSurveyFiles({Fixtures() + "/csv/city.csv"}, *store_, nullptr).ok());
  testing::TempDir files;
  Spit(files.File("districts.csv"), "id,name_zh,name_en\nweidu,魏都区,Weidu\n");
  ASSERT_TRUE(ImportSurveyFiles({files.File("districts.csv")}, *store_, nullptr).ok());
  Spit(files.File("districts.csv"), "id,name_zh,name_en\nweidu,魏都区,Weidu District\nxx,新区,\n");
  ASSERT_TRUE(ImportSurveyFiles({files.File("districts.csv")}, *store_, nullptr).ok());
  // city.csv again, without districts, keeps them.
  ASSERT_TRUE(ImportSurveyFiles({Fixtures() + "/csv/city.csv"}, *store_, nullptr).ok());
  auto data = store_->LoadRegistry();
  ASSERT_TRUE(data.ok());
  ASSERT_TRUE(data->city.has_value());
  EXPECT_EQ(data->city->id, "xuchang");
  ASSERT_EQ(data->city->districts.size(), 2u);
  EXPECT_EQ(data->city->districts[0].name.en, "Weidu District");
}

TEST(SurveyRead, DistrictsWithoutAnyCityAreAnError) {
  testing::TempDir files;
  Spit(files.File("districts.csv"), "id,name_zh\nweidu,魏都区\n");
  std::vector<SurveyProblem> problems;
  EXPECT_FALSE(ReadSurveyFiles({files.File("districts.csv")}, &problems).ok());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].line, 2);
  EXPECT_THAT(problems[0].message, HasSubstr("districts need a city"));
}

TEST_F(StoreTest, RevokedSourceStaysRevokedOnReimport) {
  ASSERT_TRUE(ImportSurveyFiles({Fixtures() + "/csv"}, *store_, nullptr).ok());
  Timestamp when = FromUnixMillis(1'700'000'000'000);
  ASSERT_TRUE(store_->RevokeSource(model::SourceId("gate-f1"), when).ok());
  ASSERT_TRUE(ImportSurveyFiles({Fixtures() + "/csv"}, *store_, nullptr).ok());
  auto sources = store_->LoadSources();
  ASSERT_TRUE(sources.ok());
  ASSERT_EQ(sources->size(), 2u);
  for (const auto& s : *sources) {
    if (s.source.id.str() == "gate-f1") {
      EXPECT_EQ(s.source.revoked_at, when);
    }
  }
}

// ---- writers ----------------------------------------------------------------------------------

model::RegistryData RichRegistry() {
  model::RegistryData d;
  model::City city;
  city.id = "xuchang";
  city.name = {"许昌", "Xuchang"};
  city.bbox = {33.9, 113.7, 34.2, 114.0};
  city.districts = {{"weidu", {"魏都区", "Weidu"}, {{34.0, 113.8}, {34.05, 113.8}, {34.0, 113.86}}},
                    {"jianan", {"建安区", ""}, {}}};
  city.is_demo = true;
  d.city = city;

  model::Facility f;
  f.id = FacilityId("F1");
  f.name = {"北门停车场, \"B1\"", "North Gate; \"Car Park\", B1"};
  f.kind = model::FacilityKind::kUnderground;
  f.location = {34.0312, 113.8523};
  f.outline = {{34.031, 113.852}, {34.0315, 113.852}, {34.0315, 113.853}, {34.031, 113.852}};
  f.entrances = {{"e1", {34.0311, 113.8521}, model::EntranceKind::kVehicle},
                 {"north", {34.0314, 113.8522}, model::EntranceKind::kPedestrian}};
  f.capacity.total = 600;
  f.capacity.by_category = {{model::SpaceCategory::kEv, 40}, {model::SpaceCategory::kDisabled, 12}};
  f.operator_name = "许昌城投";
  f.opening_hours = "Mo-Fr 07:00-22:00; Sa,Su 09:00-18:00";
  model::Tariff t;
  t.free_minutes = 15;
  t.bands = {{480, 1200, 650}, {1200, 480, 5}};
  t.daily_cap_fen = 4000;
  f.tariff = t;
  f.fee = true;
  f.max_height_m = 2.2;
  f.district = "weidu";
  f.access = model::Access::kCustomers;
  f.osm_ref = "w123";
  d.facilities.push_back(f);
  model::Facility z;
  z.id = FacilityId("Z1");
  z.name.en = "Zone 1";
  z.kind = model::FacilityKind::kOnStreet;
  z.location = {34.029, 113.84};
  z.tariff = model::Tariff{};
  d.facilities.push_back(z);

  model::Bay b;
  b.id = model::BayId("Z1-1");
  b.facility = FacilityId("Z1");
  b.category = model::SpaceCategory::kDisabled;
  b.location = {34.02901, 113.84001};
  b.time_limit_minutes = 120;
  b.sensor_id = "S-1";
  d.bays.push_back(b);
  model::Bay b2 = b;
  b2.id = model::BayId("Z1-2");
  b2.category.reset();
  b2.time_limit_minutes.reset();
  b2.sensor_id.clear();
  d.bays.push_back(b2);

  model::Charger c;
  c.id = model::ChargerId("C1");
  c.site = "F1-EV";
  c.facility = FacilityId("F1");
  c.name = {"北门 1 号桩", "North Gate 1"};
  c.location = {34.0311, 113.8522};
  c.connectors = {{1, model::ConnectorType::kGbtDc, 120}, {3, model::ConnectorType::kGbtAc, 7.4}};
  c.operator_name = "国网";
  c.district = "weidu";
  c.lifecycle = model::Lifecycle::kRetired;
  c.planned_date = "2020-01-01";
  c.construction_date = "2020-03-01";
  c.in_service_date = "2020-06-01";
  c.retired_date = "2026-01-01";
  d.chargers.push_back(c);
  model::Charger planned;
  planned.id = model::ChargerId("C2");
  planned.location = {34.04, 113.87};
  planned.connectors = {{1, model::ConnectorType::kChademo, 0}};
  planned.lifecycle = model::Lifecycle::kPlanned;
  planned.access = model::Access::kPrivate;
  d.chargers.push_back(planned);

  model::Sign s;
  s.id = model::SignId("S1");
  s.name = {"许继大道", "Xuji Ave"};
  s.location = {34.033, 113.85};
  s.level = model::SignLevel::kArea;
  s.lines = {{{FacilityId("F1"), FacilityId("Z1")}, model::Arrow::kLeft, {"东区", "East"}},
             {{FacilityId("Z1")}, model::Arrow::kNone, {"", "Zone"}},
             {{FacilityId("F1")}, model::Arrow::kUTurn, {}}};
  s.digits = 4;
  s.bilingual = false;
  s.controller_id = "VMS-01";
  d.signs.push_back(s);

  model::Source all;
  all.id = model::SourceId("ops");
  all.kind = model::SourceKind::kManual;
  all.scope.all = true;
  all.expected_interval = std::chrono::seconds(900);
  all.description = "交通指挥中心, manual";
  d.sources.push_back(all);
  model::Source some;
  some.id = model::SourceId("gw");
  some.kind = model::SourceKind::kSensorGateway;
  some.scope.facilities = {FacilityId("Z1")};
  some.scope.operators = {"许昌停车"};
  d.sources.push_back(some);
  return d;
}

void ExpectSameRegistry(const model::RegistryData& a, const model::RegistryData& b) {
  EXPECT_EQ(a.city, b.city);
  EXPECT_EQ(a.facilities, b.facilities);
  EXPECT_EQ(a.bays, b.bays);
  EXPECT_EQ(a.chargers, b.chargers);
  EXPECT_EQ(a.signs, b.signs);
  EXPECT_EQ(a.sources, b.sources);
}

TEST(SurveyWrite, CsvWriteThenReadGivesEqualValues) {
  model::RegistryData data = RichRegistry();
  testing::TempDir dir;
  ASSERT_TRUE(WriteSurveyCsv(data, dir.File("survey")).ok());
  for (const char* name : {"city.csv", "districts.csv", "facilities.csv", "bays.csv",
                           "chargers.csv", "signs.csv", "sources.csv"}) {
    std::string text = Slurp(dir.File("survey/") + name);
    EXPECT_TRUE(text.starts_with("\xEF\xBB\xBF")) << name;  // for Excel
  }
  std::vector<SurveyProblem> problems;
  auto back = ReadSurveyFiles({dir.File("survey")}, &problems);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_THAT(Strings(problems), IsEmpty());
  ExpectSameRegistry(*back, data);
}

TEST(SurveyWrite, GeoJsonWriteThenReadGivesEqualValues) {
  model::RegistryData data = RichRegistry();
  testing::TempDir dir;
  ASSERT_TRUE(WriteSurveyGeoJson(data, dir.File("city.geojson")).ok());
  std::vector<SurveyProblem> problems;
  auto back = ReadSurveyFiles({dir.File("city.geojson")}, &problems);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_THAT(Strings(problems), IsEmpty());
  ExpectSameRegistry(*back, data);
}

TEST(SurveyWrite, OnlyKindsWithEntriesGetAFile) {
  model::RegistryData data;
  data.facilities = RichRegistry().facilities;
  testing::TempDir dir;
  ASSERT_TRUE(WriteSurveyCsv(data, dir.path().string()).ok());
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    names.push_back(e.path().filename().string());
  }
  EXPECT_THAT(names, ElementsAre("facilities.csv"));
}

TEST(SurveyWrite, ValueWithoutACellFormIsRefusedBeforeAnyFileIsWritten) {
  model::RegistryData data = RichRegistry();
  data.signs[0].lines[0].label.zh = "东区;西区";
  testing::TempDir dir;
  Status s = WriteSurveyCsv(data, dir.path().string());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.field(), "lines");
  EXPECT_THAT(s.message(), HasSubstr("sign 'S1'"));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

// The examples of docs/formats/survey.md: each ```csv block is written under the name of the
// "### NAME.csv" heading above it, the ```json block as a GeoJSON file; all must read cleanly.
TEST(SurveyDocs, ExamplesInTheFormatDocumentRead) {
  std::istringstream doc(Slurp(std::string(PG_SOURCE_DIR) + "/docs/formats/survey.md"));
  testing::TempDir csv_dir, json_dir;
  std::string line, heading, block, fence;
  int csv_blocks = 0, json_blocks = 0;
  while (std::getline(doc, line)) {
    if (!fence.empty()) {
      if (line == "```") {
        if (fence == "csv") {
          ASSERT_TRUE(heading.ends_with(".csv")) << "a csv example under '" << heading << "'";
          Spit(csv_dir.File(heading), block);
          ++csv_blocks;
        } else if (fence == "json") {
          Spit(json_dir.File("example.geojson"), block);
          ++json_blocks;
        }
        fence.clear();
        block.clear();
      } else {
        block += line + "\n";
      }
    } else if (line.starts_with("### ")) {
      heading = line.substr(4);
    } else if (line.starts_with("```")) {
      fence = line.size() > 3 ? line.substr(3) : "text";
    }
  }
  EXPECT_EQ(csv_blocks, 7);
  EXPECT_EQ(json_blocks, 1);
  for (const auto& dir : {csv_dir.path().string(), json_dir.path().string()}) {
    std::vector<SurveyProblem> problems;
    auto data = ReadSurveyFiles({dir}, &problems);
    EXPECT_TRUE(data.ok()) << data.status().ToString();
    EXPECT_THAT(Strings(problems), IsEmpty());
  }
}

TEST(SurveyProblemText, NamesFileLineOrFeatureAndField) {
  SurveyProblem csv{SurveyProblem::Severity::kError, "facilities.csv", 14, -1, "capacity",
                    "'abc' is not a whole number"};
  EXPECT_EQ(csv.ToString(), "facilities.csv:14: capacity: 'abc' is not a whole number");
  SurveyProblem geo{SurveyProblem::Severity::kError,
                    "city.geojson",
                    0,
                    3,
                    "capacity.total",
                    "must be an integer"};
  EXPECT_EQ(geo.ToString(), "city.geojson:features[3]: capacity.total: must be an integer");
  SurveyProblem file{SurveyProblem::Severity::kWarning, "x.csv", 0, -1, "", "empty"};
  EXPECT_EQ(file.ToString(), "x.csv: warning: empty");
}

}  // namespace
}  // namespace pg::registry

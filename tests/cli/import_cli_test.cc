// The import commands as an operator runs them: exit codes, messages naming file and problem,
// and the real OSM extract's facility count against osmium-tool's selection.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "store/store.h"
#include "tests/support/osmium_tool.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace pg {
namespace {

using testing::ParkguideBinary;
using testing::RunProgram;

std::string Fixture(const std::string& rel) {
  return std::string(PG_SOURCE_DIR) + "/tests/fixtures/" + rel;
}

TEST(ImportOsmCli, RealExtractMatchesOsmiumToolsCount) {
  std::string data = testing::SharedDataDir();
  if (data.empty()) GTEST_SKIP() << "../shared/data is absent: the real OSM extracts are not here";
  if (!testing::OsmiumToolAvailable()) GTEST_SKIP() << "osmium-tool is not installed";
  // The city each extract is of, as the world knows it: the import must find the name and the
  // time zone in the file (they are not Asia/Shanghai).
  struct Extract {
    const char* rel;
    const char* city;
    const char* time_zone;
  };
  for (const Extract& e :
       {Extract{"osm-monaco/monaco-2025-02-11.osm.pbf", "Monaco", "Europe/Monaco"},
        Extract{"osm-liechtenstein/liechtenstein-2024-03-04.osm.pbf", "Liechtenstein",
                "Europe/Vaduz"}}) {
    const char* rel = e.rel;
    std::string pbf = data + "/" + rel;
    auto opl = testing::RunCommand("osmium tags-filter -R -f opl -o - " + testing::ShellQuote(pbf) +
                                   " nwr/amenity=parking");
    ASSERT_TRUE(opl.has_value());
    size_t expected = testing::ParseOpl(*opl).size();
    ASSERT_GT(expected, 0u);

    testing::TempDir dir;
    auto r = RunProgram({ParkguideBinary(), "import-osm", pbf, "--db", dir.File("city.db")},
                        dir.File("out.log"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto store = *store::OpenSqliteStore(dir.File("city.db"));
    auto registry = *store->LoadRegistry();
    EXPECT_EQ(registry.facilities.size(), expected) << rel;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(r.output, m, std::regex(R"(facilities\s+(\d+))"))) << r.output;
    EXPECT_EQ(std::stoul(m[1]), expected) << "the printed summary";
    ASSERT_TRUE(registry.city.has_value()) << r.output;
    EXPECT_EQ(registry.city->name.en, e.city) << r.output;
    EXPECT_EQ(registry.city->time_zone, e.time_zone) << r.output;
    EXPECT_NE(r.output.find(std::string("time zone         ") + e.time_zone), std::string::npos)
        << r.output;
  }
}

// A file that does not say where it is: the import refuses rather than guess a time zone, and
// says which flags to give; given, they are the city's; `parkguide city` shows and changes them,
// and the change is in the audit log.
TEST(ImportOsmCli, ANewCityWhoseFileDoesNotPlaceItNeedsANameAndATimeZone) {
  testing::TempDir dir;
  const std::string db = dir.File("town.db");
  auto refused =
      RunProgram({ParkguideBinary(), "import-osm", Fixture("osm/parking_town.osm"), "--db", db},
                 dir.File("a.log"));
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("--city-name"), std::string::npos) << refused.output;
  EXPECT_FALSE(std::filesystem::exists(db)) << "a refused import leaves no city behind";

  auto zoneless = RunProgram({ParkguideBinary(), "import-osm", Fixture("osm/parking_town.osm"),
                              "--db", db, "--city-name", "许昌市|Xuchang"},
                             dir.File("b.log"));
  EXPECT_EQ(zoneless.exit_code, 1) << zoneless.output;
  EXPECT_NE(zoneless.output.find("--time-zone"), std::string::npos) << zoneless.output;

  auto given = RunProgram({ParkguideBinary(), "import-osm", Fixture("osm/parking_town.osm"), "--db",
                           db, "--city-name", "许昌市|Xuchang", "--time-zone", "Asia/Shanghai"},
                          dir.File("c.log"));
  ASSERT_EQ(given.exit_code, 0) << given.output;
  auto shown = RunProgram({ParkguideBinary(), "city", "--db", db}, dir.File("d.log"));
  ASSERT_EQ(shown.exit_code, 0) << shown.output;
  EXPECT_NE(shown.output.find("Xuchang"), std::string::npos) << shown.output;
  EXPECT_NE(shown.output.find("Asia/Shanghai"), std::string::npos) << shown.output;

  // A second import of the same city keeps what it has.
  auto again =
      RunProgram({ParkguideBinary(), "import-osm", Fixture("osm/parking_town.osm"), "--db", db},
                 dir.File("e.log"));
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("kept from the database"), std::string::npos) << again.output;

  auto bad_zone = RunProgram({ParkguideBinary(), "city", "--db", db, "--time-zone", "Asia/Xu"},
                             dir.File("f.log"));
  EXPECT_EQ(bad_zone.exit_code, 1) << bad_zone.output;
  EXPECT_NE(bad_zone.output.find("time_zone"), std::string::npos) << bad_zone.output;

  auto moved = RunProgram({ParkguideBinary(), "city", "--db", db, "--time-zone", "Asia/Urumqi"},
                          dir.File("g.log"));
  ASSERT_EQ(moved.exit_code, 0) << moved.output;
  EXPECT_NE(moved.output.find("time zone changed from Asia/Shanghai to Asia/Urumqi"),
            std::string::npos)
      << moved.output;
  auto store = *store::OpenSqliteStore(db);
  EXPECT_EQ(store->LoadRegistry()->city->time_zone, "Asia/Urumqi");
  auto audit = RunProgram({ParkguideBinary(), "audit", "--db", db, "--json"}, dir.File("h.log"));
  ASSERT_EQ(audit.exit_code, 0) << audit.output;
  EXPECT_NE(audit.output.find("city set"), std::string::npos) << audit.output;
  EXPECT_NE(audit.output.find("Asia/Urumqi"), std::string::npos) << audit.output;
}

TEST(ImportOsmCli, MissingTruncatedAndNonOsmFilesFailNamingTheFile) {
  testing::TempDir dir;
  std::string db = dir.File("city.db");
  auto missing = RunProgram({ParkguideBinary(), "import-osm", dir.File("nope.osm.pbf"), "--db", db},
                            dir.File("a.log"));
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.output.find("nope.osm.pbf"), std::string::npos) << missing.output;

  std::string text = dir.File("notes.osm.pbf");
  std::ofstream(text) << "these are my notes, not a map\n";
  auto not_osm = RunProgram({ParkguideBinary(), "import-osm", text, "--db", db}, dir.File("b.log"));
  EXPECT_NE(not_osm.exit_code, 0);
  EXPECT_NE(not_osm.output.find("notes.osm.pbf"), std::string::npos) << not_osm.output;

  // A real XML file cut in half.
  std::ifstream in(Fixture("osm/parking_town.osm"));
  std::string xml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string cut = dir.File("cut.osm");
  std::ofstream(cut) << xml.substr(0, xml.size() / 2);
  auto truncated =
      RunProgram({ParkguideBinary(), "import-osm", cut, "--db", db}, dir.File("c.log"));
  EXPECT_NE(truncated.exit_code, 0);
  EXPECT_NE(truncated.output.find("cut.osm"), std::string::npos) << truncated.output;
  // None of them left a city behind: the database did not exist before.
  for (const char* made : {"city.db", "city.db-wal", "city.db-shm", "city.graph"}) {
    EXPECT_FALSE(std::filesystem::exists(dir.File(made))) << made << " left behind";
  }
}

// generate-city as the cost-curve script runs it: a bad street pattern or shape point count is
// refused naming its option; a compound city with shape points goes in through import-osm like
// any city, its roads one connected network.
TEST(GenerateCityCli, BadOptionsAreNamedAndACompoundCityImportsWhole) {
  testing::TempDir dir;
  auto generate = [&](std::vector<std::string> options, const std::string& log) {
    std::vector<std::string> argv = {
        ParkguideBinary(), "generate-city", "--facilities", "60",
        "--road-nodes",    "6000",          "--out",        dir.File("city")};
    argv.insert(argv.end(), options.begin(), options.end());
    return RunProgram(argv, dir.File(log));
  };
  const auto spiral = generate({"--streets", "spiral"}, "a.log");
  EXPECT_NE(spiral.exit_code, 0);
  EXPECT_NE(spiral.output.find("--streets"), std::string::npos) << spiral.output;
  const auto bent = generate({"--shape-points", "9"}, "b.log");
  EXPECT_NE(bent.exit_code, 0);
  EXPECT_NE(bent.output.find("--shape-points"), std::string::npos) << bent.output;
  EXPECT_FALSE(std::filesystem::exists(dir.File("city"))) << "nothing written for a bad size";

  const auto made = generate({"--streets", "compounds", "--shape-points", "1"}, "c.log");
  ASSERT_EQ(made.exit_code, 0) << made.output;
  const auto imported =
      RunProgram({ParkguideBinary(), "import-osm", dir.File("city/gencity.osm.pbf"), "--db",
                  dir.File("city.db"), "--quiet", "--city-name", "生成城|Generated city",
                  "--time-zone", "Asia/Shanghai"},
                 dir.File("d.log"));
  ASSERT_EQ(imported.exit_code, 0) << imported.output;
  EXPECT_NE(imported.output.find("car graph"), std::string::npos) << imported.output;
  EXPECT_FALSE(std::regex_search(imported.output, std::regex(R"(\+[1-9][0-9]* outside)")))
      << "a road cut off from the rest:\n"
      << imported.output;
}

TEST(ImportRegistryCli, GoodFilesImportAndABadRowImportsNothing) {
  testing::TempDir dir;
  std::string db = dir.File("city.db");
  auto good = RunProgram({ParkguideBinary(), "import-registry", Fixture("survey/csv"), "--db", db},
                         dir.File("a.log"));
  ASSERT_EQ(good.exit_code, 0) << good.output;
  size_t before = (*store::OpenSqliteStore(db))->LoadRegistry()->facilities.size();
  EXPECT_GT(before, 0u);

  auto bad = RunProgram({ParkguideBinary(), "import-registry",
                         Fixture("survey/bad/facilities_bad_number.csv"), "--db", db},
                        dir.File("b.log"));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_TRUE(std::regex_search(bad.output, std::regex(R"(facilities_bad_number\.csv:\d+: )")))
      << bad.output;
  EXPECT_NE(bad.output.find("nothing was imported"), std::string::npos);
  EXPECT_EQ((*store::OpenSqliteStore(db))->LoadRegistry()->facilities.size(), before);
}

}  // namespace
}  // namespace pg

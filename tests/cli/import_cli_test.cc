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
  for (const char* rel : {"osm-monaco/monaco-2025-02-11.osm.pbf",
                          "osm-liechtenstein/liechtenstein-2024-03-04.osm.pbf"}) {
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
  }
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

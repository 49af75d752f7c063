// Usage errors as the command line's conventions have them: exit code 2, the error named, and a
// suggestion when a subcommand or an option looks like a typo; --help and --version exit 0.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace pg {
namespace {

using testing::ParkguideBinary;
using testing::RunProgram;

class UsageCli : public ::testing::Test {
 protected:
  testing::CommandResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), ParkguideBinary());
    return RunProgram(args, dir_.File("out.log"));
  }
  testing::TempDir dir_;
};

TEST_F(UsageCli, ATypoOfASubcommandExits2AndSuggestsIt) {
  auto serv = Run({"serv"});
  EXPECT_EQ(serv.exit_code, 2) << serv.output;
  EXPECT_NE(serv.output.find("serv"), std::string::npos) << serv.output;
  EXPECT_NE(serv.output.find("did you mean 'parkguide serve'?"), std::string::npos) << serv.output;
  auto nested = Run({"key", "rotat", "--db", dir_.File("city.db"), "--name", "acme"});
  EXPECT_EQ(nested.exit_code, 2) << nested.output;
  EXPECT_NE(nested.output.find("did you mean 'parkguide key rotate'?"), std::string::npos)
      << nested.output;
  auto swapped = Run({"improt-osm", "x.osm.pbf"});
  EXPECT_EQ(swapped.exit_code, 2) << swapped.output;
  EXPECT_NE(swapped.output.find("did you mean 'parkguide import-osm'?"), std::string::npos)
      << swapped.output;
}

TEST_F(UsageCli, NothingCloseOrAmbiguousGetsNoSuggestion) {
  for (const char* word : {"frobnicate", "im"}) {
    auto r = Run({word});
    EXPECT_EQ(r.exit_code, 2) << word << ": " << r.output;
    EXPECT_EQ(r.output.find("did you mean"), std::string::npos) << word << ": " << r.output;
  }
  auto none = Run({});
  EXPECT_EQ(none.exit_code, 2) << none.output;
  EXPECT_NE(none.output.find("subcommand"), std::string::npos) << none.output;
}

TEST_F(UsageCli, ATypoOfAnOptionExits2AndSuggestsIt) {
  const std::string db = dir_.File("city.db");
  std::ofstream(db) << "";  // serve's --db must exist before the options are looked at further
  auto r = Run({"serve", "--db", db, "--prot", "8080"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--prot"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("did you mean '--port'?"), std::string::npos) << r.output;
  EXPECT_EQ(std::filesystem::file_size(db), 0u) << "nothing written on a usage error";
}

TEST_F(UsageCli, ServeWithoutACityDatabaseSaysHowToMakeOneAndMakesNothing) {
  const std::string db = dir_.File("missing.db");
  auto r = Run({"serve", "--db", db, "--port", "0"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("no city database at " + db), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("import-osm"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(db)) << "an empty database left behind";
}

TEST_F(UsageCli, HelpAndVersionExit0) {
  EXPECT_EQ(Run({"--help"}).exit_code, 0);
  EXPECT_EQ(Run({"serve", "--help"}).exit_code, 0);
  auto version = Run({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.output.find("parkguide"), std::string::npos) << version.output;
}

}  // namespace
}  // namespace pg

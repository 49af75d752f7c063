// A city whose store is a PostgreSQL server (--store), through the real binary: imported,
// keyed and served as a SQLite city is, with the same answers; the server killed and restarted
// keeps every acknowledged observation; a key added on the command line works on the running
// server within seconds.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "api/http/client.h"
#include "core/clock.h"
#include "core/time.h"
#include "tests/support/cli_city.h"
#include "tests/support/postgres_server.h"

namespace pg {
namespace {

using testing::ParkguideBinary;
using testing::RunProgram;
using testing::Server;

class PostgresCity : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::SharedPostgresServer() == nullptr) {
      GTEST_SKIP() << "no PostgreSQL: " << testing::PostgresUnavailableReason();
    }
    store_ = testing::SharedPostgresServer()->FreshSchemaUri();
    db_ = dir_.File("node1/city.db");  // this node's files; the city is in PostgreSQL
    std::filesystem::create_directories(dir_.File("node1"));
  }
  testing::CommandResult Parkguide(std::vector<std::string> args, const std::string& log) {
    args.insert(args.begin(), ParkguideBinary());
    args.insert(args.end(), {"--db", db_, "--store", store_});
    return RunProgram(args, dir_.File(log));
  }
  Server Serve(const std::string& log) {
    return testing::StartServe(dir_, db_, log, {"--store", store_});
  }

  testing::TempDir dir_;
  std::string store_;
  std::string db_;
};

int PostObservation(uint16_t port, const std::string& key, int occupied, int seq) {
  const std::string body = fmt::format(
      R"({{"observations":[{{"type":"facility_count","facility":"G1","time":"{}",)"
      R"("occupied":{},"seq":{}}}]}})",
      FormatRfc3339Utc(SystemClock::Instance().Now() - std::chrono::seconds(1)), occupied, seq);
  auto r = api::http::HttpRequest("POST", "127.0.0.1", port, "/api/v1/observations", body,
                                  {{"Authorization", "Bearer " + key}});
  return r.ok() ? r->status : -1;
}

TEST_F(PostgresCity, IsImportedKeyedServedAndKeepsWhatWasAcknowledgedAcrossAKill) {
  auto import = Parkguide({"import-registry", testing::WriteFixtureSurvey(dir_, "city.geojson")},
                          "import.log");
  ASSERT_EQ(import.exit_code, 0) << import.output;
  EXPECT_FALSE(std::filesystem::exists(db_)) << "no SQLite file beside a PostgreSQL store";
  auto add = Parkguide({"source", "add", "--id", "gates", "--kind", "operator_system", "--scope",
                        "all", "--interval", "60"},
                       "source.log");
  ASSERT_EQ(add.exit_code, 0) << add.output;
  const std::string key = testing::LastLine(add.output);

  Server first = Serve("serve1.log");
  ASSERT_NE(first.port, 0);
  auto facility = api::http::HttpGet("127.0.0.1", first.port, "/api/v1/facilities/G1");
  ASSERT_TRUE(facility.ok());
  EXPECT_EQ(nlohmann::json::parse(facility->body)["capacity"]["total"], 800) << facility->body;
  for (int seq = 1; seq <= 20; ++seq)
    ASSERT_EQ(PostObservation(first.port, key, 100 + seq, seq), 200);
  EXPECT_EQ(first.program->SignalAndWait(SIGKILL, std::chrono::seconds(10)), 128 + SIGKILL);

  Server again = Serve("serve2.log");
  ASSERT_NE(again.port, 0);
  facility = api::http::HttpGet("127.0.0.1", again.port, "/api/v1/facilities/G1");
  ASSERT_TRUE(facility.ok());
  EXPECT_EQ(nlohmann::json::parse(facility->body)["live"]["occupied"], 120) << facility->body;

  // A key made on the command line while the server runs works within seconds.
  auto centre =
      Parkguide({"key", "add", "--name", "centre", "--role", "traffic_centre"}, "key.log");
  ASSERT_EQ(centre.exit_code, 0) << centre.output;
  const std::string centre_key = testing::LastLine(centre.output);
  int status = 0;
  for (int i = 0; i < 100 && status != 200; ++i) {
    auto session = api::http::HttpGet("127.0.0.1", again.port, "/api/v1/session",
                                      {{"Authorization", "Bearer " + centre_key}});
    status = session.ok() ? session->status : -1;
    if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(status, 200) << again.program->Log();
  EXPECT_EQ(again.program->SignalAndWait(SIGTERM, std::chrono::seconds(15)), 0);
}

// Two nodes on one store and no bus would hold two live states and both publish the signs: the
// second is refused, saying why.
TEST_F(PostgresCity, ASecondNodeWithoutABusIsRefused) {
  auto import = Parkguide({"import-registry", testing::WriteFixtureSurvey(dir_, "city.geojson")},
                          "import.log");
  ASSERT_EQ(import.exit_code, 0) << import.output;
  Server first = Serve("serve1.log");
  ASSERT_NE(first.port, 0);
  std::filesystem::create_directories(dir_.File("node2"));
  auto second = RunProgram({ParkguideBinary(), "serve", "--db", dir_.File("node2/city.db"),
                            "--store", store_, "--port", "0"},
                           dir_.File("serve2.log"));
  EXPECT_EQ(second.exit_code, 1) << second.output;
  EXPECT_NE(second.output.find("another node serves this city from the same store without a bus"),
            std::string::npos)
      << second.output;
  EXPECT_EQ(first.program->SignalAndWait(SIGTERM, std::chrono::seconds(15)), 0);
}

TEST_F(PostgresCity, AStoreUriThatIsNoPostgresUriIsAUsageError) {
  auto r = RunProgram({ParkguideBinary(), "serve", "--db", db_, "--store", "mysql://x/y"},
                      dir_.File("bad.log"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--store: not a postgres:// or postgresql:// URI"), std::string::npos)
      << r.output;
}

}  // namespace
}  // namespace pg

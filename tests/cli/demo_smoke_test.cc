// The demo as `make demo` runs it: it starts, serves at least 30 facilities with live counts,
// the counts move within a minute, its guidance signs follow the feed with their controllers
// online, and Ctrl-C stops it cleanly.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "api/http/client.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace pg {
namespace {

// Every facility's `live` object by id.
std::map<std::string, nlohmann::json> LiveObjects(uint16_t port) {
  auto r = api::http::HttpGet("127.0.0.1", port, "/api/v1/facilities?limit=1000");
  std::map<std::string, nlohmann::json> out;
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return out;
  EXPECT_EQ(r->status, 200) << r->body;
  if (r->status != 200) return out;
  auto body = nlohmann::json::parse(r->body);
  EXPECT_GE(body["items"].size(), 1u) << r->body.substr(0, 300);
  for (const auto& f : body["items"]) out[f["id"].get<std::string>()] = f["live"];
  return out;
}

TEST(DemoSmoke, ServesTheDemoCityWithMovingCountsAndStopsOnCtrlC) {
  testing::TempDir dir;
  testing::BackgroundProgram demo({testing::ParkguideBinary(), "demo", "--db", dir.File("demo.db"),
                                   "--port", "0", "--history-days", "2"},
                                  dir.File("demo.log"));
  ASSERT_TRUE(demo.WaitForLog("serving", std::chrono::seconds(120))) << demo.Log();
  std::smatch m;
  std::string log = demo.Log();
  ASSERT_TRUE(std::regex_search(log, m, std::regex(R"(serving \S+ on http://[^:]+:(\d+)/)")));
  auto port = static_cast<uint16_t>(std::stoi(m[1]));

  auto first = LiveObjects(port);
  ASSERT_GE(first.size(), 30u);
  // Known: a live count, or closed by its opening hours (at night in Xuchang most car parks are:
  // whatever the hour the test runs at, the demo's state must be known for most facilities).
  int known = 0, counted = 0;
  for (const auto& [id, live] : first) {
    counted += live["free"].is_number();
    known += live["free"].is_number() || live["state"] == "closed";
  }
  EXPECT_GE(known, 20) << "most facilities have a live count or are closed";
  EXPECT_GE(counted, 5) << "the facilities open at every hour have live counts";

  bool moved = false;
  for (int i = 0; i < 60 && !moved; ++i) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    for (const auto& [id, live] : LiveObjects(port)) {
      const nlohmann::json& free = live["free"];
      if (first.contains(id) && free != first[id]["free"] && free.is_number()) moved = true;
    }
  }
  EXPECT_TRUE(moved) << "some free count changes within a minute";

  // The signs: every one has a content, acknowledged by its (simulated) controller, and the
  // feed changes some of them.
  auto sign_seqs = [&] {
    std::map<std::string, int64_t> seqs;
    auto r = api::http::HttpGet("127.0.0.1", port, "/api/v1/signs?limit=100");
    EXPECT_TRUE(r.ok() && r->status == 200);
    if (!r.ok() || r->status != 200) return seqs;
    auto body = nlohmann::json::parse(r->body);
    for (const auto& sign : body["items"]) {
      seqs[sign["id"].get<std::string>()] = sign["content"]["seq"].get<int64_t>();
      EXPECT_EQ(sign["health"]["status"], "online") << sign.dump();
    }
    return seqs;
  };
  auto signs_before = sign_seqs();
  EXPECT_EQ(signs_before.size(), 12u);
  for (const auto& [id, seq] : signs_before) EXPECT_GE(seq, 1) << id;
  bool sign_changed = false;
  for (int i = 0; i < 60 && !sign_changed; ++i) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    for (const auto& [id, seq] : sign_seqs()) sign_changed |= seq > signs_before[id];
  }
  EXPECT_TRUE(sign_changed) << "some sign shows a new content within a minute";
  // The demo city has its road graph: routes by car and on foot across the old town.
  for (const char* mode : {"car", "foot"}) {
    auto route = api::http::HttpGet(
        "127.0.0.1", port,
        std::string("/api/v1/route?from=34.0205,113.84&to=34.04,113.86&mode=") + mode);
    ASSERT_TRUE(route.ok()) << route.status().ToString();
    EXPECT_EQ(route->status, 200) << route->body;
    EXPECT_GT(nlohmann::json::parse(route->body)["distance_m"].get<double>(), 2000) << mode;
  }
  // /metrics: every facility counted once across the states, and the demo's feed counted as
  // accepted observations of its sources.
  auto metrics = api::http::HttpGet("127.0.0.1", port, "/metrics");
  ASSERT_TRUE(metrics.ok()) << metrics.status().ToString();
  EXPECT_EQ(metrics->status, 200);
  int facilities_by_state = 0;
  double accepted = 0;
  std::istringstream lines(metrics->body);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("parkguide_facilities{", 0) == 0) {
      facilities_by_state += std::stoi(line.substr(line.rfind(' ') + 1));
    }
    if (line.rfind("parkguide_source_observations_total{", 0) == 0 &&
        line.find("outcome=\"accepted\"") != std::string::npos) {
      accepted += std::stod(line.substr(line.rfind(' ') + 1));
    }
  }
  auto listed = api::http::HttpGet("127.0.0.1", port, "/api/v1/facilities?limit=1000");
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(facilities_by_state,
            static_cast<int>(nlohmann::json::parse(listed->body)["items"].size()))
      << metrics->body;
  EXPECT_GT(accepted, 0) << metrics->body;

  // The operator key of the run: in a file only its owner can read, never in the log; it opens
  // the operator's views (the rejected input).
  const std::string key_file = dir.File("demo.db") + ".operator-key";
  struct stat st {};
  ASSERT_EQ(::stat(key_file.c_str(), &st), 0) << demo.Log();
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  std::string key = testing::ReadFile(key_file);
  while (!key.empty() && key.back() == '\n') key.pop_back();
  EXPECT_EQ(key.size(), 64u);
  EXPECT_EQ(demo.Log().find(key), std::string::npos) << "the key is not logged";
  EXPECT_NE(demo.Log().find(key_file), std::string::npos) << "the log names the file";
  auto errors = api::http::HttpRequest("GET", "127.0.0.1", port, "/api/v1/ingest/errors", "",
                                       {{"Authorization", "Bearer " + key}});
  ASSERT_TRUE(errors.ok());
  EXPECT_EQ(errors->status, 200) << errors->body;
  auto anonymous = api::http::HttpGet("127.0.0.1", port, "/api/v1/ingest/errors");
  ASSERT_TRUE(anonymous.ok());
  EXPECT_EQ(anonymous->status, 401) << anonymous->body;

  EXPECT_EQ(demo.SignalAndWait(SIGINT, std::chrono::seconds(15)), 0) << demo.Log();
  EXPECT_NE(demo.Log().find("stopped"), std::string::npos);
}

}  // namespace
}  // namespace pg

#include "signs/controller_messages.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "signs/sign_service.h"

namespace pg::signs {
namespace {

TEST(ParseSignAck, ReadsTheSeqAndTheControllerWhenNamed) {
  auto ack = ParseSignAck(R"({"seq": 17, "controller": "C1", "shown_at": "x"})");
  ASSERT_TRUE(ack.ok()) << ack.status().ToString();
  EXPECT_EQ(ack->seq, 17);
  EXPECT_EQ(ack->controller, "C1");
  ack = ParseSignAck(R"({"seq": 3, "controller": 5})");
  ASSERT_TRUE(ack.ok());
  EXPECT_FALSE(ack->controller.has_value());
}

TEST(ParseSignAck, RefusesAnythingWithoutAnIntegerSeqNamingSeq) {
  for (const char* bad : {"", "[]", "17", R"({"seq": "17"})", R"({"seq": 1.5})", "{\"seq\": 1",
                          R"({"controller": "C1"})"}) {
    auto ack = ParseSignAck(bad);
    ASSERT_FALSE(ack.ok()) << bad;
    EXPECT_EQ(ack.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(ack.status().field(), "seq");
  }
}

TEST(ParseControllerHeartbeat, KeepsTheFaultsAndRefusesAnItemThatIsNotAText) {
  auto hb = ParseControllerHeartbeat(R"({"faults": ["led module 3", "door open"], "t": 1})");
  ASSERT_TRUE(hb.ok()) << hb.status().ToString();
  EXPECT_EQ(hb->faults, (std::vector<std::string>{"led module 3", "door open"}));
  hb = ParseControllerHeartbeat(R"({"faults": ["led module 3", 7]})");
  ASSERT_FALSE(hb.ok());
  EXPECT_EQ(hb.status().field(), "faults[1]");
}

TEST(ParseSignAck, RefusesASeqBelowOne) {
  for (const char* bad : {R"({"seq": 0})", R"({"seq": -3})"}) {
    auto ack = ParseSignAck(bad);
    ASSERT_FALSE(ack.ok()) << bad;
    EXPECT_EQ(ack.status().field(), "seq");
  }
}

TEST(ParseControllerHeartbeat, AnEmptyBodyIsAHeartbeatWithoutFaults) {
  auto hb = ParseControllerHeartbeat("");
  ASSERT_TRUE(hb.ok());
  EXPECT_TRUE(hb->faults.empty());
}

TEST(ParseControllerHeartbeat, NamesTheBodyOrTheFaultsWhenMalformed) {
  auto hb = ParseControllerHeartbeat("[1]");
  ASSERT_FALSE(hb.ok());
  EXPECT_EQ(hb.status().field(), "body");
  hb = ParseControllerHeartbeat("{\"faults\":");
  ASSERT_FALSE(hb.ok());
  EXPECT_EQ(hb.status().field(), "body");
  hb = ParseControllerHeartbeat(R"({"faults": "door open"})");
  ASSERT_FALSE(hb.ok());
  EXPECT_EQ(hb.status().field(), "faults");
}

// Over MQTT a heartbeat beyond the bounds cannot be refused: its faults are kept cut, so the sign
// still shows as faulty rather than as if the controller reported nothing.
TEST(FaultsKeptCut, KeepsTheFirstFaultsCutAndCleaned) {
  nlohmann::json body = {{"faults", nlohmann::json::array()}};
  body["faults"].push_back(std::string(10'000, 'x'));
  body["faults"].push_back(7);
  body["faults"].push_back("door\nopen");
  for (int i = 0; i < 100; ++i) body["faults"].push_back("LED " + std::to_string(i));
  ASSERT_FALSE(ParseControllerHeartbeat(body.dump()).ok());
  auto kept = FaultsKeptCut(body.dump());
  ASSERT_EQ(kept.size(), kMaxControllerFaults);
  EXPECT_TRUE(CheckControllerFaults(kept).ok());
  EXPECT_EQ(kept[1], "door\xEF\xBF\xBDopen");
  EXPECT_EQ(kept[2], "LED 0");
  EXPECT_TRUE(FaultsKeptCut("[1]").empty());
  EXPECT_TRUE(FaultsKeptCut(R"({"faults": "door open"})").empty());
}

}  // namespace
}  // namespace pg::signs

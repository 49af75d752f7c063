#include "signs/controller_messages.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace pg::signs

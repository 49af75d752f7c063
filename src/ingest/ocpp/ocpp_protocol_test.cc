// The central system's side of OCPP 1.6-J, frame by frame: the framing rules of OCPP-J §4, the
// four actions, and the CALLERROR code of each kind of bad input. The same conversations run
// over WebSocket with a real OCPP client in tests/interchange (ocpp-rpc).
#include "ingest/ocpp/ocpp_protocol.h"

#include <gtest/gtest.h>

namespace pg::ingest::ocpp {
namespace {

using nlohmann::json;

Timestamp T(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

CallError ErrorOfFrame(std::string_view text) {
  auto parsed = ParseFrame(text);
  EXPECT_TRUE(std::holds_alternative<CallError>(parsed)) << text;
  return std::holds_alternative<CallError>(parsed) ? std::get<CallError>(parsed) : CallError{};
}

TEST(OcppFrames, CallsParseAndAnswersAreFramedAsOcppJSays) {
  auto parsed = ParseFrame(R"([2,"19223201","Heartbeat",{}])");
  ASSERT_TRUE(std::holds_alternative<Call>(parsed));
  EXPECT_EQ(std::get<Call>(parsed).unique_id, "19223201");
  EXPECT_EQ(std::get<Call>(parsed).action, "Heartbeat");
  EXPECT_EQ(CallResultFrame("19223201", json::object()), R"([3,"19223201",{}])");
  EXPECT_EQ(CallErrorFrame({"7", ErrorCode::kOccurenceConstraintViolation, "x is required"}),
            R"([4,"7","OccurenceConstraintViolation","x is required",{}])");
  // Answers to calls of ours: parkguide sends none, so they are dropped, never answered.
  EXPECT_TRUE(std::holds_alternative<Ignored>(ParseFrame(R"([3,"1",{}])")));
  EXPECT_TRUE(std::holds_alternative<Ignored>(ParseFrame(R"([4,"1","GenericError","",{}])")));
}

TEST(OcppFrames, MalformedFramesGetTheCodeOcppJGivesThem) {
  EXPECT_EQ(ErrorOfFrame("not json").code, ErrorCode::kFormationViolation);
  EXPECT_EQ(ErrorOfFrame("not json").unique_id, "-1");
  EXPECT_EQ(ErrorOfFrame(R"({"a":1})").code, ErrorCode::kFormationViolation);
  EXPECT_EQ(ErrorOfFrame(R"(["2","1","Heartbeat",{}])").code, ErrorCode::kFormationViolation);
  CallError truncated = ErrorOfFrame(R"([2,"bad-call-1"])");
  EXPECT_EQ(truncated.code, ErrorCode::kProtocolError);
  EXPECT_EQ(truncated.unique_id, "bad-call-1");
  EXPECT_EQ(ErrorOfFrame(R"([2,"x","Heartbeat",[]])").code, ErrorCode::kFormationViolation);
  EXPECT_EQ(ErrorOfFrame(R"([9,"x","Heartbeat",{}])").code, ErrorCode::kProtocolError);
  const std::string long_id(37, 'a');
  CallError too_long = ErrorOfFrame(R"([2,")" + long_id + R"(","Heartbeat",{}])");
  EXPECT_EQ(too_long.code, ErrorCode::kProtocolError);
  EXPECT_EQ(too_long.unique_id, "-1");
}

class OcppSessionTest : public ::testing::Test {
 protected:
  OcppSessionTest() {
    charger_.id = model::ChargerId("C1");
    charger_.connectors = {{1, model::ConnectorType::kGbtDc, 60},
                           {2, model::ConnectorType::kGbtDc, 60}};
  }
  Outcome Handle(const char* action, json payload) {
    return session_.Handle({"m1", action, std::move(payload)});
  }
  CallError ErrorOf(const char* action, json payload) {
    Outcome out = Handle(action, std::move(payload));
    EXPECT_TRUE(std::holds_alternative<CallError>(out)) << action;
    return std::holds_alternative<CallError>(out) ? std::get<CallError>(out) : CallError{};
  }

  model::Charger charger_;
  FakeClock clock_{T("2026-11-30T10:00:00+08:00")};
  ChargePointSession session_{charger_, clock_, {std::chrono::seconds(120), model::SourceId("cp")}};
};

TEST_F(OcppSessionTest, BootIsAcceptedWithTheTimeAndTheHeartbeatInterval) {
  Outcome out =
      Handle("BootNotification", {{"chargePointVendor", "XJ"}, {"chargePointModel", "DC60"}});
  ASSERT_TRUE(std::holds_alternative<Reply>(out));
  EXPECT_EQ(
      std::get<Reply>(out).payload,
      json({{"status", "Accepted"}, {"currentTime", "2026-11-30T02:00:00Z"}, {"interval", 120}}));
  EXPECT_TRUE(session_.booted());
  EXPECT_EQ(ErrorOf("BootNotification", {{"chargePointVendor", "XJ"}}).code,
            ErrorCode::kOccurenceConstraintViolation);
  EXPECT_EQ(ErrorOf("BootNotification", {{"chargePointVendor", 7}, {"chargePointModel", "M"}}).code,
            ErrorCode::kTypeConstraintViolation);
  EXPECT_EQ(ErrorOf("BootNotification",
                    {{"chargePointVendor", std::string(21, 'v')}, {"chargePointModel", "M"}})
                .code,
            ErrorCode::kPropertyConstraintViolation);
}

TEST_F(OcppSessionTest, StatusNotificationBecomesAChargerObservation) {
  Outcome out = Handle("StatusNotification", {{"connectorId", 2},
                                              {"errorCode", "NoError"},
                                              {"status", "Charging"},
                                              {"timestamp", "2026-11-30T01:59:30Z"}});
  ASSERT_TRUE(std::holds_alternative<Observe>(out));
  const Observe& observe = std::get<Observe>(out);
  EXPECT_EQ(observe.payload, json::object());  // {} — never null: strict clients refuse null
  ASSERT_EQ(observe.observations.size(), 1u);
  const model::Observation& o = observe.observations[0];
  EXPECT_EQ(o.type, model::ObservationType::kCharger);
  EXPECT_EQ(o.source, model::SourceId("cp"));
  EXPECT_EQ(o.target, "C1");
  EXPECT_EQ(o.connector, 2);
  EXPECT_EQ(o.charger_status, model::ChargerStatus::kCharging);
  EXPECT_EQ(o.time, T("2026-11-30T01:59:30Z"));
  // Without a timestamp: the time it was received.
  out = Handle("StatusNotification",
               {{"connectorId", 0}, {"errorCode", "GroundFailure"}, {"status", "Faulted"}});
  ASSERT_TRUE(std::holds_alternative<Observe>(out));
  EXPECT_EQ(std::get<Observe>(out).observations[0].time, clock_.Now());
}

TEST_F(OcppSessionTest, BadStatusNotificationsNameTheField) {
  json good{{"connectorId", 1}, {"errorCode", "NoError"}, {"status", "Available"}};
  auto without = [&](const char* field) {
    json p = good;
    p.erase(field);
    return p;
  };
  auto with = [&](const char* field, json v) {
    json p = good;
    p[field] = std::move(v);
    return p;
  };
  EXPECT_EQ(ErrorOf("StatusNotification", without("errorCode")).code,
            ErrorCode::kOccurenceConstraintViolation);
  EXPECT_EQ(ErrorOf("StatusNotification", with("connectorId", "1")).code,
            ErrorCode::kTypeConstraintViolation);
  CallError beyond = ErrorOf("StatusNotification", with("connectorId", 3));
  EXPECT_EQ(beyond.code, ErrorCode::kPropertyConstraintViolation);
  EXPECT_NE(beyond.description.find("connectors 1..2"), std::string::npos) << beyond.description;
  EXPECT_EQ(ErrorOf("StatusNotification", with("status", "available")).code,
            ErrorCode::kPropertyConstraintViolation);
  EXPECT_EQ(ErrorOf("StatusNotification", with("errorCode", "Oops")).code,
            ErrorCode::kPropertyConstraintViolation);
  EXPECT_EQ(ErrorOf("StatusNotification", with("timestamp", "yesterday")).code,
            ErrorCode::kPropertyConstraintViolation);
  EXPECT_EQ(ErrorOf("StatusNotification", with("info", std::string(51, 'i'))).code,
            ErrorCode::kPropertyConstraintViolation);
}

// A connected charger that changes nothing sends only heartbeats: each one re-affirms, at its
// time, what this connection reported, so the charger stays fresh while it is connected.
TEST_F(OcppSessionTest, HeartbeatsReaffirmWhatThisConnectionReported) {
  Outcome first = Handle("Heartbeat", json::object());
  ASSERT_TRUE(std::holds_alternative<Reply>(first));  // nothing reported yet: nothing to affirm
  EXPECT_EQ(std::get<Reply>(first).payload, json({{"currentTime", "2026-11-30T02:00:00Z"}}));
  Handle("StatusNotification",
         {{"connectorId", 1}, {"errorCode", "NoError"}, {"status", "Available"}});
  Handle("StatusNotification",
         {{"connectorId", 1}, {"errorCode", "NoError"}, {"status", "Charging"}});
  clock_.Advance(std::chrono::minutes(2));
  Outcome beat = Handle("Heartbeat", json::object());
  ASSERT_TRUE(std::holds_alternative<Observe>(beat));
  const Observe& observe = std::get<Observe>(beat);
  EXPECT_EQ(observe.payload, json({{"currentTime", "2026-11-30T02:02:00Z"}}));
  ASSERT_EQ(observe.observations.size(), 1u);
  EXPECT_EQ(observe.observations[0].charger_status, model::ChargerStatus::kCharging);
  EXPECT_EQ(observe.observations[0].time, clock_.Now());
}

TEST_F(OcppSessionTest, MeterValuesAreCheckedAndAcknowledged) {
  json sample{
      {"timestamp", "2026-11-30T01:59:00Z"},
      {"sampledValue",
       {{{"value", "12345"}, {"measurand", "Energy.Active.Import.Register"}, {"unit", "Wh"}}}}};
  Outcome out = Handle("MeterValues", {{"connectorId", 1}, {"meterValue", {sample}}});
  ASSERT_TRUE(std::holds_alternative<Reply>(out));
  EXPECT_EQ(std::get<Reply>(out).payload, json::object());
  EXPECT_EQ(ErrorOf("MeterValues", {{"connectorId", 1}}).code,
            ErrorCode::kOccurenceConstraintViolation);
  sample["sampledValue"][0]["value"] = 12345;
  EXPECT_EQ(ErrorOf("MeterValues", {{"connectorId", 1}, {"meterValue", {sample}}}).code,
            ErrorCode::kTypeConstraintViolation);
}

TEST_F(OcppSessionTest, OtherActionsAreNotSupportedOrNotImplemented) {
  EXPECT_EQ(ErrorOf("StartTransaction", json::object()).code, ErrorCode::kNotSupported);
  EXPECT_EQ(ErrorOf("FooBarAction", json::object()).code, ErrorCode::kNotImplemented);
  EXPECT_EQ(ErrorOf("heartbeat", json::object()).code, ErrorCode::kNotImplemented);  // case counts
}

}  // namespace
}  // namespace pg::ingest::ocpp

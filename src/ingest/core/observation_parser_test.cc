#include "ingest/core/observation_parser.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace pg::ingest {
namespace {

ParseOptions Options() {
  ParseOptions o;
  o.source = model::SourceId("gate");
  o.now = *ParseRfc3339("2026-11-28T08:05:00+08:00");
  o.max_items = 5;
  return o;
}

// The example of SPEC §9, verbatim.
constexpr const char* kSpecExample = R"({"observations": [
  {"type": "facility_count", "facility": "F12", "time": "2026-11-28T08:00:00+08:00", "free": 123, "seq": 17},
  {"type": "facility_count", "facility": "F12", "time": "2026-11-28T08:00:00+08:00", "occupied": 40, "class": "ev"},
  {"type": "entry", "facility": "F12", "time": "2026-11-28T08:00:05+08:00"},
  {"type": "exit", "facility": "F12", "time": "2026-11-28T08:00:09+08:00", "count": 2},
  {"type": "bay", "bay": "B7", "time": "2026-11-28T08:01:00+08:00", "occupied": true},
  {"type": "charger", "charger": "C3", "connector": 1, "time": "2026-11-28T08:01:00+08:00", "status": "Charging"},
  {"type": "facility_status", "facility": "F12", "time": "2026-11-28T08:02:00+08:00", "status": "closed"}
]})";

TEST(ObservationParser, ParsesTheSpecExample) {
  auto options = Options();
  options.max_items = 10;
  auto batch = ParseObservations(kSpecExample, options);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  ASSERT_TRUE(batch->errors.empty()) << batch->errors[0].Name() << ": " << batch->errors[0].reason;
  const auto& o = batch->observations;
  ASSERT_EQ(o.size(), 7u);
  EXPECT_EQ(o[0].type, model::ObservationType::kFacilityCount);
  EXPECT_EQ(o[0].target, "F12");
  EXPECT_EQ(o[0].free, 123);
  EXPECT_EQ(o[0].seq, 17);
  EXPECT_EQ(o[0].source.str(), "gate");
  EXPECT_EQ(ToUnixMillis(o[0].time), ToUnixMillis(*ParseRfc3339("2026-11-28T00:00:00Z")));
  EXPECT_EQ(o[1].occupied, 40);
  EXPECT_EQ(o[1].category, model::SpaceCategory::kEv);
  EXPECT_EQ(o[2].type, model::ObservationType::kEntry);
  EXPECT_EQ(o[2].count, 1);
  EXPECT_EQ(o[3].count, 2);
  EXPECT_TRUE(o[4].bay_occupied);
  EXPECT_EQ(o[4].target, "B7");
  EXPECT_EQ(o[5].connector, 1);
  EXPECT_EQ(o[5].charger_status, model::ChargerStatus::kCharging);
  EXPECT_EQ(o[6].facility_status, model::FacilityStatus::kClosed);
}

TEST(ObservationParser, EveryBadItemIsListedWithItsFieldAndReason) {
  auto batch = ParseObservations(R"({"observations": [
    {"type": "facility_count", "facility": "F1", "time": "2026-11-28T08:00:00+08:00", "free": 3},
    {"type": "parking", "facility": "F1", "time": "2026-11-28T08:00:00+08:00"},
    {"type": "facility_count", "facility": "F1", "time": "2026-11-28 08:00", "free": 1.5},
    {"type": "bay", "bay": "B1", "time": "2026-11-28T08:00:00+08:00", "occupied": 1},
    "not an object"
  ]})",
                                 Options());
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  std::vector<std::string> names;
  for (const auto& e : batch->errors) names.push_back(e.Name());
  EXPECT_EQ(names, (std::vector<std::string>{"observations[1].type", "observations[2].free",
                                             "observations[2].time", "observations[3].occupied",
                                             "observations[4]"}));
  EXPECT_NE(batch->errors[0].reason.find("facility_count"), std::string::npos)
      << "the reason lists what is allowed";
}

TEST(ObservationParser, MissingFieldsPerType) {
  auto batch = ParseObservations(R"({"observations": [
    {"type": "facility_count", "facility": "F1", "time": "2026-11-28T08:00:00+08:00"},
    {"type": "charger", "charger": "C1", "time": "2026-11-28T08:00:00+08:00", "status": "Busy"},
    {"type": "facility_status", "time": "2026-11-28T08:00:00+08:00", "status": "open"},
    {"type": "exit", "facility": "F1", "count": 0},
    {"facility": "F1", "time": "2026-11-28T08:00:00+08:00", "free": 1, "seq": -1}
  ]})",
                                 Options());
  ASSERT_TRUE(batch.ok());
  std::vector<std::string> names;
  for (const auto& e : batch->errors) names.push_back(e.Name());
  EXPECT_EQ(names, (std::vector<std::string>{"observations[0].free", "observations[1].status",
                                             "observations[2].facility", "observations[3].time",
                                             "observations[3].count", "observations[4].type",
                                             "observations[4].seq"}));
}

// Every string of an observation is an id, a word or a time, at most 64 characters; ids are
// model::ValidateId's (docs/api/ingest.md, "Limits"). A refusal names the field and never
// repeats the text.
TEST(ObservationParser, StringsHaveBoundsAndIdsTheirAlphabet) {
  const std::string long_text(100'000, 'x');
  struct Case {
    const char* what;
    std::string item;
    const char* error;  // "field: reason"; nullptr: accepted
  };
  auto count = [](const std::string& members) {
    return R"({"type": "facility_count", "time": "2026-11-28T08:00:00+08:00", "free": 3, )" +
           members + "}";
  };
  const Case cases[] = {
      {"an id of 64", count(R"("facility": ")" + std::string(64, 'F') + R"(")"), nullptr},
      {"an id of 65", count(R"("facility": ")" + std::string(65, 'F') + R"(")"),
       "facility: is longer than 64 characters"},
      {"an id of 100,000", count(R"("facility": ")" + long_text + R"(")"),
       "facility: is longer than 64 characters"},
      {"an id with a space", count(R"("facility": "F 1")"),
       "facility: 'F 1' may contain only letters, digits and _ - . :"},
      {"an id with a newline", count(R"("facility": "F\n1")"),
       "facility: 'F\xEF\xBF\xBD"
       "1' may contain only letters, digits and _ - . :"},
      {"a bay id with a slash", R"({"type": "bay", "bay": "B/7", "occupied": true,
                                    "time": "2026-11-28T08:00:00+08:00"})",
       "bay: 'B/7' may contain only letters, digits and _ - . :"},
      {"a type of 100,000", R"({"type": ")" + long_text + R"(", "facility": "F1",
                                "time": "2026-11-28T08:00:00+08:00"})",
       "type: is longer than 64 characters"},
      {"a time of 100,000",
       R"({"type": "entry", "facility": "F1", "time": ")" + long_text + R"("})",
       "time: is longer than 64 characters"},
      {"a status of 100,000",
       R"({"type": "facility_status", "facility": "F1", "status": ")" + long_text +
           R"(", "time": "2026-11-28T08:00:00+08:00"})",
       "status: is longer than 64 characters"},
      {"a class of 100,000", count(R"("facility": "F1", "class": ")" + long_text + R"(")"),
       "class: is longer than 64 characters"},
      {"a source of 100,000", count(R"("facility": "F1", "source": ")" + long_text + R"(")"),
       "source: is longer than 64 characters"},
      {"free of 2^40", R"({"type": "facility_count", "facility": "F1", "free": 1099511627776,
                           "time": "2026-11-28T08:00:00+08:00"})",
       "free: 1099511627776 is not a plausible count"},
      {"connector of 2^32", R"({"type": "charger", "charger": "C1", "connector": 4294967296,
                                "status": "Charging", "time": "2026-11-28T08:00:00+08:00"})",
       "connector: must be 0–255 (0: the whole charger)"},
  };
  for (const auto& c : cases) {
    auto batch = ParseObservations("[" + c.item + "]", Options());
    ASSERT_TRUE(batch.ok()) << c.what << ": " << batch.status().ToString();
    if (c.error == nullptr) {
      EXPECT_TRUE(batch->errors.empty()) << c.what << ": " << batch->errors[0].reason;
      continue;
    }
    ASSERT_EQ(batch->errors.size(), 1u) << c.what << ": " << batch->errors[1].Name();
    EXPECT_EQ(batch->errors[0].field + ": " + batch->errors[0].reason, c.error) << c.what;
  }
}

TEST(ObservationParser, TimesInTheFutureAndForeignSourcesAreRefused) {
  auto batch = ParseObservations(
      R"([{"type": "entry", "facility": "F1", "time": "2026-11-28T09:00:00+08:00"},
          {"type": "entry", "facility": "F1", "time": "2026-11-28T08:00:00+08:00", "source": "other"}])",
      Options());
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->errors.size(), 2u);
  EXPECT_EQ(batch->errors[0].Name(), "observations[0].time");
  EXPECT_EQ(batch->errors[1].Name(), "observations[1].source");
}

TEST(ObservationParser, DocumentLevelProblems) {
  EXPECT_EQ(ParseObservations("{not json", Options()).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseObservations(R"({"observations": 3})", Options()).status().field(),
            "observations");
  EXPECT_EQ(ParseObservations(R"({"observations": []})", Options()).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseObservations(R"({"observations": [{}]} trailing)", Options()).status().code(),
            StatusCode::kInvalidArgument);
  std::string big = R"({"observations": [)";
  for (int i = 0; i < 6; ++i) {
    big += std::string(i ? "," : "") +
           R"({"type": "entry", "facility": "F1", "time": "2026-11-28T08:00:00+08:00"})";
  }
  big += "]}";
  auto too_many = ParseObservations(big, Options());
  EXPECT_EQ(too_many.status().code(), StatusCode::kResourceExhausted);
}

TEST(ObservationParser, SingleObjectWithKeyAsMqttSendsIt) {
  auto batch = ParseObservations(
      R"({"key": "pgk_x", "type": "bay", "bay": "B1", "time": "2026-11-28T08:00:00Z", "occupied": false})",
      Options());
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_EQ(batch->key, "pgk_x");
  ASSERT_EQ(batch->observations.size(), 1u);
  EXPECT_FALSE(batch->observations[0].bay_occupied);
}

// Found by fuzz/mqtt_message_fuzzer (fuzz/regressions/mqtt_message): ParseObservations kept the
// last of two "key" members while FindRootKey, which authenticates the message, reads the first.
TEST(ObservationParser, ARepeatedKeyIsTheFirstAsFindRootKeyReadsIt) {
  constexpr const char* kTwoKeys =
      R"({"key": "pgk_first", "type": "bay", "bay": "B1", "time": "2026-11-28T08:00:00Z",)"
      R"( "occupied": true, "key": "pgk_second"})";
  auto batch = ParseObservations(kTwoKeys, Options());
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  auto key = FindRootKey(kTwoKeys);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(*key, "pgk_first");
  EXPECT_EQ(batch->key, *key);
}

// Found by fuzz/observation_json_fuzzer (fuzz/regressions/observation_json): a target holding a
// control character ("\u0000" as the client sent it) went into ToWireJson's output raw, which is
// not JSON. The parser now refuses such an id at the edge (model::ValidateId); ToWireJson still
// writes whatever it is given as valid JSON.
TEST(ObservationParser, WireJsonEscapesControlCharactersOfTargets) {
  auto refused = ParseObservations(
      R"({"observations": [{"type": "entry", "facility": "F1\u0000\n\u001f\"\\", )"
      R"("time": "2026-11-28T08:00:00+08:00"}]})",
      Options());
  ASSERT_TRUE(refused.ok()) << refused.status().ToString();
  ASSERT_EQ(refused->errors.size(), 1u);
  EXPECT_EQ(refused->errors[0].Name(), "observations[0].facility");

  auto batch = ParseObservations(R"({"observations": [{"type": "entry", "facility": "F1", )"
                                 R"("time": "2026-11-28T08:00:00+08:00"}]})",
                                 Options());
  ASSERT_TRUE(batch.ok() && batch->errors.empty());
  const std::string odd("F1\0\n\x1f\"\\", 7);
  batch->observations[0].target = odd;
  auto wire = nlohmann::json::parse(ToWireJson(batch->observations), nullptr, false);
  ASSERT_FALSE(wire.is_discarded()) << ToWireJson(batch->observations);
  EXPECT_EQ(wire["observations"][0]["facility"], odd);
}

TEST(ObservationParser, WireJsonRoundTrips) {
  auto options = Options();
  options.max_items = 10;
  auto batch = ParseObservations(kSpecExample, options);
  ASSERT_TRUE(batch.ok());
  auto again = ParseObservations(ToWireJson(batch->observations), options);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->errors.empty());
  EXPECT_EQ(again->observations, batch->observations);
}

// A seq of 2^63 − 1 fits an int64 but silenced its source under the old rule; seq and boot stay
// within JSON's exact integers.
TEST(ObservationParser, SeqAndBootBeyond2To53AreRefusedNamingTheField) {
  auto batch = ParseObservations(R"({"observations": [
    {"type": "entry", "facility": "F1", "time": "2026-11-28T08:00:00+08:00", "seq": 9223372036854775807},
    {"type": "entry", "facility": "F1", "time": "2026-11-28T08:00:00+08:00", "seq": 9007199254740991, "boot": 9007199254740992},
    {"type": "entry", "facility": "F1", "time": "2026-11-28T08:00:00+08:00", "boot": 3},
    {"type": "entry", "facility": "F1", "time": "2026-11-28T08:00:00+08:00", "seq": 9007199254740991, "boot": 0}
  ]})",
                                 Options());
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->errors.size(), 3u);
  EXPECT_EQ(batch->errors[0].Name(), "observations[0].seq");
  EXPECT_NE(batch->errors[0].reason.find("0–9007199254740991"), std::string::npos)
      << batch->errors[0].reason;
  EXPECT_EQ(batch->errors[1].Name(), "observations[1].boot");
  EXPECT_EQ(batch->errors[2].Name(), "observations[2].boot");
  EXPECT_NE(batch->errors[2].reason.find("only with \"seq\""), std::string::npos);
  EXPECT_EQ(batch->observations[3].seq, model::kMaxSeq);
  EXPECT_EQ(batch->observations[3].boot, 0);
}

TEST(ObservationParser, BootRoundTripsThroughTheWireForm) {
  model::Observation o;
  o.type = model::ObservationType::kEntry;
  o.source = model::SourceId("gate");
  o.target = "F1";
  o.time = *ParseRfc3339("2026-11-28T00:00:00Z");
  o.seq = 12;
  o.boot = 4;
  auto batch = ParseObservations(ToWireJson(std::span(&o, 1)), Options());
  ASSERT_TRUE(batch.ok());
  ASSERT_TRUE(batch->errors.empty()) << batch->errors[0].Name();
  EXPECT_EQ(batch->observations[0], o);
}

}  // namespace
}  // namespace pg::ingest

#include "journal/observation_codec.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

namespace pg::journal {
namespace {

std::vector<model::Observation> Sample() {
  using model::ObservationType;
  std::vector<model::Observation> v(6);
  v[0].type = ObservationType::kFacilityCount;
  v[0].source = model::SourceId("s1");
  v[0].target = "F12";
  v[0].time = FromUnixMillis(1'700'000'000'123);
  v[0].free = 123;
  v[0].seq = 17;
  v[1] = v[0];
  v[1].free.reset();
  v[1].seq.reset();
  v[1].occupied = 40;
  v[1].category = model::SpaceCategory::kEv;
  v[2].type = ObservationType::kExit;
  v[2].source = model::SourceId("gate");
  v[2].target = "F12";
  v[2].count = 2;
  v[3].type = ObservationType::kBay;
  v[3].target = "B7";
  v[3].bay_occupied = true;
  v[4].type = ObservationType::kCharger;
  v[4].target = "C3";
  v[4].connector = 1;
  v[4].charger_status = model::ChargerStatus::kCharging;
  v[5].type = ObservationType::kFacilityStatus;
  v[5].target = "F12";
  v[5].facility_status = model::FacilityStatus::kClosed;
  v[5].time = FromUnixMillis(-5);
  return v;
}

TEST(ObservationCodec, RoundTripsEveryObservationType) {
  auto batch = Sample();
  std::string payload;
  EncodeObservationBatch({Channel::kMqtt, FromUnixMillis(42)}, batch, payload);
  auto decoded = DecodeObservationBatch(payload);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->meta.channel, Channel::kMqtt);
  EXPECT_EQ(ToUnixMillis(decoded->meta.received), 42);
  EXPECT_EQ(decoded->observations, batch);
}

TEST(ObservationCodec, EveryTruncationIsDataLoss) {
  std::string payload;
  EncodeObservationBatch({}, Sample(), payload);
  for (size_t n = 0; n < payload.size(); ++n) {
    auto decoded = DecodeObservationBatch(std::string_view(payload).substr(0, n));
    ASSERT_FALSE(decoded.ok()) << "prefix of " << n << " bytes";
    EXPECT_EQ(decoded.status().code(), StatusCode::kDataLoss);
  }
}

TEST(ObservationCodec, Version2CarriesBootAndTheSeqRestartThreshold) {
  auto batch = Sample();
  batch[0].boot = 7;
  std::string payload;
  BatchMeta meta{Channel::kHttp, FromUnixMillis(42), std::chrono::milliseconds(180'000)};
  EncodeObservationBatch(meta, batch, payload);
  EXPECT_EQ(payload[0], 2) << "version";
  auto decoded = DecodeObservationBatch(payload);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->meta.seq_restart_after, std::chrono::milliseconds(180'000));
  EXPECT_EQ(decoded->observations, batch);
}

// observation_batch_v1.bin was written by the code before version 2 (tests/fixtures/compat/
// README.md): gate's count of EV spaces with seq 4, and trapped's count with seq 6, over MQTT.
TEST(ObservationCodec, DecodesAVersion1RecordWrittenByTheOldCode) {
  std::ifstream in(std::string(PG_SOURCE_DIR) + "/tests/fixtures/compat/observation_batch_v1.bin",
                   std::ios::binary);
  std::string payload((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(payload.empty()) << "fixture missing";
  EXPECT_EQ(payload[0], 1) << "version";
  auto decoded = DecodeObservationBatch(payload);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->meta.channel, Channel::kMqtt);
  EXPECT_EQ(decoded->meta.received, *ParseRfc3339("2026-11-28T08:01:15Z"));
  EXPECT_EQ(decoded->meta.seq_restart_after, std::chrono::milliseconds(0)) << "no restarts";
  EXPECT_EQ(decoded->meta.version, 1);
  ASSERT_EQ(decoded->observations.size(), 2u);
  const model::Observation& gate = decoded->observations[0];
  EXPECT_EQ(gate.source.str(), "gate");
  EXPECT_EQ(gate.target, "F1");
  EXPECT_EQ(gate.seq, 4);
  EXPECT_EQ(gate.free, 45);
  EXPECT_EQ(gate.category, model::SpaceCategory::kEv);
  EXPECT_FALSE(gate.boot.has_value());
  EXPECT_EQ(gate.time, *ParseRfc3339("2026-11-28T08:01:00Z"));
  EXPECT_EQ(decoded->observations[1].source.str(), "trapped");
  EXPECT_EQ(decoded->observations[1].seq, 6);
}

TEST(ObservationCodec, Version2RefusesUnknownFlagsAndBootWithoutSeq) {
  std::vector<model::Observation> one(1);
  one[0].target = "F1";
  one[0].free = 1;
  std::string payload;
  EncodeObservationBatch({}, one, payload);
  // version, channel, received (1 byte), threshold (1), count (1), type, source "", target
  // "F1" (3), time (1), then the flags.
  const size_t flags_at = 1 + 1 + 1 + 1 + 1 + 1 + 1 + 3 + 1;
  ASSERT_EQ(payload[flags_at], 2) << "the layout changed";
  for (char bad : {char(2 | 16), char(2 | 64)}) {
    std::string corrupt = payload;
    corrupt[flags_at] = bad;
    EXPECT_EQ(DecodeObservationBatch(corrupt).status().code(), StatusCode::kDataLoss) << int(bad);
  }
}

}  // namespace
}  // namespace pg::journal

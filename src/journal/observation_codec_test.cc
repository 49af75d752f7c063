#include "journal/observation_codec.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace pg::journal

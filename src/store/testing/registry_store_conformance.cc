// RegistryStore: the registry round-trips whole; survey entries win over OSM ones; a kReplaceOsm
// write replaces the previous OSM import.
#include <string>

#include "store/testing/conformance.h"

namespace pg::store::conformance {
namespace {

using model::Facility;
using model::FacilityId;
using model::Origin;

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(RegistryStoreConformance);

TEST_P(RegistryStoreConformance, AnEmptyStoreHasAnEmptyRegistry) {
  auto loaded = store().LoadRegistry();
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_FALSE(loaded->city.has_value());
  EXPECT_TRUE(loaded->facilities.empty());
}

TEST_P(RegistryStoreConformance, RoundTripsTheRegistry) {
  model::RegistryData data;
  model::City city;
  city.id = "xuchang";
  city.name = {"许昌", "Xuchang"};
  data.city = city;
  data.facilities = {MakeFacility("F1", Origin::kSurvey, 100)};
  auto summary = store().WriteRegistry(data, RegistryWriteMode::kUpsert);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->inserted, 1);
  auto loaded = store().LoadRegistry();
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_TRUE(loaded->city.has_value());
  EXPECT_EQ(*loaded->city, city);
  ASSERT_EQ(loaded->facilities.size(), 1u);
  EXPECT_EQ(loaded->facilities[0], data.facilities[0]);
}

TEST_P(RegistryStoreConformance, SurveyWinsOverOsmAndOsmReimportReplacesOsm) {
  model::RegistryData survey;
  survey.facilities = {MakeFacility("osm:w1", Origin::kSurvey, 500)};
  ASSERT_TRUE(store().WriteRegistry(survey, RegistryWriteMode::kUpsert).ok());

  model::RegistryData osm;
  osm.facilities = {MakeFacility("osm:w1", Origin::kOsm, 10),
                    MakeFacility("osm:w2", Origin::kOsm, 20)};
  auto first = store().WriteRegistry(osm, RegistryWriteMode::kReplaceOsm);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->kept_survey, 1);
  EXPECT_EQ(first->inserted, 1);

  model::RegistryData osm2;
  osm2.facilities = {MakeFacility("osm:w3", Origin::kOsm, 30)};
  auto second = store().WriteRegistry(osm2, RegistryWriteMode::kReplaceOsm);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->deleted, 1);  // w2 gone; the survey's w1 stays

  auto loaded = *store().LoadRegistry();
  ASSERT_EQ(loaded.facilities.size(), 2u);
  EXPECT_EQ(loaded.facilities[0].id.str(), "osm:w1");
  EXPECT_EQ(loaded.facilities[0].capacity.total, 500);
  EXPECT_EQ(loaded.facilities[1].id.str(), "osm:w3");
}

}  // namespace
}  // namespace pg::store::conformance

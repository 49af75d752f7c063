#include "demo/demo_city.h"

#include <gtest/gtest.h>

#include <set>

#include "core/clock.h"
#include "model/validation.h"
#include "registry/registry.h"
#include "signs/display_rules.h"
#include "store/store.h"
#include "tests/support/temp_dir.h"

namespace pg::demo {
namespace {

TEST(DemoCity, IsDeterministic) {
  DemoCity a = GenerateDemoCity(1), b = GenerateDemoCity(1);
  ASSERT_EQ(a.survey.facilities.size(), b.survey.facilities.size());
  EXPECT_EQ(a.survey.facilities, b.survey.facilities);
  EXPECT_EQ(a.survey.chargers, b.survey.chargers);
  EXPECT_EQ(a.osm.ways.size(), b.osm.ways.size());
}

TEST(DemoCity, SignRulesAreValidForTheDemoCity) {
  DemoCity city = GenerateDemoCity();
  auto registry = registry::Registry::Build(city.survey);
  ASSERT_TRUE(registry.ok());
  auto config = signs::SignConfigFromJson(nlohmann::json::parse(DemoSignRulesJson()));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  for (const auto& p : signs::ValidateSignConfig(*config, registry->get())) {
    ADD_FAILURE() << p.ToString();
  }
  EXPECT_EQ(config->plans.size(), 2u);
}

TEST(DemoCity, SurveyIsValid) {
  DemoCity city = GenerateDemoCity();
  auto problems = model::ValidateRegistry(city.survey, {});
  for (const auto& p : problems)
    ADD_FAILURE() << p.entry_kind << "[" << p.index << "] " << p.status.ToString();
}

// The demo goes through the same import path as a real city; what arrives is a full city.
TEST(DemoCity, ImportsThroughTheRealPipelineAsAFullCity) {
  testing::TempDir dir;
  std::string db = dir.File("demo.db");
  FakeClock clock(*ParseRfc3339("2026-11-28T08:00:00+08:00"));
  ASSERT_TRUE(PrepareDemoDatabase(db, clock, 20261128, /*history_days=*/1).ok());
  auto store = *store::OpenSqliteStore(db);
  auto data = *store->LoadRegistry();
  ASSERT_TRUE(data.city.has_value());
  EXPECT_TRUE(data.city->is_demo);
  EXPECT_FALSE(data.city->name.zh.empty());
  EXPECT_FALSE(data.city->name.en.empty());

  std::set<model::FacilityKind> kinds;
  int with_osm_only = 0;
  for (const auto& f : data.facilities) {
    kinds.insert(f.kind);
    with_osm_only += f.origin == model::Origin::kOsm;
  }
  EXPECT_GE(data.facilities.size(), 30u);
  EXPECT_EQ(kinds.size(), 5u) << "every kind of facility";
  EXPECT_GT(with_osm_only, 0) << "some car parks are known only from OSM";
  EXPECT_GE(data.bays.size(), 300u);
  EXPECT_GE(data.chargers.size(), 40u);
  std::set<model::Lifecycle> stages;
  for (const auto& c : data.chargers) stages.insert(c.lifecycle);
  EXPECT_TRUE(stages.contains(model::Lifecycle::kPlanned));
  EXPECT_TRUE(stages.contains(model::Lifecycle::kUnderConstruction));
  EXPECT_TRUE(stages.contains(model::Lifecycle::kInService));
  std::set<model::SignLevel> levels;
  for (const auto& s : data.signs) levels.insert(s.level);
  EXPECT_GE(data.signs.size(), 10u);
  EXPECT_EQ(levels.size(), 3u);
  for (const auto& b : data.bays) EXPECT_TRUE(b.time_limit_minutes.has_value());

  // A day of history at 5-minute steps for every facility with a capacity.
  auto history = *store->LoadOccupancy(data.facilities[0].id, clock.Now() - std::chrono::hours(25),
                                       clock.Now());
  EXPECT_GE(history.size(), 280u);

  // A second start neither re-imports nor duplicates history.
  ASSERT_TRUE(PrepareDemoDatabase(db, clock, 20261128, 1).ok());
  auto again = *store->LoadOccupancy(data.facilities[0].id, clock.Now() - std::chrono::hours(25),
                                     clock.Now());
  EXPECT_EQ(again.size(), history.size());
}

}  // namespace
}  // namespace pg::demo

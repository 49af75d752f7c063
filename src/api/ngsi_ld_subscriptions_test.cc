// NGSI-LD subscriptions kept in the city's store: created, listed, deleted, and there again
// after a restart; bad bodies refused naming the member.
#include "api/ngsi_ld_subscriptions.h"

#include <gtest/gtest.h>

#include "store/store.h"
#include "tests/support/temp_dir.h"

namespace pg::api {
namespace {

using nlohmann::json;

TEST(NgsiLdSubscriptions, SurviveARestartAndRefuseBadBodies) {
  testing::TempDir dir;
  auto store = *store::OpenSqliteStore(dir.File("city.db"));
  model::RegistryData data;
  model::City city;
  city.id = "subs";
  data.city = city;
  state::LiveState live(*registry::Registry::Build(data));
  FakeClock clock(*ParseRfc3339("2026-11-30T10:00:00+08:00"));
  const json body{{"id", "urn:ngsi-ld:Subscription:board-7"},
                  {"entities", {{{"type", "OffStreetParking"}}}},
                  {"watchedAttributes", {"availableSpotNumber"}},
                  {"notification", {{"endpoint", {{"uri", "http://10.0.0.7:8080/notify"}}}}}};
  {
    NgsiLdSubscriptions subs(live, *store, clock);
    ASSERT_TRUE(subs.Load().ok());
    auto created = subs.Create(body);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    EXPECT_EQ((*created)["status"], "active");
    EXPECT_EQ(subs.Create(body).status().code(), StatusCode::kAlreadyExists);
    auto bad = subs.Create({{"entities", {{{"type", "OffStreetParking"}}}},
                            {"notification", {{"endpoint", {{"uri", "ftp://x"}}}}}});
    EXPECT_EQ(bad.status().field(), "notification.endpoint.uri");
    EXPECT_EQ(subs.Create({{"notification", body["notification"]}}).status().field(), "entities");
  }
  NgsiLdSubscriptions restarted(live, *store, clock);
  ASSERT_TRUE(restarted.Load().ok());
  ASSERT_EQ(restarted.List().size(), 1u);
  auto kept = restarted.Get("urn:ngsi-ld:Subscription:board-7");
  ASSERT_TRUE(kept);
  EXPECT_EQ((*kept)["watchedAttributes"], body["watchedAttributes"]);
  EXPECT_EQ((*kept)["notification"]["timesSent"], 0);
  EXPECT_TRUE(*restarted.Delete("urn:ngsi-ld:Subscription:board-7"));
  EXPECT_FALSE(*restarted.Delete("urn:ngsi-ld:Subscription:board-7"));
  NgsiLdSubscriptions again(live, *store, clock);
  ASSERT_TRUE(again.Load().ok());
  EXPECT_TRUE(again.List().empty());
}

}  // namespace
}  // namespace pg::api

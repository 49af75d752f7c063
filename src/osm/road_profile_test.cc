#include "osm/road_profile.h"

#include <gtest/gtest.h>

namespace pg::osm {
namespace {

CarAttributes Car(Tags tags) { return CarProfile(tags); }
FootAttributes Foot(Tags tags) { return FootProfile(tags); }

TEST(CarProfile, TwoWayResidentialAtTheClassSpeed) {
  CarAttributes c = Car({{"highway", "residential"}});
  EXPECT_TRUE(c.forward);
  EXPECT_TRUE(c.backward);
  EXPECT_DOUBLE_EQ(c.forward_speed_kmh, 25);
  EXPECT_DOUBLE_EQ(c.backward_speed_kmh, 25);
  EXPECT_FALSE(c.restricted());
}

TEST(CarProfile, OnewayValues) {
  for (const char* yes : {"yes", "true", "1"}) {
    CarAttributes c = Car({{"highway", "primary"}, {"oneway", yes}});
    EXPECT_TRUE(c.forward) << yes;
    EXPECT_FALSE(c.backward) << yes;
  }
  for (const char* reverse : {"-1", "reverse"}) {
    CarAttributes c = Car({{"highway", "primary"}, {"oneway", reverse}});
    EXPECT_FALSE(c.forward) << reverse;
    EXPECT_TRUE(c.backward) << reverse;
    EXPECT_GT(c.backward_speed_kmh, 0);
  }
  CarAttributes no = Car({{"highway", "primary"}, {"oneway", "no"}});
  EXPECT_TRUE(no.forward && no.backward);
  // Time-dependent direction: not driven at all.
  EXPECT_FALSE(Car({{"highway", "primary"}, {"oneway", "reversible"}}).usable());
  // The most specific key wins.
  CarAttributes specific =
      Car({{"highway", "primary"}, {"oneway", "yes"}, {"oneway:motor_vehicle", "no"}});
  EXPECT_TRUE(specific.forward && specific.backward);
}

TEST(CarProfile, RoundaboutsAndMotorwaysAreImpliedOneWay) {
  CarAttributes r = Car({{"highway", "tertiary"}, {"junction", "roundabout"}});
  EXPECT_TRUE(r.roundabout);
  EXPECT_TRUE(r.forward);
  EXPECT_FALSE(r.backward);
  EXPECT_FALSE(Car({{"highway", "tertiary"}, {"junction", "circular"}}).backward);
  EXPECT_FALSE(Car({{"highway", "motorway"}}).backward);
  EXPECT_FALSE(Car({{"highway", "motorway_link"}}).backward);
  // An explicit tag overrides the implication.
  EXPECT_TRUE(Car({{"highway", "motorway_link"}, {"oneway", "no"}}).backward);
}

TEST(CarProfile, AccessNoExcludesRestrictedValuesAreForRouteEnds) {
  EXPECT_FALSE(Car({{"highway", "service"}, {"access", "no"}}).usable());
  EXPECT_FALSE(Car({{"highway", "residential"}, {"motor_vehicle", "no"}}).usable());
  for (const char* v : {"agricultural", "forestry", "emergency", "psv", "military", "permit"}) {
    EXPECT_FALSE(Car({{"highway", "service"}, {"access", v}}).usable()) << v;
  }
  // A more specific permission lifts a general ban.
  EXPECT_TRUE(
      Car({{"highway", "residential"}, {"access", "no"}, {"motor_vehicle", "yes"}}).usable());
  for (const char* v : {"destination", "customers", "delivery", "private", "residents"}) {
    CarAttributes c = Car({{"highway", "residential"}, {"access", v}});
    EXPECT_TRUE(c.usable()) << v;
    EXPECT_TRUE(c.forward_restricted && c.backward_restricted) << v;
  }
  for (const char* v : {"yes", "permissive", "designated", "unknown"}) {
    CarAttributes c = Car({{"highway", "service"}, {"access", v}});
    EXPECT_TRUE(c.usable()) << v;
    EXPECT_FALSE(c.restricted()) << v;
  }
  CarAttributes directed = Car({{"highway", "residential"}, {"motor_vehicle:backward", "no"}});
  EXPECT_TRUE(directed.forward);
  EXPECT_FALSE(directed.backward);
}

TEST(CarProfile, TheMostSpecificKeyDecidesMotorcarFirst) {
  // motorcar > motor_vehicle > vehicle > access, whatever the values.
  EXPECT_FALSE(
      Car({{"highway", "service"}, {"motor_vehicle", "yes"}, {"motorcar", "no"}}).usable());
  EXPECT_FALSE(
      Car({{"highway", "service"}, {"motor_vehicle", "agricultural"}, {"vehicle", "destination"}})
          .usable());
  EXPECT_FALSE(
      Car({{"highway", "service"}, {"access", "private"}, {"motor_vehicle", "yes"}}).restricted());
  CarAttributes park = Car({{"highway", "service"}, {"access", "no"}, {"motorcar", "private"}});
  EXPECT_TRUE(park.usable());
  EXPECT_TRUE(park.restricted());
  // Restricted one way only: the other direction is through road.
  CarAttributes half = Car({{"highway", "residential"}, {"motor_vehicle:forward", "destination"}});
  EXPECT_TRUE(half.forward_restricted);
  EXPECT_FALSE(half.backward_restricted);
  EXPECT_TRUE(half.backward);
}

TEST(CarProfile, AValueListCountsAsItsMostPermissiveValue) {
  EXPECT_FALSE(Car({{"highway", "service"}, {"access", "agricultural;forestry"}}).usable());
  CarAttributes local =
      Car({{"highway", "service"}, {"vehicle", "destination;forestry;agricultural"}});
  EXPECT_TRUE(local.usable());
  EXPECT_TRUE(local.restricted());
  EXPECT_FALSE(Car({{"highway", "service"}, {"access", "private; yes"}}).restricted());
}

TEST(CarProfile, OnlyRoadClassesAreDriven) {
  for (const char* c : {"footway", "path", "steps", "pedestrian", "cycleway", "track",
                        "construction", "proposed", "bridleway"}) {
    EXPECT_FALSE(Car({{"highway", c}}).usable()) << c;
  }
  EXPECT_FALSE(Car({{"building", "yes"}}).usable());
  EXPECT_FALSE(Car({{"highway", "service"}, {"area", "yes"}}).usable());
}

TEST(CarProfile, MaxspeedGivesEightyPercentAndServiceKindsCrawl) {
  CarAttributes c = Car({{"highway", "residential"}, {"maxspeed", "50"}});
  EXPECT_DOUBLE_EQ(c.forward_speed_kmh, 40);
  CarAttributes directed = Car({{"highway", "primary"},
                                {"maxspeed", "50"},
                                {"maxspeed:forward", "70"},
                                {"maxspeed:backward", "30 mph"}});
  EXPECT_DOUBLE_EQ(directed.forward_speed_kmh, 56);
  EXPECT_NEAR(directed.backward_speed_kmh, 30 * 1.609344 * 0.8, 1e-9);
  // Unparseable limits fall back to the class default.
  EXPECT_DOUBLE_EQ(Car({{"highway", "primary"}, {"maxspeed", "signals"}}).forward_speed_kmh, 65);
  EXPECT_DOUBLE_EQ(Car({{"highway", "service"}, {"service", "parking_aisle"}}).forward_speed_kmh,
                   10);
  EXPECT_DOUBLE_EQ(Car({{"highway", "service"}}).forward_speed_kmh, 15);
}

TEST(ParseMaxspeedKmh, UnitsZonesAndNonsense) {
  EXPECT_EQ(ParseMaxspeedKmh("50"), 50);
  EXPECT_EQ(ParseMaxspeedKmh(" 60 km/h"), 60);
  EXPECT_NEAR(*ParseMaxspeedKmh("20 mph"), 32.18688, 1e-9);
  EXPECT_NEAR(*ParseMaxspeedKmh("10 knots"), 18.52, 1e-9);
  EXPECT_EQ(ParseMaxspeedKmh("DE:urban"), 50);
  EXPECT_EQ(ParseMaxspeedKmh("DE:rural"), 100);
  EXPECT_EQ(ParseMaxspeedKmh("CH:rural"), 80);
  EXPECT_EQ(ParseMaxspeedKmh("FR:motorway"), 130);
  EXPECT_EQ(ParseMaxspeedKmh("DE:zone30"), 30);
  EXPECT_EQ(ParseMaxspeedKmh("DE:zone:20"), 20);
  EXPECT_EQ(ParseMaxspeedKmh("walk"), 7);
  EXPECT_EQ(ParseMaxspeedKmh("50;30"), 50);
  EXPECT_EQ(ParseMaxspeedKmh("none"), std::nullopt);
  EXPECT_EQ(ParseMaxspeedKmh("0"), std::nullopt);
  EXPECT_EQ(ParseMaxspeedKmh("fast"), std::nullopt);
  EXPECT_EQ(ParseMaxspeedKmh("50 furlongs"), std::nullopt);
  EXPECT_EQ(ParseMaxspeedKmh(""), std::nullopt);
}

TEST(FootProfile, WalkwaysAndStreetsButNeverMotorways) {
  for (const char* c : {"footway", "path", "pedestrian", "steps", "living_street", "residential",
                        "service", "track", "primary", "secondary", "tertiary", "unclassified"}) {
    FootAttributes f = Foot({{"highway", c}});
    EXPECT_TRUE(f.allowed) << c;
    EXPECT_GT(f.speed_kmh, 0) << c;
  }
  EXPECT_LT(Foot({{"highway", "steps"}}).speed_kmh, Foot({{"highway", "footway"}}).speed_kmh);
  EXPECT_FALSE(Foot({{"highway", "motorway"}}).allowed);
  EXPECT_FALSE(Foot({{"highway", "motorway_link"}, {"foot", "yes"}}).allowed);
  EXPECT_FALSE(Foot({{"highway", "footway"}, {"foot", "no"}}).allowed);
  EXPECT_FALSE(Foot({{"highway", "primary"}, {"foot", "use_sidepath"}}).allowed);
  EXPECT_FALSE(Foot({{"highway", "trunk"}, {"motorroad", "yes"}}).allowed);
  EXPECT_FALSE(Foot({{"highway", "service"}, {"access", "private"}}).allowed);
  EXPECT_TRUE(Foot({{"highway", "service"}, {"access", "private"}, {"foot", "yes"}}).allowed);
  // Cycleways and bridleways only with an explicit permission.
  EXPECT_FALSE(Foot({{"highway", "cycleway"}}).allowed);
  EXPECT_TRUE(Foot({{"highway", "cycleway"}, {"foot", "designated"}}).allowed);
  // One-way streets are walked both ways (FootAttributes has no direction).
  EXPECT_TRUE(Foot({{"highway", "residential"}, {"oneway", "yes"}}).allowed);
}

TEST(RoadNodeFlags, SignalsBollardsAndGates) {
  EXPECT_EQ(RoadNodeFlags({{"highway", "traffic_signals"}}), kTrafficSignals);
  EXPECT_EQ(RoadNodeFlags({{"barrier", "bollard"}}), kCarBarrier);
  EXPECT_EQ(RoadNodeFlags({{"barrier", "block"}}), kCarBarrier);
  EXPECT_EQ(RoadNodeFlags({{"barrier", "gate"}}), 0);
  EXPECT_EQ(RoadNodeFlags({{"barrier", "lift_gate"}}), 0);
  EXPECT_EQ(RoadNodeFlags({{"barrier", "gate"}, {"access", "no"}}), kCarBarrier);
  // A private gate or a residents' bollard lets through the routes that start or end behind it.
  EXPECT_EQ(RoadNodeFlags({{"barrier", "gate"}, {"access", "private"}}), kRestrictedPassage);
  EXPECT_EQ(RoadNodeFlags({{"barrier", "bollard"}, {"motor_vehicle", "destination"}}),
            kRestrictedPassage);
  EXPECT_EQ(RoadNodeFlags({{"barrier", "bollard"}, {"motor_vehicle", "yes"}}), 0);
  EXPECT_EQ(RoadNodeFlags({{"crossing", "zebra"}}), 0);
}

}  // namespace
}  // namespace pg::osm

// Pull adapters: the two readers on parkguide's own golden exports and on garbage, the
// translator's rules, the feeds file's errors, and the round trip — our DATEX II status (and our
// NGSI-LD entities) out, read back in, applied to a second live state: the same live state.
#include "ingest/pull/pull_feed.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "interchange/datex2_publications.h"
#include "interchange/ngsi_ld_entities.h"
#include "tests/support/temp_dir.h"

namespace pg::ingest::pull {
namespace {

Timestamp T(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

std::string Golden(const std::string& name) {
  std::ifstream in(std::string(PG_SOURCE_DIR) + "/tests/interchange/golden/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

const SiteReading* Find(const std::vector<SiteReading>& readings, std::string_view id) {
  for (const SiteReading& r : readings) {
    if (r.their_id == id) return &r;
  }
  return nullptr;
}

TEST(FeedReaders, ReadParkguidesOwnDatex2Status) {
  auto readings = ReadDatex2Status(Golden("parking-status.xml"));
  ASSERT_TRUE(readings.ok()) << readings.status().ToString();
  ASSERT_EQ(readings->size(), 3u);
  const SiteReading* f1 = Find(*readings, "F1");
  ASSERT_TRUE(f1);
  EXPECT_EQ(f1->vacant, 50);
  EXPECT_EQ(f1->occupied, 150);
  EXPECT_EQ(f1->opening, SiteReading::Opening::kOpen);
  EXPECT_FALSE(f1->unknown);
  EXPECT_EQ(f1->time, T("2026-11-30T09:59:00+08:00"));
  EXPECT_TRUE(Find(*readings, "F2")->unknown);
}

TEST(FeedReaders, ReadParkguidesOwnNgsiLdInBothForms) {
  for (const char* file : {"ngsi-ld-normalized.json", "ngsi-ld-keyvalues.json"}) {
    auto readings = ReadNgsiLdParking(Golden(file));
    ASSERT_TRUE(readings.ok()) << file << ": " << readings.status().ToString();
    EXPECT_EQ(readings->size(), 3u) << file;  // 2 OffStreetParking, 1 OnStreetParking
    const SiteReading* f1 = Find(*readings, "urn:ngsi-ld:OffStreetParking:testville:F1");
    ASSERT_TRUE(f1) << file;
    EXPECT_EQ(f1->vacant, 50) << file;
    EXPECT_EQ(f1->occupied, 150) << file;
    EXPECT_EQ(f1->time, T("2026-11-30T09:59:00+08:00")) << file;
    EXPECT_TRUE(Find(*readings, "urn:ngsi-ld:OffStreetParking:testville:F2")->unknown) << file;
  }
}

TEST(FeedReaders, GarbageIsRefusedSayingWhat) {
  EXPECT_NE(ReadDatex2Status("<not xml").status().message().find("not XML"), std::string::npos);
  EXPECT_NE(ReadDatex2Status("<a/>").status().message().find("ParkingStatusPublication"),
            std::string::npos);
  EXPECT_NE(ReadDatex2Status(Golden("parking-table.xml")).status().message().find("Status"),
            std::string::npos);
  EXPECT_FALSE(ReadNgsiLdParking("{\"id\": 1}").ok());
  EXPECT_FALSE(ReadNgsiLdParking("[{\"type\": \"OffStreetParking\"}]").ok());
  // Counts with a bad time are not believed.
  auto bad_time = ReadNgsiLdParking(
      R"([{"id": "urn:x", "type": "OffStreetParking", "availableSpotNumber": 3, "observationDateTime": "soon"}])");
  ASSERT_TRUE(bad_time.ok());
  EXPECT_TRUE((*bad_time)[0].unknown);
}

FeedConfig Feed() {
  FeedConfig f;
  f.id = "hz";
  f.source = model::SourceId("hz-feed");
  f.mapping = {{"A", model::FacilityId("F1")}, {"B", model::FacilityId("F2")}};
  return f;
}

SiteReading Reading(const char* id, std::optional<int> vacant, Timestamp t,
                    SiteReading::Opening opening = SiteReading::Opening::kOpen) {
  SiteReading r;
  r.their_id = id;
  r.vacant = vacant;
  r.opening = opening;
  r.time = t;
  return r;
}

TEST(FeedTranslator, TakesEachNewReadingOnceAndSaysUnmappedSitesOnce) {
  const FeedConfig feed = Feed();
  FeedTranslator t(feed);
  const Timestamp t0 = T("2026-11-30T10:00:00+08:00");
  auto first = t.Translate({Reading("A", 10, t0), Reading("X", 3, t0)});
  ASSERT_EQ(first.observations.size(), 1u);
  EXPECT_EQ(first.observations[0].target, "F1");
  EXPECT_EQ(first.observations[0].free, 10);
  EXPECT_EQ(first.observations[0].source, model::SourceId("hz-feed"));
  EXPECT_EQ(first.unmapped, std::vector<std::string>{"X"});
  auto again = t.Translate({Reading("A", 10, t0), Reading("X", 3, t0)});
  EXPECT_TRUE(again.observations.empty());  // nothing new
  EXPECT_TRUE(again.unmapped.empty());      // said once
  auto later = t.Translate({Reading("A", 9, t0 + std::chrono::minutes(1))});
  ASSERT_EQ(later.observations.size(), 1u);
  EXPECT_EQ(later.observations[0].free, 9);
}

TEST(FeedTranslator, UnknownGivesNothingAndClosedOpensOnlyAfterItWasSaid) {
  const FeedConfig feed = Feed();
  FeedTranslator t(feed);
  const Timestamp t0 = T("2026-11-30T10:00:00+08:00");
  SiteReading unknown = Reading("A", std::nullopt, t0, SiteReading::Opening::kNotSaid);
  unknown.unknown = true;
  EXPECT_TRUE(t.Translate({unknown}).observations.empty());
  // Open on first sight: no status (it would reopen a closure the traffic centre made).
  EXPECT_EQ(t.Translate({Reading("B", std::nullopt, t0)}).observations.size(), 0u);
  auto closed = t.Translate(
      {Reading("B", std::nullopt, t0 + std::chrono::minutes(1), SiteReading::Opening::kClosed)});
  ASSERT_EQ(closed.observations.size(), 1u);
  EXPECT_EQ(closed.observations[0].type, model::ObservationType::kFacilityStatus);
  EXPECT_EQ(closed.observations[0].facility_status, model::FacilityStatus::kClosed);
  auto reopened = t.Translate({Reading("B", 5, t0 + std::chrono::minutes(2))});
  ASSERT_EQ(reopened.observations.size(), 2u);
  EXPECT_EQ(reopened.observations[0].facility_status, model::FacilityStatus::kOpen);
  EXPECT_EQ(reopened.observations[1].free, 5);
}

// --------------------------------------------------------------------------- the round trip

model::RegistryData TwoCarParks() {
  model::RegistryData data;
  model::City city;
  city.id = "rt";
  data.city = city;
  for (const char* id : {"P1", "P2", "P3"}) {
    model::Facility f;
    f.id = model::FacilityId(id);
    f.name = {id, id};
    f.location = {34.0, 113.8};
    f.capacity.total = 100;
    data.facilities.push_back(f);
  }
  model::Source s;
  s.id = model::SourceId("gate");
  s.scope.all = true;
  s.expected_interval = std::chrono::seconds(60);
  data.sources.push_back(s);
  model::Source feed = s;
  feed.id = model::SourceId("hz-feed");
  data.sources.push_back(feed);
  return data;
}

void Count(state::LiveState& live, const char* id, int occupied, Timestamp t) {
  model::Observation o;
  o.source = model::SourceId("gate");
  o.time = t;
  o.target = id;
  o.occupied = occupied;
  live.Apply(o);
}

void ExpectSameLiveState(const state::LiveState& a, const state::LiveState& b, Timestamp now) {
  auto reg = a.registry();
  for (const model::Facility& f : reg->facilities()) {
    const auto va = state::ViewFacility(*reg, *a.Snapshot(), f, now);
    const auto vb = state::ViewFacility(*b.registry(), *b.Snapshot(), f, now);
    EXPECT_EQ(state::Name(va.state), state::Name(vb.state)) << f.id.str();
    EXPECT_EQ(va.free, vb.free) << f.id.str();
    EXPECT_EQ(va.occupied, vb.occupied) << f.id.str();
    EXPECT_EQ(va.updated, vb.updated) << f.id.str();
  }
}

TEST(PullRoundTrip, OurDatex2AndNgsiLdOutThenInGiveTheSameLiveState) {
  const Timestamp now = T("2026-11-30T10:00:00+08:00");
  state::LiveState a(*registry::Registry::Build(TwoCarParks()));
  Count(a, "P1", 40, now - std::chrono::minutes(1));
  Count(a, "P2", 100, now - std::chrono::seconds(30));  // full
  // P3 never counted: unknown on both sides.
  auto reg = a.registry();
  auto snap = a.Snapshot();
  interchange::ExportInput in{*reg, *snap, now, a.rules()};
  interchange::RecordVersions versions;
  std::string ngsi = "[";
  for (const auto& e : interchange::NgsiLdEntities(in, interchange::NgsiForm::kNormalized)) {
    ngsi += (ngsi.size() > 1 ? "," : "") + e.dump();
  }
  ngsi += "]";
  for (FeedFormat format : {FeedFormat::kDatex2Status, FeedFormat::kNgsiLd}) {
    FeedConfig feed = Feed();
    feed.mapping.clear();
    for (const char* id : {"P1", "P2", "P3"}) {
      const std::string theirs =
          format == FeedFormat::kNgsiLd ? std::string("urn:ngsi-ld:OffStreetParking:rt:") + id : id;
      feed.mapping.emplace(theirs, model::FacilityId(id));
    }
    auto readings = format == FeedFormat::kDatex2Status
                        ? ReadDatex2Status(interchange::ParkingStatusPublication(in, {}, versions))
                        : ReadNgsiLdParking(ngsi);
    ASSERT_TRUE(readings.ok()) << readings.status().ToString();
    FeedTranslator t(feed);
    state::LiveState b(*registry::Registry::Build(TwoCarParks()));
    for (const model::Observation& o : t.Translate(*readings).observations) b.Apply(o);
    ExpectSameLiveState(a, b, now);
  }
}

// --------------------------------------------------------------------------- configuration

TEST(LoadFeeds, ErrorsNameTheFileTheFeedAndTheField) {
  testing::TempDir dir;
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir.File(name)) << text;
    return dir.File(name);
  };
  write("map.csv", "their_id,facility\nPGS-1,F1\n\"urn:x:2\",F2\n");
  auto ok = LoadFeeds(write("ok.json", R"({"feeds": [{"id": "a", "format": "datex2",
      "url": "http://10.0.0.5:8080/x.xml?y=1", "source": "s", "mapping": "map.csv", "interval_s": 30}]})"));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ((*ok)[0].http.host, "10.0.0.5");
  EXPECT_EQ((*ok)[0].http.port, 8080);
  EXPECT_EQ((*ok)[0].http.target, "/x.xml?y=1");
  EXPECT_EQ((*ok)[0].mapping.at("urn:x:2"), model::FacilityId("F2"));
  EXPECT_EQ((*ok)[0].interval, std::chrono::seconds(30));

  auto no_url = LoadFeeds(write("b.json", R"({"feeds": [{"id": "a", "format": "datex2",
      "source": "s", "mapping": "map.csv"}]})"));
  EXPECT_NE(no_url.status().message().find("b.json: feed \"a\": url"), std::string::npos)
      << no_url.status().message();
  auto https = LoadFeeds(write("c.json", R"({"feeds": [{"id": "a", "format": "datex2",
      "url": "https://x/y", "source": "s", "mapping": "map.csv"}]})"));
  EXPECT_NE(https.status().message().find("http://"), std::string::npos);
  auto format = LoadFeeds(write("d.json", R"({"feeds": [{"id": "a", "format": "xml",
      "url": "http://x/y", "source": "s", "mapping": "map.csv"}]})"));
  EXPECT_NE(format.status().message().find("datex2 or ngsi-ld"), std::string::npos);
  write("bad.csv", "their_id,facility\nPGS-1,F 1\n");
  auto mapping = LoadFeeds(write("e.json", R"({"feeds": [{"id": "a", "format": "datex2",
      "url": "http://x/y", "source": "s", "mapping": "bad.csv"}]})"));
  EXPECT_NE(mapping.status().message().find("bad.csv:2:"), std::string::npos)
      << mapping.status().message();
  EXPECT_FALSE(LoadFeeds(dir.File("missing.json")).ok());
}

}  // namespace
}  // namespace pg::ingest::pull

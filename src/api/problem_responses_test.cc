#include "api/problem_responses.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace pg::api {
namespace {

using nlohmann::json;

std::string HeaderOf(const http::Response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

TEST(ProblemFromStatus, MapsEachCodeToOneHttpStatus) {
  struct Case {
    Status s;
    int http;
  };
  for (const Case& c : {Case{InvalidArgument("bad", "f"), 400}, Case{Unauthenticated("who"), 401},
                        Case{PermissionDenied("no"), 403}, Case{NotFound("gone"), 404},
                        Case{AlreadyExists("twice"), 409}, Case{FailedPrecondition("not yet"), 409},
                        Case{ResourceExhausted("slow down"), 429}, Case{Unavailable("later"), 503},
                        Case{Internal("oops"), 500}}) {
    const http::Response r = ProblemFromStatus(c.s);
    EXPECT_EQ(r.status, c.http) << c.s.ToString();
    EXPECT_EQ(r.content_type, "application/problem+json");
    EXPECT_EQ(json::parse(r.body)["status"], c.http);
  }
  EXPECT_EQ(HeaderOf(ProblemFromStatus(Unauthenticated("who")), "WWW-Authenticate"),
            "Bearer realm=\"parkguide\"");
  EXPECT_EQ(HeaderOf(ProblemFromStatus(Unavailable("later")), "Retry-After"), "1");
  EXPECT_EQ(
      HeaderOf(ProblemFromStatus(Unavailable("later").WithRetryAfter(std::chrono::seconds(7))),
               "Retry-After"),
      "7");
}

TEST(ProblemFromStatus, NamesTheFieldInDetailAndInvalidParams) {
  const json p = json::parse(ProblemFromStatus(InvalidArgument("must be 1..1000", "limit")).body);
  EXPECT_EQ(p["detail"], "limit: must be 1..1000");
  EXPECT_EQ(p["invalid_params"][0]["name"], "limit");
  EXPECT_EQ(p["invalid_params"][0]["reason"], "must be 1..1000");
}

TEST(ProblemFromStatus, AShapeSetsTypeStatusTitleAndEveryRefusedField) {
  ProblemShape shape;
  shape.type = "urn:parkguide:problem:invalid-observations";
  shape.invalid_params = {{"items[0].free", "negative"}, {"items[3].time", "in the future"}};
  const http::Response r = ProblemFromStatus(InvalidArgument("2 of 5 items refused"), shape);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.content_type, "application/problem+json");
  const json p = json::parse(r.body);
  EXPECT_EQ(p["type"], shape.type);
  EXPECT_EQ(p["detail"], "2 of 5 items refused");
  ASSERT_EQ(p["invalid_params"].size(), 2u);
  EXPECT_EQ(p["invalid_params"][1]["name"], "items[3].time");

  ProblemShape too_large;
  too_large.status = 413;
  EXPECT_EQ(ProblemFromStatus(ResourceExhausted("over 1 MiB"), too_large).status, 413);

  ProblemShape unsnappable;
  unsnappable.status = 422;
  unsnappable.title = "Unsnappable Point";
  const json u = json::parse(ProblemFromStatus(NotFound("no road", "dest"), unsnappable).body);
  EXPECT_EQ(u["title"], "Unsnappable Point");
  EXPECT_EQ(u["status"], 422);

  const http::Response busy = ProblemFromStatus(
      ResourceExhausted("over the rate").WithRetryAfter(std::chrono::seconds(3)), ProblemShape{});
  EXPECT_EQ(busy.status, 429);
  EXPECT_EQ(HeaderOf(busy, "Retry-After"), "3");
}

TEST(QueryValues, ReadTheSameWayOnEveryEndpoint) {
  EXPECT_EQ(*WholeNumber("42", "limit", 1, 50), 42);
  EXPECT_EQ(WholeNumber("51", "limit", 1, 50).status().message(),
            "'51' is not a whole number in 1–50");
  const Status stay = WholeNumber("1.5", "stay", 1, 60, "minutes").status();
  EXPECT_EQ(stay.message(), "'1.5' is not a whole number of minutes in 1–60");
  EXPECT_EQ(stay.field(), "stay");
  EXPECT_DOUBLE_EQ(*RealNumber("2.5", "height", 1, 6, "metres"), 2.5);
  for (const char* bad : {"nan", "inf", "7", "x"}) {
    EXPECT_EQ(RealNumber(bad, "height", 1, 6, "metres").status().field(), "height") << bad;
  }
  EXPECT_FALSE(*Flag(std::nullopt, "explain"));
  EXPECT_TRUE(*Flag(std::string_view(""), "explain"));
  EXPECT_TRUE(*Flag(std::string_view("true"), "explain"));
  EXPECT_FALSE(*Flag(std::string_view("0"), "explain"));
  EXPECT_EQ(Flag(std::string_view("yes"), "explain").status().field(), "explain");
  const Timestamp now = *ParseRfc3339("2026-12-06T08:00:00Z");
  EXPECT_EQ(*ArrivalTime("2026-12-06T09:00:00Z", "arrive", now), now + std::chrono::hours(1));
  EXPECT_EQ(ArrivalTime("2026-12-06T07:58:00Z", "arrive", now).status().message(),
            "must not be in the past");
  EXPECT_EQ(ArrivalTime("2026-12-07T08:00:01Z", "at", now).status().field(), "at");
  EXPECT_EQ(ArrivalTime("tomorrow", "at", now).status().field(), "at");
}

}  // namespace
}  // namespace pg::api

#include "api/http/router.h"

#include <gtest/gtest.h>

namespace pg::api::http::internal {
namespace {

Handler Returning(std::string body) {
  return [body = std::move(body)](const Request&) { return Response::Json(200, body); };
}

std::string Call(const Router::Match& m) {
  Request req;
  return m.route->handler(req).body;
}

TEST(PercentDecode, DecodesEscapesAndOptionallyPlus) {
  EXPECT_EQ(PercentDecode("a%20b%2Fc%e4%B8%ad", false).value(), "a b/c\xe4\xb8\xad");
  EXPECT_EQ(PercentDecode("a+b", false).value(), "a+b");
  EXPECT_EQ(PercentDecode("a+b", true).value(), "a b");
  EXPECT_EQ(PercentDecode("%2B", true).value(), "+");
}

TEST(PercentDecode, RejectsTruncatedOrNonHexEscapes) {
  EXPECT_EQ(PercentDecode("%", false).status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(PercentDecode("%4", false).ok());
  EXPECT_FALSE(PercentDecode("%G0", false).ok());
  EXPECT_FALSE(PercentDecode("abc%", true).ok());
}

TEST(ParseTarget, SplitsPathSegmentsAndQuery) {
  auto t = ParseTarget("/api/v1/facilities/F%2F1?limit=10&kind=ev+car&kind=x&empty=&bare");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->path, "/api/v1/facilities/F/1");
  EXPECT_EQ(t->segments, (std::vector<std::string>{"api", "v1", "facilities", "F/1"}));
  EXPECT_EQ(t->raw_query, "limit=10&kind=ev+car&kind=x&empty=&bare");
  std::vector<std::pair<std::string, std::string>> want = {
      {"limit", "10"}, {"kind", "ev car"}, {"kind", "x"}, {"empty", ""}, {"bare", ""}};
  EXPECT_EQ(t->query, want);
}

TEST(ParseTarget, RootHasNoSegments) {
  auto t = ParseTarget("/");
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->segments.empty());
  EXPECT_EQ(ParseTarget("/?").value().query.size(), 0u);
}

TEST(ParseTarget, AcceptsAbsoluteForm) {
  auto t = ParseTarget("http://example.org:8080/health?x=1");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->path, "/health");
  EXPECT_EQ(t->raw_query, "x=1");
  EXPECT_EQ(ParseTarget("http://example.org").value().path, "/");
}

TEST(ParseTarget, RejectsBadTargetsNamingTheFieldAtFault) {
  EXPECT_EQ(ParseTarget("health").status().field(), "path");
  EXPECT_EQ(ParseTarget("*").status().field(), "path");
  EXPECT_EQ(ParseTarget("/a%zz").status().field(), "path");
  EXPECT_EQ(ParseTarget("/a%00b").status().field(), "path");
  EXPECT_EQ(ParseTarget("/a?%zz=1").status().field(), "query");
  EXPECT_EQ(ParseTarget("/a?limit=%zz").status().field(), "limit");
}

TEST(Router, MatchesExactAndParamSegments) {
  Router r;
  r.Add("GET", "/api/v1/facilities/{id}", Returning("one"));
  r.Add("GET", "/api/v1/facilities/{id}/history", Returning("history"));
  r.Add("GET", "/", Returning("root"));

  auto m = r.Find("GET", {"api", "v1", "facilities", "F12"});
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(Call(m), "one");
  EXPECT_EQ(m.params.at("id"), "F12");

  m = r.Find("GET", {"api", "v1", "facilities", "F12", "history"});
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(Call(m), "history");

  EXPECT_EQ(Call(r.Find("GET", {})), "root");
  EXPECT_EQ(r.Find("GET", {"api", "v1", "facilities"}).outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(r.Find("GET", {"api", "v1", "facilities", "F12", ""}).outcome,
            Router::Outcome::kNotFound);
}

TEST(Router, LiteralSegmentBeatsParameterWhateverTheOrder) {
  Router r;
  r.Add("GET", "/a/{x}/c", Returning("param first"));
  r.Add("GET", "/a/b/{y}", Returning("literal first"));
  r.Add("GET", "/a/{x}/{y}", Returning("all params"));
  EXPECT_EQ(Call(r.Find("GET", {"a", "b", "c"})), "literal first");
  EXPECT_EQ(Call(r.Find("GET", {"a", "z", "c"})), "param first");
  EXPECT_EQ(Call(r.Find("GET", {"a", "z", "z"})), "all params");
}

TEST(Router, FallsBackToALessSpecificPatternServingTheMethod) {
  Router r;
  r.Add("GET", "/signs/{id}", Returning("get"));
  r.Add("POST", "/signs/new", Returning("post"));
  auto m = r.Find("GET", {"signs", "new"});
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(Call(m), "get");
  EXPECT_EQ(m.params.at("id"), "new");
}

TEST(Router, MethodNotAllowedListsEveryMethodServedOnThePath) {
  Router r;
  r.Add("GET", "/signs/{id}", Returning("get"));
  r.Add("PUT", "/signs/{id}", Returning("put"));
  r.Add("DELETE", "/signs/S1", Returning("delete"));
  auto m = r.Find("PATCH", {"signs", "S1"});
  EXPECT_EQ(m.outcome, Router::Outcome::kMethodNotAllowed);
  EXPECT_EQ(m.allowed, (std::vector<std::string>{"DELETE", "GET", "HEAD", "OPTIONS", "PUT"}));
  EXPECT_EQ(r.Find("PATCH", {"nothing"}).allowed.size(), 0u);
}

TEST(Router, HeadUsesGetUnlessHeadIsRouted) {
  Router r;
  r.Add("GET", "/x", Returning("get"));
  auto m = r.Find("HEAD", {"x"});
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_TRUE(m.head_via_get);
  EXPECT_EQ(Call(m), "get");
  r.Add("HEAD", "/x", Returning("head"));
  m = r.Find("HEAD", {"x"});
  EXPECT_FALSE(m.head_via_get);
  EXPECT_EQ(Call(m), "head");
}

TEST(Router, MethodsAreCaseSensitiveAndALaterAddReplaces) {
  Router r;
  r.Add("GET", "/x", Returning("first"));
  r.Add("GET", "/x", Returning("second"));
  EXPECT_EQ(Call(r.Find("GET", {"x"})), "second");
  EXPECT_EQ(r.Find("get", {"x"}).outcome, Router::Outcome::kMethodNotAllowed);
}

}  // namespace
}  // namespace pg::api::http::internal

#include "api/http/message.h"

#include <gtest/gtest.h>

#include "api/http/event_stream.h"

namespace pg::api::http {
namespace {

TEST(Response, ProblemWithoutFieldHasTheFourMembers) {
  Response r = Response::Problem(404, "Not Found", "no facility 'F9'");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.content_type, "application/problem+json");
  EXPECT_EQ(
      r.body,
      R"({"type":"about:blank","title":"Not Found","status":404,"detail":"no facility 'F9'"})");
}

TEST(Response, ProblemWithFieldNamesItInInvalidParams) {
  Response r = Response::Problem(400, "Bad Request", "limit: must be 1–1000", "limit");
  EXPECT_EQ(r.body, R"({"type":"about:blank","title":"Bad Request","status":400,)"
                    R"("detail":"limit: must be 1–1000",)"
                    R"("invalid_params":[{"name":"limit","reason":"must be 1–1000"}]})");
  // A detail that does not start with the field is the reason as it stands.
  r = Response::Problem(400, "Bad Request", "must be positive", "offset");
  EXPECT_NE(r.body.find(R"({"name":"offset","reason":"must be positive"})"), std::string::npos);
}

TEST(Response, ProblemTakesAUrnType) {
  Response r = Response::Problem(409, "Stale", "x", {}, "urn:parkguide:problem:stale");
  EXPECT_EQ(r.body.rfind(R"({"type":"urn:parkguide:problem:stale","title":"Stale")", 0), 0u);
}

TEST(Response, ProblemEscapesTextAndReplacesInvalidUtf8) {
  Response r = Response::Problem(400, "Bad \"Request\"", "a\\b\n\x01\xff\xc3(ok 停车场", "q\"");
  EXPECT_EQ(r.body, R"({"type":"about:blank","title":"Bad \"Request\"","status":400,)"
                    R"("detail":"a\\b\n\u0001)"
                    "\xEF\xBF\xBD\xEF\xBF\xBD"
                    R"((ok 停车场","invalid_params":[{"name":"q\"","reason":"a\\b\n\u0001)"
                    "\xEF\xBF\xBD\xEF\xBF\xBD"
                    R"((ok 停车场"}]})");
}

TEST(Response, JsonAndStreamHelpers) {
  Response j = Response::Json(201, R"({"accepted":1})");
  EXPECT_EQ(j.status, 201);
  EXPECT_EQ(j.content_type, "application/json");
  auto stream = std::make_shared<EventStream>();
  Response s = Response::Stream(stream);
  EXPECT_EQ(s.status, 200);
  EXPECT_EQ(s.content_type, "text/event-stream");
  EXPECT_EQ(s.stream, stream);
}

TEST(Request, QueryGivesTheFirstValueAndHeaderTheFirstMatch) {
  Request req;
  req.query = {{"kind", "ev"}, {"kind", "car"}, {"flag", ""}};
  req.headers = {{"last-event-id", "17"}, {"x-a", "1"}, {"x-a", "2"}};
  EXPECT_EQ(req.Query("kind"), "ev");
  EXPECT_EQ(req.Query("flag"), "");
  EXPECT_FALSE(req.Query("limit").has_value());
  EXPECT_EQ(req.Header("last-event-id"), "17");
  EXPECT_EQ(req.Header("x-a"), "1");
  EXPECT_EQ(req.Header("authorization"), "");
}

TEST(StatusReason, NamesCommonCodes) {
  EXPECT_EQ(StatusReason(413), "Content Too Large");
  EXPECT_EQ(StatusReason(599), "Unknown");
}

TEST(FormatEvent, FramesIdEventAndEachDataLine) {
  EXPECT_EQ(FormatEvent("facility", "{\"free\":3}", 42),
            "id: 42\nevent: facility\ndata: {\"free\":3}\n\n");
  EXPECT_EQ(FormatEvent("", "a\nb\r\nc\rd"), "data: a\ndata: b\ndata: c\ndata: d\n\n");
  EXPECT_EQ(FormatEvent("", ""), "data: \n\n");
  EXPECT_EQ(FormatEvent("", "end\n"), "data: end\ndata: \n\n");
  EXPECT_EQ(FormatEvent("bad\r\nname", "x"), "event: badname\ndata: x\n\n");
}

TEST(EventStream, PushBeforeAttachIsBoundedByTheDefault) {
  EventStream s;
  EXPECT_TRUE(s.Push("", std::string(EventStream::kDefaultMaxQueuedBytes / 2, 'a')));
  EXPECT_FALSE(s.closed());
  EXPECT_FALSE(s.Push("", std::string(EventStream::kDefaultMaxQueuedBytes / 2, 'a')));
  EXPECT_TRUE(s.closed());
}

TEST(EventStream, CloseIsFinal) {
  EventStream s;
  s.Close();
  s.Close();
  EXPECT_TRUE(s.closed());
  EXPECT_FALSE(s.Push("x", "y"));
}

TEST(AcceptsEncoding, ReadsNamesWildcardsAndQValues) {
  EXPECT_TRUE(AcceptsEncoding("gzip, deflate, br", "gzip"));
  EXPECT_TRUE(AcceptsEncoding("GZip;q=0.5", "gzip"));
  EXPECT_TRUE(AcceptsEncoding("*", "gzip"));
  EXPECT_FALSE(AcceptsEncoding("", "gzip"));
  EXPECT_FALSE(AcceptsEncoding("deflate, br", "gzip"));
  EXPECT_FALSE(AcceptsEncoding("gzip;q=0, *", "gzip"));
  EXPECT_FALSE(AcceptsEncoding("*, gzip;q=0", "gzip"));
  EXPECT_FALSE(AcceptsEncoding("*;q=0", "gzip"));
  EXPECT_FALSE(AcceptsEncoding("gzip;q=zero", "gzip"));
}

}  // namespace
}  // namespace pg::api::http

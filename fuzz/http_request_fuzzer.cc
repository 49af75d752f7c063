// An HTTP/1.1 request as the server reads it (api/http/server.cc): raw bytes through Beast's
// request parser with the server's limits, then the target split and percent-decoded
// (ParseTarget), the route found, the query and headers read as a handler reads them, and a
// parse failure answered as the server answers it — whose problem body must be valid JSON.
#include <boost/beast/core/buffers_prefix.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <nlohmann/json.hpp>

#include "api/http/message.h"
#include "api/http/router.h"
#include "core/status.h"
#include "core/strings.h"
#include "fuzz/fuzz_support.h"

namespace bhttp = boost::beast::http;
using namespace pg::api::http;

namespace {

std::string_view ToStd(boost::beast::string_view s) { return {s.data(), s.size()}; }

const internal::Router& Routes() {
  static const internal::Router router = [] {
    internal::Router r;
    Handler ok = [](const Request&) { return Response::Json(200, "{}"); };
    for (const char* pattern :
         {"/health", "/api/v1/facilities", "/api/v1/facilities/{id}",
          "/api/v1/facilities/{id}/history", "/api/v1/signs/{id}/ack",
          "/api/v1/controllers/{id}/heartbeat", "/api/v1/route", "/api/v1/{kind}/{id}/forecast"}) {
      r.Add("GET", pattern, ok);
      r.Add("POST", pattern, ok);
    }
    return r;
  }();
  return router;
}

void CheckProblem(const pg::Status& s) {
  Response r = Response::Problem(400, "Bad Request", s.message(), s.field());
  pg::fuzz::Check(nlohmann::json::accept(r.body), "a problem body is valid JSON");
}

// What Dispatch does with a request Beast parsed.
void Handle(bhttp::request<bhttp::string_body>& message) {
  auto target = internal::ParseTarget(ToStd(message.target()));
  if (!target.ok()) return CheckProblem(target.status());
  Request request;
  request.method = std::string(ToStd(message.method_string()));
  request.path = target->path;
  request.raw_query = target->raw_query;
  request.query = target->query;
  for (const auto& field : message) {
    request.headers.emplace_back(pg::ToLowerAscii(ToStd(field.name_string())),
                                 std::string(ToStd(field.value())));
  }
  request.body = std::move(message.body());
  internal::Router::Match match = Routes().Find(request.method, target->segments);
  request.path_params = match.params;
  (void)request.Query("id");
  (void)request.Query("");
  (void)request.Header("authorization");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(32 << 10);  // Server::Options' defaults
  parser.body_limit(16 << 20);
  parser.eager(true);
  boost::beast::error_code ec;
  boost::asio::const_buffer rest(data, size);
  while (rest.size() > 0 && !parser.is_done()) {
    size_t used = parser.put(rest, ec);
    if (ec == bhttp::error::need_more) break;
    if (ec) {
      CheckProblem(pg::InvalidArgument("malformed request: " + ec.message()));
      return 0;
    }
    if (used == 0) break;
    rest += used;
  }
  if (!parser.is_done()) {
    if (!parser.got_some()) return 0;  // the server closes such a connection without a word
    parser.put_eof(ec);
    if (ec || !parser.is_done()) return 0;
  }
  bhttp::request<bhttp::string_body> message = parser.release();
  Handle(message);
  return 0;
}

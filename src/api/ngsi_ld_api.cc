#include "api/ngsi_ld_api.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <variant>

#include "api/ngsi_ld_query.h"
#include "api/problem_responses.h"
#include "core/strings.h"
#include "core/text_bounds.h"
#include "interchange/ngsi_ld_entities.h"

namespace pg::api {
namespace {

using http::Request;
using http::Response;
using interchange::NgsiForm;
using nlohmann::json;

constexpr int kDefaultLimit = 20;
constexpr int kMaxLimit = 1000;
constexpr size_t kMaxParamChars = 1024;

Response BadRequest(std::string_view param, std::string_view reason) {
  return NgsiProblem(400, "BadRequestData", "Bad request data",
                     fmt::format("{}: {}", param, reason));
}

struct Representation {
  NgsiForm form = NgsiForm::kNormalized;
  bool ld_json = false;  // application/ld+json: the @context inside
};

// The form from options/format, the media type from Accept; an error response otherwise.
std::variant<Representation, Response> RepresentationOf(const Request& req) {
  Representation rep;
  for (const char* name : {"options", "format"}) {
    auto v = req.Query(name);
    if (!v) continue;
    for (std::string_view word : SplitString(*v, ',')) {
      word = TrimSpace(word);
      if (word == "keyValues" || word == "simplified") {
        rep.form = NgsiForm::kKeyValues;
      } else if (word == "normalized") {
        rep.form = NgsiForm::kNormalized;
      } else if (word != "sysAttrs") {
        return BadRequest(name, fmt::format("'{}' is not keyValues, simplified or normalized",
                                            BoundedText(word, 40)));
      }
    }
  }
  const std::string accept = req.Header("accept");
  if (accept.find("application/ld+json") != std::string::npos) {
    rep.ld_json = true;
  } else if (!accept.empty() && accept.find("application/json") == std::string::npos &&
             accept.find("*/*") == std::string::npos &&
             accept.find("application/*") == std::string::npos) {
    return NgsiProblem(406, "NotAcceptable", "Not acceptable",
                       "Accept: application/json or application/ld+json");
  }
  return rep;
}

Response EntityResponse(json body, const Representation& rep) {
  Response r;
  if (rep.ld_json) {
    r.content_type = "application/ld+json";
    const json context = {interchange::kParkingContext, interchange::kCoreContext};
    if (body.is_array()) {
      for (json& e : body) e["@context"] = context;
    } else {
      body["@context"] = context;
    }
  } else {
    r.content_type = "application/json";
    r.headers.emplace_back("Link",
                           fmt::format("<{}>; rel=\"http://www.w3.org/ns/json-ld#context\"; "
                                       "type=\"application/ld+json\"",
                                       interchange::kParkingContext));
  }
  r.body = body.dump();
  return r;
}

// `idPattern` as a literal prefix: "^urn:ngsi-ld:ParkingSpot:x:Z1.*" →
// "urn:ngsi-ld:ParkingSpot:x:Z1".
Result<std::string> IdPrefix(std::string_view pattern) {
  if (pattern.size() > 2 && pattern.substr(pattern.size() - 2) == ".*") pattern.remove_suffix(2);
  if (!pattern.empty() && pattern.front() == '^') pattern.remove_prefix(1);
  if (pattern.find_first_of("^$.*+?()[]{}|\\") != std::string_view::npos) {
    return InvalidArgument("only a literal prefix is supported: ^urn:ngsi-ld:Type:….*",
                           "idPattern");
  }
  return std::string(pattern);
}

class Handlers {
 public:
  explicit Handlers(NgsiLdApiContext c) : c_(c) {}

  Response Query(const Request& req) {
    for (const auto& [name, value] : req.query) {
      if (value.size() > kMaxParamChars) return BadRequest(name, "is too long");
    }
    auto rep = RepresentationOf(req);
    if (auto* error = std::get_if<Response>(&rep)) return std::move(*error);
    std::vector<std::string> types;
    if (auto t = req.Query("type")) {
      for (auto part : SplitString(*t, ',')) types.push_back(interchange::NgsiShortType(part));
    }
    std::vector<std::string> ids;
    if (auto i = req.Query("id")) {
      for (auto part : SplitString(*i, ',')) ids.emplace_back(TrimSpace(part));
    }
    std::optional<std::string> prefix;
    if (auto p = req.Query("idPattern")) {
      auto parsed = IdPrefix(*p);
      if (!parsed.ok()) return BadRequest("idPattern", parsed.status().message());
      prefix = *parsed;
    }
    std::vector<QueryTerm> terms;
    if (auto q = req.Query("q")) {
      auto parsed = ParseQuery(*q);
      if (!parsed.ok()) return BadRequest("q", parsed.status().message());
      terms = std::move(*parsed);
    }
    if (types.empty() && ids.empty() && !prefix && terms.empty()) {
      return BadRequest("type", "give at least one of type, id, idPattern or q (§5.7.2)");
    }
    const bool count = req.Query("count").value_or("false") == "true";
    auto limit = IntParam(req, "limit", kDefaultLimit, count ? 0 : 1, kMaxLimit);
    auto offset = IntParam(req, "offset", 0, 0, 1 << 30);
    if (!limit.ok()) return BadRequest("limit", limit.status().message());
    if (!offset.ok()) return BadRequest("offset", offset.status().message());

    auto reg = c_.live->registry();
    auto snap = c_.live->Snapshot();
    interchange::ExportInput in{*reg, *snap, c_.clock->Now(), c_.live->rules()};
    std::vector<json> matches;
    for (json& e : interchange::NgsiLdEntities(in, NgsiForm::kKeyValues, types)) {
      const std::string& id = e["id"].get_ref<const std::string&>();
      if (!ids.empty() && std::find(ids.begin(), ids.end(), id) == ids.end()) continue;
      if (prefix && id.rfind(*prefix, 0) != 0) continue;
      if (!Matches(e, terms)) continue;
      matches.push_back(std::move(e));
    }
    json page = json::array();
    const Representation& r = std::get<Representation>(rep);
    const size_t end = std::min(matches.size(), static_cast<size_t>(*offset) + *limit);
    for (size_t i = *offset; i < end; ++i) {
      page.push_back(r.form == NgsiForm::kNormalized ? interchange::Normalized(matches[i])
                                                     : std::move(matches[i]));
    }
    Response out = EntityResponse(std::move(page), r);
    if (count) out.headers.emplace_back("NGSILD-Results-Count", std::to_string(matches.size()));
    if (*limit > 0 && end < matches.size()) {
      out.headers.emplace_back("Link", fmt::format("<{}>; rel=\"next\"", PageLink(req, end)));
    }
    return out;
  }

  Response One(const Request& req) {
    auto rep = RepresentationOf(req);
    if (auto* error = std::get_if<Response>(&rep)) return std::move(*error);
    const std::string& id = req.path_params.at("id");
    if (id.find(':') == std::string::npos) return BadRequest("entityId", "is not a URI");
    auto reg = c_.live->registry();
    auto snap = c_.live->Snapshot();
    interchange::ExportInput in{*reg, *snap, c_.clock->Now(), c_.live->rules()};
    auto entity = interchange::NgsiLdEntity(in, std::get<Representation>(rep).form, id);
    if (!entity) {
      return NgsiProblem(404, "ResourceNotFound", "Entity not found", BoundedText(id, 200));
    }
    return EntityResponse(std::move(*entity), std::get<Representation>(rep));
  }

 private:
  NgsiLdApiContext c_;
};

}  // namespace

void RegisterNgsiLdApi(http::Server& server, const NgsiLdApiContext& context) {
  auto h = std::make_shared<Handlers>(context);
  // A query renders every entity of its types: on the worker pool, off the io threads.
  server.Route(
      "GET", "/ngsi-ld/v1/entities", [h](const Request& req) { return h->Query(req); },
      http::RouteOptions::OnWorker());
  server.Route(
      "GET", "/ngsi-ld/v1/entities/{id}", [h](const Request& req) { return h->One(req); },
      http::RouteOptions::OnWorker());
}

}  // namespace pg::api

#include "api/guidance_api.h"

#include <date/tz.h>
#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "api/route_json.h"
#include "core/strings.h"
#include "model/vocabulary.h"

namespace pg::api {
namespace {

using guidance::GuidanceRequest;
using http::Request;
using http::Response;
using nlohmann::json;

using Query = std::vector<std::pair<std::string, std::string>>;

std::optional<std::string_view> Get(const Query& query, std::string_view name) {
  for (const auto& [k, v] : query) {
    if (k == name) return v;
  }
  return std::nullopt;
}

Result<bool> Flag(const Query& query, std::string_view name) {
  auto v = Get(query, name);
  if (!v) return false;
  if (*v == "1" || *v == "true" || v->empty()) return true;
  if (*v == "0" || *v == "false") return false;
  return InvalidArgument(fmt::format("'{}' is not 1, 0, true or false", *v), std::string(name));
}

Result<double> Number(std::string_view text, std::string_view name, double low, double high,
                      std::string_view unit) {
  auto d = ParseDouble(text);
  if (!d || !std::isfinite(*d) || *d < low || *d > high) {
    return InvalidArgument(
        fmt::format("'{}' is not a number of {} in {:g}–{:g}", text, unit, low, high),
        std::string(name));
  }
  return *d;
}

Result<int> Whole(std::string_view text, std::string_view name, int low, int high,
                  std::string_view unit) {
  auto n = ParseInt(text);
  if (!n || *n < low || *n > high) {
    return InvalidArgument(
        fmt::format("'{}' is not a whole number of {} in {}–{}", text, unit, low, high),
        std::string(name));
  }
  return static_cast<int>(*n);
}

std::string_view StateName(state::OccupancyState s) { return state::Name(s); }

json NameJson(const model::LocalizedName& n, guidance::Lang lang) {
  return n.In(lang == guidance::Lang::kZh ? "zh" : "en");
}

json PlaceJson(const guidance::RankedPlace& r, size_t rank, const registry::Registry& reg,
               const GuidanceRequest& req, Timestamp now) {
  const auto& zone = reg.time_zone();
  const guidance::Availability& a = r.availability;
  json j{{"rank", rank}};
  if (r.facility != nullptr) {
    j["facility"] = r.id;
    j["kind"] = model::Name(r.facility->kind);
  } else {
    j["site"] = r.id;
    j["connectors"] = r.connectors;
    j["max_power_kw"] = r.max_power_kw;
  }
  j["name"] = NameJson(r.name, req.lang);
  j["entrance"] = {{"id", r.entrance_id},
                   {"lat", RoundTo(r.entrance.lat, 1e7)},
                   {"lon", RoundTo(r.entrance.lon, 1e7)}};
  j["drive"] = r.drive_time_ms ? json{{"time_s", RoundTo(*r.drive_time_ms / 1000.0, 10)},
                                      {"distance_m", RoundTo(r.drive_distance_dm / 10.0, 10)}}
                               : json(nullptr);
  j["walk"] = {{"time_s", RoundTo(r.walk_time_ms / 1000.0, 10)},
               {"distance_m", RoundTo(r.walk_distance_dm / 10.0, 10)}};
  j["arrival"] = FormatRfc3339(r.arrival, zone);
  json avail{{"source", guidance::Name(a.source)},
             {"p_free", RoundTo(a.p_free, 1000)},
             {"expected_free", a.expected_free ? json(*a.expected_free) : json(nullptr)},
             {"free_now", a.free_now ? json(*a.free_now) : json(nullptr)},
             {"capacity", a.capacity},
             {"updated", a.updated ? json(FormatRfc3339(*a.updated, zone)) : json(nullptr)},
             {"age_s", a.updated ? json((now - *a.updated).count() / 1000) : json(nullptr)},
             {"forecast", a.forecast_method.empty() ? json(nullptr) : json(a.forecast_method)}};
  if (r.facility != nullptr) avail["state_now"] = StateName(a.state_now);
  j["availability"] = std::move(avail);
  j["price"] = {{"amount", r.price_fen / 100.0},
                {"fen", r.price_fen},
                {"currency", "CNY"},
                {"stay_minutes", req.stay_minutes},
                {"known", r.price_known}};
  const model::Facility* f = r.facility;
  j["hours"] = {
      {"open_at_arrival", r.open_at_arrival},
      {"opening_hours", f && !f->opening_hours.empty() ? json(f->opening_hours) : json(nullptr)},
      {"closes_in_minutes", r.closes_in_minutes ? json(*r.closes_in_minutes) : json(nullptr)}};
  j["score"] = {{"expected_cost_s", RoundTo(r.cost.total_ms / 1000.0, 10)},
                {"components",
                 {{"drive_s", RoundTo(r.cost.drive_ms / 1000.0, 10)},
                  {"walk_s", RoundTo(r.cost.walk_ms / 1000.0, 10)},
                  {"price_s", RoundTo(r.cost.price_ms / 1000.0, 10)},
                  {"full_risk_s", RoundTo(r.cost.full_risk_ms / 1000.0, 10)}}},
                {"fallback", r.fallback_id.empty() ? json(nullptr) : json(r.fallback_id)},
                {"text", r.summary}};
  j["route"] = r.route.empty() ? json(nullptr)
                               : json{{"type", "Feature"},
                                      {"properties", {{"to_entrance", r.entrance_id}}},
                                      {"geometry", LineStringJson(r.route)}};
  return j;
}

Response Problem(const Status& s) {
  if (s.code() == StatusCode::kInvalidArgument) return BadRequest(s);
  if (s.code() == StatusCode::kNotFound) return UnsnappableProblem(s);
  return Response::Problem(500, "Internal Server Error", s.message());
}

}  // namespace

Result<GuidanceRequest> ParseGuidanceRequest(const Query& query, Timestamp now) {
  GuidanceRequest r;
  auto dest = Get(query, "dest");
  if (!dest) return InvalidArgument("required, as lat,lon", "dest");
  PG_ASSIGN_OR_RETURN(r.dest, ParseLatLon(*dest, "dest"));
  if (auto v = Get(query, "origin")) {
    PG_ASSIGN_OR_RETURN(r.origin, ParseLatLon(*v, "origin"));
  }
  if (auto v = Get(query, "arrive")) {
    auto t = ParseRfc3339(*v);
    if (!t.ok()) return InvalidArgument(t.status().message(), "arrive");
    if (*t < now - Minutes(1)) return InvalidArgument("must not be in the past", "arrive");
    if (*t > now + std::chrono::hours(24)) {
      return InvalidArgument("at most 24 hours ahead", "arrive");
    }
    r.arrive = *t;
  }
  if (auto v = Get(query, "stay")) {
    PG_ASSIGN_OR_RETURN(r.stay_minutes, Whole(*v, "stay", 1, 7 * 24 * 60, "minutes"));
  }
  if (auto v = Get(query, "vehicle")) {
    if (*v == "car") {
      r.vehicle = guidance::Vehicle::kCar;
    } else if (*v == "ev") {
      r.vehicle = guidance::Vehicle::kEv;
    } else {
      return InvalidArgument(fmt::format("'{}' is not car or ev", *v), "vehicle");
    }
  }
  if (auto v = Get(query, "connector")) {
    auto c = model::Parse<model::ConnectorType>(*v);
    if (!c) {
      return InvalidArgument(
          fmt::format("'{}' is not one of {}", *v, model::AllowedNames<model::ConnectorType>()),
          "connector");
    }
    r.connector = *c;
    r.vehicle = guidance::Vehicle::kEv;
  }
  PG_ASSIGN_OR_RETURN(r.accessible, Flag(query, "accessible"));
  if (auto v = Get(query, "height")) {
    PG_ASSIGN_OR_RETURN(r.height_m, Number(*v, "height", 1, 6, "metres"));
  }
  if (auto v = Get(query, "max_walk")) {
    PG_ASSIGN_OR_RETURN(r.max_walk_m, Number(*v, "max_walk", 50, 5000, "metres"));
  }
  if (auto v = Get(query, "limit")) {
    PG_ASSIGN_OR_RETURN(r.limit, Whole(*v, "limit", 1, 50, "results"));
  }
  if (auto v = Get(query, "lang")) {
    if (*v == "zh" || *v == "zh-CN") {
      r.lang = guidance::Lang::kZh;
    } else if (*v == "en") {
      r.lang = guidance::Lang::kEn;
    } else {
      return InvalidArgument(fmt::format("'{}' is not zh or en", *v), "lang");
    }
  }
  PG_ASSIGN_OR_RETURN(r.explain, Flag(query, "explain"));
  return r;
}

std::string GuidanceJson(const guidance::GuidanceAnswer& a, const registry::Registry& reg,
                         const guidance::GuidanceParams& params) {
  const GuidanceRequest& req = a.request;
  const auto& zone = reg.time_zone();
  json results = json::array();
  for (size_t i = 0; i < a.results.size(); ++i) {
    results.push_back(PlaceJson(a.results[i], i + 1, reg, req, a.now));
  }
  json body{{"time", FormatRfc3339(a.now, zone)},
            {"dest", SnappedPointJson(a.dest)},
            {"origin", a.origin ? SnappedPointJson(*a.origin) : json(nullptr)},
            {"request",
             {{"arrive", req.arrive ? json(FormatRfc3339(*req.arrive, zone)) : json(nullptr)},
              {"stay_minutes", req.stay_minutes},
              {"vehicle", req.vehicle == guidance::Vehicle::kEv ? "ev" : "car"},
              {"connector", req.connector ? json(model::Name(*req.connector)) : json(nullptr)},
              {"accessible", req.accessible},
              {"height_m", req.height_m ? json(*req.height_m) : json(nullptr)},
              {"max_walk_m", req.max_walk_m},
              {"limit", req.limit},
              {"lang", req.lang == guidance::Lang::kZh ? "zh" : "en"}}},
            {"parameters",
             {{"value_of_time_fen_per_hour", params.value_of_time_fen_per_hour},
              {"walk_time_factor", params.walk_time_factor},
              {"full_detour_s", params.full_detour_ms / 1000.0},
              {"give_up_s", params.give_up_ms / 1000.0}}},
            {"candidates", a.candidates},
            {"results", std::move(results)}};
  if (req.vehicle == guidance::Vehicle::kEv) {
    json chargers = json::array();
    for (size_t i = 0; i < a.chargers.size(); ++i) {
      chargers.push_back(PlaceJson(a.chargers[i], i + 1, reg, req, a.now));
    }
    body["chargers"] = std::move(chargers);
  }
  if (req.explain) {
    json excluded = json::array();
    for (const auto& e : a.excluded) {
      excluded.push_back({{"facility", e.id},
                          {"name", NameJson(e.name, req.lang)},
                          {"reason", guidance::Name(e.reason)},
                          {"detail", e.detail}});
    }
    body["excluded"] = std::move(excluded);
    body["excluded_far"] = a.excluded_far;
  }
  return body.dump();
}

void RegisterGuidanceApi(http::Server& server, const GuidanceApiContext& context) {
  auto c = std::make_shared<GuidanceApiContext>(context);
  server.Route("GET", "/api/v1/guidance", [c](const Request& req) {
    const Timestamp now = c->clock->Now();
    auto request = ParseGuidanceRequest(req.query, now);
    if (!request.ok()) return BadRequest(request.status());
    if (c->guide == nullptr) {
      return Response::Problem(503, "Service Unavailable",
                               "this city has no road graph: build it with `parkguide "
                               "build-roads CITY.osm.pbf --db CITY.db`",
                               {}, "urn:parkguide:problem:no-road-graph");
    }
    auto snapshot = c->live->Snapshot();
    auto answer = c->guide->Answer(*request, *snapshot, now, c->forecaster, c->live->rules());
    if (!answer.ok()) return Problem(answer.status());
    return Response::Json(200, GuidanceJson(*answer, c->guide->registry(), c->guide->params()));
  });
}

}  // namespace pg::api

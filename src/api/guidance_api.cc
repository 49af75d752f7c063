#include "api/guidance_api.h"

#include <date/tz.h>
#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <iterator>

#include "api/problem_responses.h"
#include "api/route_json.h"
#include "core/strings.h"
#include "model/vocabulary.h"

namespace pg::api {
namespace {

using guidance::GuidanceRequest;
using http::Request;
using http::Response;

using Query = std::vector<std::pair<std::string, std::string>>;

std::optional<std::string_view> Get(const Query& query, std::string_view name) {
  for (const auto& [k, v] : query) {
    if (k == name) return v;
  }
  return std::nullopt;
}

// A streaming JSON writer: the answer is written straight into one string. Guidance answers
// carry a few hundred route coordinates each, and building a DOM for them cost more than the
// ranking itself (docs/benchmarks.md, "Guidance").
class Writer {
 public:
  Writer() { out_.reserve(16 * 1024); }
  std::string Take() { return std::move(out_); }

  Writer& Key(std::string_view k) {
    Comma();
    Quoted(k);
    out_ += ':';
    fresh_ = true;
    return *this;
  }
  Writer& Begin(char bracket) {
    Comma();
    out_ += bracket;
    fresh_ = true;
    return *this;
  }
  Writer& End(char bracket) {
    out_ += bracket;
    fresh_ = false;
    return *this;
  }
  Writer& String(std::string_view v) {
    Comma();
    Quoted(v);
    return *this;
  }
  // Shortest round-trip form of an already rounded number (113.84, 270).
  Writer& Number(double v) {
    Comma();
    fmt::format_to(std::back_inserter(out_), "{}", v);
    return *this;
  }
  // `v` rounded to `decimals` places, trailing zeros dropped (34.1, 270): what Number prints for
  // RoundTo(v, 10^decimals), in integer arithmetic — route coordinates are most of an answer.
  Writer& Fixed(double v, int decimals) {
    Comma();
    static constexpr int64_t kScale[] = {1, 10, 100, 1000, 10'000, 100'000, 1'000'000, 10'000'000};
    const int64_t scale = kScale[decimals];
    int64_t n = std::llround(v * static_cast<double>(scale));
    // Sign, whole part (at most 19 digits), point and fraction: built on the stack, appended once.
    char buf[32];
    size_t len = 0;
    if (n < 0) {
      buf[len++] = '-';
      n = -n;
    }
    const fmt::format_int whole(n / scale);
    std::memcpy(buf + len, whole.data(), whole.size());
    len += whole.size();
    int64_t frac = n % scale;
    if (frac != 0) {
      int digits = decimals;
      while (frac % 10 == 0) {
        frac /= 10;
        --digits;
      }
      buf[len++] = '.';
      for (int i = digits - 1; i >= 0; --i, frac /= 10) {
        buf[len + static_cast<size_t>(i)] = static_cast<char>('0' + frac % 10);
      }
      len += static_cast<size_t>(digits);
    }
    out_.append(buf, len);
    return *this;
  }
  Writer& Int(int64_t v) {
    Comma();
    if (v < 0) out_ += '-';
    Digits(v < 0 ? -v : v);
    return *this;
  }
  Writer& Bool(bool v) {
    Comma();
    out_ += v ? "true" : "false";
    return *this;
  }
  Writer& Null() {
    Comma();
    out_ += "null";
    return *this;
  }
  template <typename T, typename F>
  Writer& Optional(const std::optional<T>& v, F&& write) {
    if (v) {
      write(*v);
    } else {
      Null();
    }
    return *this;
  }

 private:
  void Digits(int64_t n) {
    const fmt::format_int f(n);
    out_.append(f.data(), f.size());
  }
  void Quoted(std::string_view v) { AppendJsonString(out_, v); }
  // A value or key after a sibling needs a comma; the first in a container or after a key does
  // not.
  void Comma() {
    if (!fresh_) out_ += ',';
    fresh_ = false;
  }
  std::string out_;
  bool fresh_ = true;
};

std::string_view LangCode(guidance::Lang lang) { return lang == guidance::Lang::kZh ? "zh" : "en"; }

void WritePoint(Writer& w, const routing::SnappedPoint& p, Crs crs) {
  const LatLon shown = FromWgs84(p.location, crs);
  w.Begin('{');
  w.Key("lat").Fixed(shown.lat, 7);
  w.Key("lon").Fixed(shown.lon, 7);
  w.Key("snap_distance_m").Fixed(p.snap_distance_m, 1);
  w.End('}');
}

void WritePlace(Writer& w, const guidance::RankedPlace& r, size_t rank,
                const registry::Registry& reg, const GuidanceRequest& req, Timestamp now, Crs crs) {
  const auto& zone = reg.time_zone();
  const guidance::Availability& a = r.availability;
  w.Begin('{');
  w.Key("rank").Int(static_cast<int64_t>(rank));
  if (r.facility != nullptr) {
    w.Key("facility").String(r.id);
    w.Key("kind").String(model::Name(r.facility->kind));
  } else {
    w.Key("site").String(r.id);
    w.Key("connectors").Int(r.connectors);
    w.Key("max_power_kw").Number(r.max_power_kw);
  }
  w.Key("name").String(r.name.In(LangCode(req.lang)));
  w.Key("entrance").Begin('{');
  w.Key("id").String(r.entrance_id);
  const LatLon entrance = FromWgs84(r.entrance, crs);
  w.Key("lat").Fixed(entrance.lat, 7);
  w.Key("lon").Fixed(entrance.lon, 7);
  w.End('}');
  w.Key("drive").Optional(r.drive_time_ms, [&](uint32_t ms) {
    w.Begin('{');
    w.Key("time_s").Fixed(ms / 1000.0, 1);
    w.Key("distance_m").Fixed(r.drive_distance_dm / 10.0, 1);
    w.End('}');
  });
  w.Key("walk").Begin('{');
  w.Key("time_s").Fixed(r.walk_time_ms / 1000.0, 1);
  w.Key("distance_m").Fixed(r.walk_distance_dm / 10.0, 1);
  w.End('}');
  w.Key("arrival").String(FormatRfc3339(r.arrival, zone));
  w.Key("availability").Begin('{');
  w.Key("source").String(guidance::Name(a.source));
  w.Key("p_free").Fixed(a.p_free, 3);
  w.Key("expected_free").Optional(a.expected_free, [&](double v) { w.Number(v); });
  w.Key("free_now").Optional(a.free_now, [&](int v) { w.Int(v); });
  w.Key("capacity").Int(a.capacity);
  w.Key("updated").Optional(a.updated, [&](Timestamp t) { w.String(FormatRfc3339(t, zone)); });
  w.Key("age_s").Optional(a.updated, [&](Timestamp t) { w.Int((now - t).count() / 1000); });
  if (a.forecast_method.empty()) {
    w.Key("forecast").Null();
  } else {
    w.Key("forecast").String(a.forecast_method);
  }
  if (r.facility != nullptr) w.Key("state_now").String(state::Name(a.state_now));
  w.End('}');
  w.Key("price").Begin('{');
  w.Key("amount").Number(static_cast<double>(r.price_fen) / 100);
  w.Key("fen").Int(r.price_fen);
  w.Key("currency").String("CNY");
  w.Key("stay_minutes").Int(req.stay_minutes);
  w.Key("known").Bool(r.price_known);
  w.End('}');
  const model::Facility* f = r.facility;
  w.Key("hours").Begin('{');
  w.Key("open_at_arrival").Bool(r.open_at_arrival);
  if (f != nullptr && !f->opening_hours.empty()) {
    w.Key("opening_hours").String(f->opening_hours);
  } else {
    w.Key("opening_hours").Null();
  }
  w.Key("closes_in_minutes").Optional(r.closes_in_minutes, [&](int v) { w.Int(v); });
  w.End('}');
  w.Key("score").Begin('{');
  w.Key("expected_cost_s").Fixed(static_cast<double>(r.cost.total_ms) / 1000, 1);
  w.Key("components").Begin('{');
  w.Key("drive_s").Fixed(static_cast<double>(r.cost.drive_ms) / 1000, 1);
  w.Key("walk_s").Fixed(static_cast<double>(r.cost.walk_ms) / 1000, 1);
  w.Key("price_s").Fixed(static_cast<double>(r.cost.price_ms) / 1000, 1);
  w.Key("full_risk_s").Fixed(static_cast<double>(r.cost.full_risk_ms) / 1000, 1);
  w.End('}');
  if (r.fallback_id.empty()) {
    w.Key("fallback").Null();
  } else {
    w.Key("fallback").String(r.fallback_id);
  }
  w.Key("worth_taking").Bool(r.worth_taking);
  w.Key("search").Begin('[');
  for (const std::string& id : r.search) w.String(id);
  w.End(']');
  w.Key("text").String(r.summary);
  w.End('}');
  if (r.route.empty()) {
    w.Key("route").Null();
  } else {
    w.Key("route").Begin('{');
    w.Key("type").String("Feature");
    w.Key("properties").Begin('{').Key("to_entrance").String(r.entrance_id).End('}');
    w.Key("geometry").Begin('{');
    w.Key("type").String("LineString");
    w.Key("coordinates").Begin('[');
    for (const LatLon& inside : r.route) {
      const LatLon p = FromWgs84(inside, crs);
      w.Begin('[').Fixed(p.lon, 7).Fixed(p.lat, 7).End(']');
    }
    w.End(']').End('}').End('}');
  }
  w.End('}');
}

Response Problem(const Status& s) {
  if (s.code() == StatusCode::kNotFound) return UnsnappableProblem(s);
  return ProblemFromStatus(s);
}

}  // namespace

Result<GuidanceQuery> ParseGuidanceRequest(const Query& query, Timestamp now) {
  GuidanceQuery q;
  GuidanceRequest& r = q.request;
  PG_ASSIGN_OR_RETURN(q.crs, ParseCrs(Get(query, "crs").value_or(""), "crs"));
  auto dest = Get(query, "dest");
  if (!dest) return InvalidArgument("required, as lat,lon", "dest");
  PG_ASSIGN_OR_RETURN(LatLon given_dest, ParseLatLon(*dest, "dest"));
  r.dest = ToWgs84(given_dest, q.crs);
  if (auto v = Get(query, "origin")) {
    PG_ASSIGN_OR_RETURN(LatLon given_origin, ParseLatLon(*v, "origin"));
    r.origin = ToWgs84(given_origin, q.crs);
  }
  if (auto v = Get(query, "arrive")) {
    PG_ASSIGN_OR_RETURN(r.arrive, ArrivalTime(*v, "arrive", now));
  }
  if (auto v = Get(query, "stay")) {
    PG_ASSIGN_OR_RETURN(r.stay_minutes, WholeNumber(*v, "stay", 1, 7 * 24 * 60, "minutes"));
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
  PG_ASSIGN_OR_RETURN(r.accessible, Flag(Get(query, "accessible"), "accessible"));
  if (auto v = Get(query, "height")) {
    PG_ASSIGN_OR_RETURN(r.height_m, RealNumber(*v, "height", 1, 6, "metres"));
  }
  if (auto v = Get(query, "max_walk")) {
    PG_ASSIGN_OR_RETURN(r.max_walk_m, RealNumber(*v, "max_walk", 50, 5000, "metres"));
  }
  if (auto v = Get(query, "limit")) {
    PG_ASSIGN_OR_RETURN(r.limit, WholeNumber(*v, "limit", 1, 50, "results"));
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
  PG_ASSIGN_OR_RETURN(r.explain, Flag(Get(query, "explain"), "explain"));
  if (auto v = Get(query, "value_of_time")) {
    PG_ASSIGN_OR_RETURN(double yuan, RealNumber(*v, "value_of_time", 1, 1000, "yuan per hour"));
    r.value_of_time_fen_per_hour = std::llround(yuan * 100);
  }
  return q;
}

std::string GuidanceJson(const guidance::GuidanceAnswer& a, const registry::Registry& reg,
                         const guidance::GuidanceParams& params, Crs crs) {
  const GuidanceRequest& req = a.request;
  const auto& zone = reg.time_zone();
  Writer w;
  w.Begin('{');
  w.Key("time").String(FormatRfc3339(a.now, zone));
  w.Key("dest");
  WritePoint(w, a.dest, crs);
  w.Key("origin").Optional(a.origin,
                           [&](const routing::SnappedPoint& p) { WritePoint(w, p, crs); });
  w.Key("request").Begin('{');
  w.Key("arrive").Optional(req.arrive, [&](Timestamp t) { w.String(FormatRfc3339(t, zone)); });
  w.Key("stay_minutes").Int(req.stay_minutes);
  w.Key("vehicle").String(req.vehicle == guidance::Vehicle::kEv ? "ev" : "car");
  w.Key("connector").Optional(req.connector, [&](model::ConnectorType c) {
    w.String(model::Name(c));
  });
  w.Key("accessible").Bool(req.accessible);
  w.Key("height_m").Optional(req.height_m, [&](double v) { w.Number(v); });
  w.Key("max_walk_m").Number(req.max_walk_m);
  w.Key("limit").Int(req.limit);
  w.Key("lang").String(LangCode(req.lang));
  w.Key("crs").String(CrsName(crs));
  w.End('}');
  w.Key("parameters").Begin('{');
  w.Key("value_of_time_fen_per_hour")
      .Int(req.value_of_time_fen_per_hour.value_or(params.value_of_time_fen_per_hour));
  w.Key("walk_time_factor").Number(params.walk_time_factor);
  w.Key("full_detour_s").Number(static_cast<double>(params.full_detour_ms) / 1000);
  w.Key("give_up_s").Number(static_cast<double>(params.give_up_ms) / 1000);
  w.Key("search_depth").Int(params.search_depth);
  w.Key("no_space_s").Fixed(static_cast<double>(a.no_space_ms) / 1000, 1);
  if (req.vehicle == guidance::Vehicle::kEv) {
    w.Key("chargers_no_space_s").Fixed(static_cast<double>(a.chargers_no_space_ms) / 1000, 1);
  }
  w.End('}');
  w.Key("candidates").Int(a.candidates);
  w.Key("results").Begin('[');
  for (size_t i = 0; i < a.results.size(); ++i)
    WritePlace(w, a.results[i], i + 1, reg, req, a.now, crs);
  w.End(']');
  if (req.vehicle == guidance::Vehicle::kEv) {
    w.Key("chargers").Begin('[');
    for (size_t i = 0; i < a.chargers.size(); ++i) {
      WritePlace(w, a.chargers[i], i + 1, reg, req, a.now, crs);
    }
    w.End(']');
  }
  if (req.explain) {
    w.Key("excluded").Begin('[');
    for (const auto& e : a.excluded) {
      w.Begin('{');
      w.Key("facility").String(e.id);
      w.Key("name").String(e.name.In(LangCode(req.lang)));
      w.Key("reason").String(guidance::Name(e.reason));
      w.Key("detail").String(e.detail);
      w.End('}');
    }
    w.End(']');
    w.Key("excluded_far").Int(a.excluded_far);
  }
  w.End('}');
  return w.Take();
}

void RegisterGuidanceApi(http::Server& server, const GuidanceApiContext& context) {
  auto c = std::make_shared<GuidanceApiContext>(context);
  server.Route("GET", "/api/v1/guidance", [c](const Request& req) {
    const Timestamp now = c->clock->Now();
    auto query = ParseGuidanceRequest(req.query, now);
    if (!query.ok()) return ProblemFromStatus(query.status());
    if (c->guide == nullptr) {
      return Response::Problem(503, "Service Unavailable",
                               "this city has no road graph: build it with `parkguide "
                               "build-roads CITY.osm.pbf --db CITY.db`",
                               {}, "urn:parkguide:problem:no-road-graph");
    }
    auto snapshot = c->live->Snapshot();
    auto answer = c->guide->Answer(query->request, *snapshot, now, c->forecaster, c->live->rules());
    if (!answer.ok()) return Problem(answer.status());
    if (c->answered) c->answered->fetch_add(1, std::memory_order_relaxed);
    return Response::Json(
        200, GuidanceJson(*answer, c->guide->registry(), c->guide->params(), query->crs));
  });
}

}  // namespace pg::api

#include "api/read_api.h"
#include "api/problem_responses.h"

#include <date/tz.h>
#include <fmt/format.h>

#include <cctype>
#include <climits>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "api/live_json.h"
#include "api/openapi.h"
#include "core/geo.h"
#include "core/strings.h"
#include "core/text_bounds.h"
#include "model/model_crs.h"
#include "model/model_json.h"
#include "model/validation.h"
#include "model/vocabulary.h"
#include "web/web_assets.h"

namespace pg::api {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

constexpr int kDefaultLimit = 100;
constexpr int kMaxLimit = 1000;

// "300", "300s", "15m", "1h" → seconds; nullopt beyond a year (before multiplying: 2^62 hours
// must not overflow into a plausible step).
std::optional<int64_t> ParseDurationSeconds(std::string_view text) {
  int64_t unit = 1;
  if (!text.empty() && (text.back() == 's' || text.back() == 'm' || text.back() == 'h')) {
    unit = text.back() == 'm' ? 60 : text.back() == 'h' ? 3600 : 1;
    text.remove_suffix(1);
  }
  auto v = ParseInt(text);
  if (!v || *v < 0 || *v > int64_t{366} * 86400 / unit) return std::nullopt;
  return *v * unit;
}

struct Page {
  int limit = kDefaultLimit;
  int offset = 0;
};

Result<Page> PageParams(const Request& req) {
  Page p;
  PG_ASSIGN_OR_RETURN(p.limit, IntParam(req, "limit", kDefaultLimit, 1, kMaxLimit));
  PG_ASSIGN_OR_RETURN(p.offset, IntParam(req, "offset", 0, 0, 1 << 30));
  return p;
}

// Renders the items of one page with the total and, when there is more, the next page's link.
json PageJson(const Request& req, json items, size_t total, const Page& page) {
  json j{{"items", std::move(items)},
         {"total", total},
         {"limit", page.limit},
         {"offset", page.offset}};
  if (static_cast<size_t>(page.offset + page.limit) < total) {
    j["next"] = PageLink(req, page.offset + page.limit);
  } else {
    j["next"] = nullptr;
  }
  return j;
}

json FacilityJson(const registry::Registry& reg, const state::LiveSnapshot& snap,
                  const model::Facility& f, Timestamp now, const state::LiveRules& rules, Crs crs) {
  json j = model::ToJson(model::ShownIn(f, crs));
  j["live"] = FacilityLiveJson(reg, state::ViewFacility(reg, snap, f, now, rules));
  j["bays"] = reg.BaysOf(f.id).size();
  return j;
}

// The charger as state::ViewCharger sees it: every reported status with its time, and what may
// be believed of them now (`state`, `available`: null when stale or unknown, 0 when faulted).
json ChargerJson(const registry::Registry& reg, const state::LiveSnapshot& snap,
                 const model::Charger& c, Timestamp now, const state::LiveRules& rules, Crs crs) {
  json j = model::ToJson(model::ShownIn(c, crs));
  j["live"] = ChargerLiveJson(reg, state::ViewCharger(snap, c, now, rules));
  return j;
}

// Filters shared by the facility and charger lists.
struct Filters {
  Crs crs = Crs::kWgs84;            // of `bbox` as given, and of the answer
  std::optional<BoundingBox> bbox;  // WGS-84
  std::vector<model::FacilityKind> kinds;
  std::string district;
};

Result<Filters> FilterParams(const Request& req, bool kinds_allowed) {
  Filters f;
  PG_ASSIGN_OR_RETURN(f.crs, CrsParam(req));
  if (auto b = req.Query("bbox")) {
    PG_ASSIGN_OR_RETURN(BoundingBox given, ParseBoundingBox(*b, "bbox"));
    f.bbox = ToWgs84(given, f.crs);
  }
  if (auto k = req.Query("kind"); k && kinds_allowed) {
    for (auto part : SplitString(*k, ',')) {
      auto kind = model::Parse<model::FacilityKind>(TrimSpace(part));
      if (!kind) {
        return InvalidArgument(
            fmt::format("'{}' is not one of: {}", part, model::AllowedNames<model::FacilityKind>()),
            "kind");
      }
      f.kinds.push_back(*kind);
    }
  }
  PG_ASSIGN_OR_RETURN(auto district, TextParam(req, "district", kMaxNameChars));
  f.district = std::string(district.value_or(""));
  return f;
}

class Handlers {
 public:
  explicit Handlers(ApiContext c) : c_(std::move(c)) {}

  Response Health(const Request&) {
    auto reg = c_.live->registry();
    auto snap = c_.live->Snapshot();
    json problems = json::array();
    for (const HealthProblem& p : CollectHealth(c_.health_checks)) {
      json item{{"component", p.component}, {"kind", p.kind}, {"message", p.message}};
      if (p.since) item["since"] = FormatRfc3339(*p.since, reg->time_zone());
      if (!p.detail.is_null()) item["detail"] = p.detail;
      problems.push_back(std::move(item));
    }
    json j{{"status", problems.empty() ? "ok" : "degraded"},
           {"problems", std::move(problems)},
           {"city", reg->city().id},
           {"version", c_.version},
           {"facilities", reg->facilities().size()},
           {"live_version", snap->version},
           {"time", FormatRfc3339(c_.clock->Now(), reg->time_zone())}};
    return JsonResponse(200, std::move(j));
  }

  Response City(const Request& req) {
    auto crs = CrsParam(req);
    if (!crs.ok()) return ProblemFromStatus(crs.status());
    auto reg = c_.live->registry();
    json j = model::ToJson(model::ShownIn(reg->city(), *crs));
    j["counts"] = {{"facilities", reg->facilities().size()},
                   {"bays", reg->bays().size()},
                   {"chargers", reg->chargers().size()},
                   {"signs", reg->signs().size()}};
    return JsonResponse(200, std::move(j));
  }

  Response Facilities(const Request& req) {
    auto page = PageParams(req);
    if (!page.ok()) return ProblemFromStatus(page.status());
    auto filters = FilterParams(req, true);
    if (!filters.ok()) return ProblemFromStatus(filters.status());
    auto reg = c_.live->registry();
    auto snap = c_.live->Snapshot();
    Timestamp now = c_.clock->Now();
    std::vector<const model::Facility*> matches;
    for (const auto& f : reg->facilities()) {
      if (filters->bbox && !filters->bbox->Contains(f.location)) continue;
      if (!filters->kinds.empty() &&
          std::find(filters->kinds.begin(), filters->kinds.end(), f.kind) == filters->kinds.end()) {
        continue;
      }
      if (!filters->district.empty() && f.district != filters->district) continue;
      matches.push_back(&f);
    }
    json items = json::array();
    for (size_t i = page->offset;
         i < matches.size() && i < static_cast<size_t>(page->offset + page->limit); ++i) {
      items.push_back(FacilityJson(*reg, *snap, *matches[i], now, c_.live->rules(), filters->crs));
    }
    return JsonResponse(200, PageJson(req, std::move(items), matches.size(), *page));
  }

  Response Facility(const Request& req) {
    auto crs = CrsParam(req);
    if (!crs.ok()) return ProblemFromStatus(crs.status());
    auto reg = c_.live->registry();
    const std::string& id = req.path_params.at("id");
    const model::Facility* f = reg->FindFacility(model::FacilityId(id));
    if (!f) return Response::Problem(404, "Not Found", fmt::format("no facility '{}'", id), "id");
    json j = FacilityJson(*reg, *c_.live->Snapshot(), *f, c_.clock->Now(), c_.live->rules(), *crs);
    json chargers = json::array();
    for (const auto* c : reg->ChargersOf(f->id)) chargers.push_back(c->id.str());
    j["chargers"] = std::move(chargers);
    return JsonResponse(200, std::move(j));
  }

  Response History(const Request& req) {
    auto reg = c_.live->registry();
    const std::string& id = req.path_params.at("id");
    const model::Facility* f = reg->FindFacility(model::FacilityId(id));
    if (!f) return Response::Problem(404, "Not Found", fmt::format("no facility '{}'", id), "id");
    auto range = TimeRangeParams(req, c_.clock->Now(), std::chrono::hours(24));
    if (!range.ok()) return ProblemFromStatus(range.status());
    const auto [from, to] = *range;
    bool csv = false;
    if (auto format = req.Query("format")) {
      if (*format != "csv" && *format != "json") return BadParam("format", "must be json or csv");
      csv = *format == "csv";
    }
    std::optional<std::chrono::seconds> step;
    if (auto text = req.Query("step")) {
      auto v = ParseDurationSeconds(*text);
      if (!v || *v <= 0 || *v % 300 != 0 || *v > 7 * 86400) {
        return BadParam("step", "a multiple of 5 minutes up to 7 days (300, 900s, 15m, 1h)");
      }
      step = std::chrono::seconds(*v);
    }
    if (step) return RollupHistory(*reg, id, from, to, *step, csv);
    auto samples = c_.store->LoadOccupancy(f->id, from, to);
    if (!samples.ok()) return ProblemFromStatus(samples.status());
    if (csv) {
      // SPEC §9's long CSV, which `parkguide replay --format csv` reads back.
      std::string out = "facility_id,time,occupied,capacity\n";
      for (const auto& x : *samples) {
        out += fmt::format("{},{},{},{}\n", CsvField(id), TimeText(*reg, x.time), x.occupied,
                           x.capacity);
      }
      return CsvResponse(std::move(out), id);
    }
    json points = json::array();
    for (const auto& x : *samples) {
      points.push_back({TimeText(*reg, x.time), x.occupied, x.capacity});
    }
    json j{{"facility", id},
           {"from", TimeText(*reg, from)},
           {"to", TimeText(*reg, to)},
           {"columns", {"time", "occupied", "capacity"}},
           {"points", std::move(points)}};
    return JsonResponse(200, std::move(j));
  }

  // Rollups in buckets of `step` (whole multiples of the stored 5 minutes): min, coverage-
  // weighted mean, max and coverage. Where no rollups were recorded (history backfilled as
  // samples), each sample stands for its 5 minutes.
  Response RollupHistory(
      const registry::Registry& reg, const std::string& id, Timestamp from, Timestamp to,
      std::chrono::seconds step, bool csv,
      model::OccupancyRollup::Kind kind = model::OccupancyRollup::Kind::kFacility) {
    constexpr std::chrono::seconds kBase{300};
    auto rollups = c_.store->LoadRollups(kind, id, kBase, from, to);
    if (!rollups.ok()) return ProblemFromStatus(rollups.status());
    std::map<int64_t, model::OccupancyRollup> base;  // by start ms
    Result<std::vector<model::OccupancySample>> samples = std::vector<model::OccupancySample>();
    if (kind == model::OccupancyRollup::Kind::kFacility) {
      samples = c_.store->LoadOccupancy(model::FacilityId(id), from, to);
    } else {
      auto site = c_.store->LoadChargerSiteOccupancy(id, from, to);
      if (!site.ok()) return ProblemFromStatus(site.status());
      for (const auto& x : *site) {
        samples->push_back({model::FacilityId(id), x.time, x.busy, x.connectors});
      }
    }
    if (!samples.ok()) return ProblemFromStatus(samples.status());
    for (const auto& x : *samples) {
      Timestamp start =
          Timestamp(x.time.time_since_epoch() / Milliseconds(kBase) * Milliseconds(kBase));
      model::OccupancyRollup r;
      r.id = id;
      r.start = start;
      r.min_occupied = r.max_occupied = x.occupied;
      r.mean_occupied = x.occupied;
      r.capacity = x.capacity;
      r.coverage = 1;
      base.emplace(ToUnixMillis(start), r);
    }
    for (const auto& r : *rollups) base[ToUnixMillis(r.start)] = r;  // recorded ones win
    struct Bucket {
      int min = INT32_MAX, max = INT32_MIN, capacity = 0;
      double weighted = 0, coverage = 0;
    };
    std::map<int64_t, Bucket> buckets;
    const int64_t step_ms = std::chrono::duration_cast<Milliseconds>(step).count();
    const double parts = static_cast<double>(step / kBase);
    for (const auto& [ms, r] : base) {
      Bucket& b = buckets[ms / step_ms * step_ms];
      b.min = std::min(b.min, r.min_occupied);
      b.max = std::max(b.max, r.max_occupied);
      b.capacity = std::max(b.capacity, r.capacity);
      b.weighted += r.mean_occupied * r.coverage;
      b.coverage += r.coverage;
    }
    auto round2 = [](double v) { return std::round(v * 100) / 100; };
    if (csv) {
      std::string out = "facility_id,time,min,mean,max,capacity,coverage\n";
      for (const auto& [ms, b] : buckets) {
        out += fmt::format("{},{},{},{:.2f},{},{},{:.3f}\n", CsvField(id),
                           TimeText(reg, FromUnixMillis(ms)), b.min, b.weighted / b.coverage, b.max,
                           b.capacity, b.coverage / parts);
      }
      return CsvResponse(std::move(out), id);
    }
    json points = json::array();
    for (const auto& [ms, b] : buckets) {
      points.push_back({TimeText(reg, FromUnixMillis(ms)), b.min, round2(b.weighted / b.coverage),
                        b.max, b.capacity, round2(b.coverage / parts)});
    }
    json j{{kind == model::OccupancyRollup::Kind::kFacility ? "facility" : "site", id},
           {"from", TimeText(reg, from)},
           {"to", TimeText(reg, to)},
           {"step", step.count()},
           {"columns", {"time", "min", "mean", "max", "capacity", "coverage"}},
           {"points", std::move(points)}};
    return JsonResponse(200, std::move(j));
  }

  static Response CsvResponse(std::string body, const std::string& id) {
    Response r;
    r.content_type = "text/csv; charset=utf-8";
    r.body = std::move(body);
    std::string safe;
    for (char c : id) safe.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
    r.headers.emplace_back("Content-Disposition",
                           fmt::format("attachment; filename=\"history-{}.csv\"", safe));
    return r;
  }

  static std::string CsvField(const std::string& v) {
    if (v.find_first_of(",\"\n") == std::string::npos) return v;
    std::string out = "\"";
    for (char c : v) {
      if (c == '"') out += '"';
      out += c;
    }
    return out + "\"";
  }

  // A charging site's busy connectors over time, from the 5-minute rollups the server records:
  // the same columns as a facility's stepped history (occupied = busy connectors, capacity =
  // connectors with a known status). `step` defaults to 1h.
  Response ChargerSiteHistory(const Request& req) {
    auto reg = c_.live->registry();
    const std::string& site = req.path_params.at("site");
    bool found = false;
    for (const auto& c : reg->chargers()) found = found || c.site == site;
    if (!found) {
      return Response::Problem(404, "Not Found", fmt::format("no charging site '{}'", site),
                               "site");
    }
    auto range = TimeRangeParams(req, c_.clock->Now(), std::chrono::hours(24));
    if (!range.ok()) return ProblemFromStatus(range.status());
    const auto [from, to] = *range;
    std::chrono::seconds step{3600};
    if (auto text = req.Query("step")) {
      auto v = ParseDurationSeconds(*text);
      if (!v || *v <= 0 || *v % 300 != 0 || *v > 7 * 86400) {
        return BadParam("step", "a multiple of 5 minutes up to 7 days (300, 900s, 15m, 1h)");
      }
      step = std::chrono::seconds(*v);
    }
    return RollupHistory(*reg, site, from, to, step, false,
                         model::OccupancyRollup::Kind::kChargerSite);
  }

  Response Bays(const Request& req) {
    auto page = PageParams(req);
    if (!page.ok()) return ProblemFromStatus(page.status());
    auto crs = CrsParam(req);
    if (!crs.ok()) return ProblemFromStatus(crs.status());
    auto reg = c_.live->registry();
    auto snap = c_.live->Snapshot();
    std::optional<std::string_view> facility = req.Query("facility");
    if (facility) {
      if (Status s = model::ValidateId(*facility, "facility"); !s.ok()) return ProblemFromStatus(s);
    }
    std::vector<const model::Bay*> matches;
    for (const auto& b : reg->bays()) {
      if (facility && b.facility.str() != *facility) continue;
      matches.push_back(&b);
    }
    json items = json::array();
    Timestamp now = c_.clock->Now();
    for (size_t i = page->offset;
         i < matches.size() && i < static_cast<size_t>(page->offset + page->limit); ++i) {
      json j = model::ToJson(model::ShownIn(*matches[i], *crs));
      const state::BayLive* live = snap->FindBay(matches[i]->id.str());
      if (!live || !live->known) {
        j["live"] = {{"occupied", nullptr}, {"since", nullptr}, {"updated", nullptr}};
      } else {
        const auto& b = *live;
        j["live"] = {{"occupied", b.occupied},
                     {"since", TimeText(*reg, b.since)},
                     {"updated", TimeText(*reg, b.updated)},
                     {"overstay",
                      b.occupied && matches[i]->time_limit_minutes &&
                          now - b.since > std::chrono::minutes(*matches[i]->time_limit_minutes)}};
      }
      items.push_back(std::move(j));
    }
    return JsonResponse(200, PageJson(req, std::move(items), matches.size(), *page));
  }

  Response Chargers(const Request& req) {
    auto page = PageParams(req);
    if (!page.ok()) return ProblemFromStatus(page.status());
    auto filters = FilterParams(req, false);
    if (!filters.ok()) return ProblemFromStatus(filters.status());
    std::optional<model::Lifecycle> lifecycle;
    if (auto l = req.Query("lifecycle")) {
      lifecycle = model::Parse<model::Lifecycle>(*l);
      if (!lifecycle) {
        return BadParam("lifecycle", fmt::format("'{}' is not one of: {}", *l,
                                                 model::AllowedNames<model::Lifecycle>()));
      }
    }
    auto reg = c_.live->registry();
    auto snap = c_.live->Snapshot();
    std::vector<const model::Charger*> matches;
    for (const auto& c : reg->chargers()) {
      if (filters->bbox && !filters->bbox->Contains(c.location)) continue;
      if (!filters->district.empty() && c.district != filters->district) continue;
      if (lifecycle && c.lifecycle != *lifecycle) continue;
      matches.push_back(&c);
    }
    json items = json::array();
    for (size_t i = page->offset;
         i < matches.size() && i < static_cast<size_t>(page->offset + page->limit); ++i) {
      items.push_back(
          ChargerJson(*reg, *snap, *matches[i], c_.clock->Now(), c_.live->rules(), filters->crs));
    }
    return JsonResponse(200, PageJson(req, std::move(items), matches.size(), *page));
  }

  Response Charger(const Request& req) {
    auto crs = CrsParam(req);
    if (!crs.ok()) return ProblemFromStatus(crs.status());
    auto reg = c_.live->registry();
    const std::string& id = req.path_params.at("id");
    const model::Charger* c = reg->FindCharger(model::ChargerId(id));
    if (!c) return Response::Problem(404, "Not Found", fmt::format("no charger '{}'", id), "id");
    return JsonResponse(
        200, ChargerJson(*reg, *c_.live->Snapshot(), *c, c_.clock->Now(), c_.live->rules(), *crs));
  }

 private:
  ApiContext c_;
};

// The dashboard loads only its own scripts and data; the map's library (Leaflet) positions tiles
// and markers with inline styles, and draws with data: and blob: images.
constexpr std::string_view kDashboardPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; font-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

// A dashboard file, gzipped when the build packed it and the browser takes gzip.
Response AssetResponse(const web::Asset& a, const Request& req, std::string_view cache_control,
                       std::string_view policy) {
  Response r;
  r.content_type = std::string(a.content_type);
  const bool gzip = !a.gzip.empty() && http::AcceptsEncoding(req.Header("accept-encoding"), "gzip");
  r.body = std::string(gzip ? a.gzip : a.body);
  if (gzip) r.headers.emplace_back("Content-Encoding", "gzip");
  if (!a.gzip.empty()) r.headers.emplace_back("Vary", "Accept-Encoding");
  r.headers.emplace_back("Cache-Control", std::string(cache_control));
  if (!policy.empty()) r.headers.emplace_back("Content-Security-Policy", std::string(policy));
  return r;
}

}  // namespace

void RegisterReadApi(http::Server& server, const ApiContext& context) {
  auto h = std::make_shared<Handlers>(context);
  auto bind = [h](Response (Handlers::*method)(const Request&)) {
    return [h, method](const Request& req) { return ((*h).*method)(req); };
  };
  server.Route("GET", "/health", bind(&Handlers::Health));
  server.Route("GET", "/api/v1/city", bind(&Handlers::City));
  server.Route("GET", "/api/v1/facilities", bind(&Handlers::Facilities));
  server.Route("GET", "/api/v1/facilities/{id}", bind(&Handlers::Facility));
  // Reads of stored history compute for long: on the worker pool, off the io threads.
  server.Route("GET", "/api/v1/facilities/{id}/history", bind(&Handlers::History),
               http::RouteOptions::OnWorker());
  server.Route("GET", "/api/v1/bays", bind(&Handlers::Bays));
  server.Route("GET", "/api/v1/chargers", bind(&Handlers::Chargers));
  server.Route("GET", "/api/v1/chargers/{id}", bind(&Handlers::Charger));
  server.Route("GET", "/api/v1/charger-sites/{site}/history", bind(&Handlers::ChargerSiteHistory),
               http::RouteOptions::OnWorker());
  // The dashboard (src/web): its entry page is revalidated on every load, its hashed bundles
  // are cached for ever.
  server.Route("GET", "/", [](const Request& req) {
    return AssetResponse(web::IndexPage(), req, "no-cache", kDashboardPolicy);
  });
  server.Route("GET", "/assets/{name}", [](const Request& req) {
    const web::Asset* a = web::FindAsset("/assets/" + req.path_params.at("name"));
    if (!a) return Response::Problem(404, "Not Found", "no such dashboard asset", "name");
    return AssetResponse(*a, req, a->immutable ? "public, max-age=31536000, immutable" : "no-cache",
                         {});
  });
  server.Route("GET", "/api/v1/openapi.json",
               [](const Request&) { return Response::Json(200, std::string(OpenApiDocument())); });
}

}  // namespace pg::api

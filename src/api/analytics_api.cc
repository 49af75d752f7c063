#include "api/analytics_api.h"
#include "api/problem_responses.h"

#include <date/tz.h>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <list>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unordered_map>

#include "analytics/analytics.h"
#include "analytics/report.h"

namespace pg::api {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

// The week figures last computed, by week, district and registry: at most kCapacity, the least
// recently used one evicted when a new one comes in (not all of them: a caller cycling through
// more keys than fit must not empty it for everyone else).
class WeekCache {
 public:
  static constexpr size_t kCapacity = 64;

  explicit WeekCache(AnalyticsApiContext c) : c_(std::move(c)) {}

  Result<std::shared_ptr<const analytics::WeekFigures>> Get(const registry::Registry& reg,
                                                            const analytics::Week& week,
                                                            const std::string& district,
                                                            bool with_forecast) {
    Timestamp now = c_.clock->Now();
    std::string key = fmt::format("{}|{}|{}|{}", week.Label(), district, with_forecast,
                                  static_cast<const void*>(&reg));
    if (auto cached = Find(key, week, now)) return cached;
    PG_ASSIGN_OR_RETURN(analytics::AnalyticsOptions options,
                        analytics::LoadOptions(c_.store->get<store::SettingsReader>()));
    options.forecast_accuracy = with_forecast;
    PG_ASSIGN_OR_RETURN(analytics::WeekFigures f,
                        analytics::ComputeWeek(*c_.store, reg, week, options, district));
    auto shared = std::make_shared<const analytics::WeekFigures>(std::move(f));
    Put(std::move(key), now, shared);
    return shared;
  }

 private:
  struct Entry {
    Timestamp computed;
    std::shared_ptr<const analytics::WeekFigures> figures;
    std::list<std::string>::iterator use;  // its place in uses_
  };

  // The figures of `key` while still good: a past week's for good, the current week's for five
  // minutes.
  std::shared_ptr<const analytics::WeekFigures> Find(const std::string& key,
                                                     const analytics::Week& week, Timestamp now) {
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return nullptr;
    if (week.end > it->second.computed && now - it->second.computed >= Minutes(5)) return nullptr;
    uses_.splice(uses_.begin(), uses_, it->second.use);
    return it->second.figures;
  }

  void Put(std::string key, Timestamp now, std::shared_ptr<const analytics::WeekFigures> f) {
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it != entries_.end()) {
      uses_.splice(uses_.begin(), uses_, it->second.use);
      it->second.computed = now;
      it->second.figures = std::move(f);
      return;
    }
    if (entries_.size() >= kCapacity) {
      entries_.erase(uses_.back());
      uses_.pop_back();
    }
    uses_.push_front(key);
    entries_.emplace(std::move(key), Entry{now, std::move(f), uses_.begin()});
  }

  AnalyticsApiContext c_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // guarded by mu_
  std::list<std::string> uses_;                     // guarded by mu_; most recent first
};

}  // namespace

constexpr std::string_view kReportPolicy =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
    "frame-ancestors 'self'";

void RegisterAnalyticsApi(http::Server& server, const AnalyticsApiContext& context) {
  auto c = std::make_shared<AnalyticsApiContext>(context);
  auto cache = std::make_shared<WeekCache>(context);
  server.Route(
      "GET", "/api/v1/analytics/{section}",
      [c, cache](const Request& req) {
        auto reg = c->registry();
        const std::string& section = req.path_params.at("section");
        const auto& zone = reg->time_zone();
        auto crs = CrsParam(req);
        if (!crs.ok()) return ProblemFromStatus(crs.status());
        analytics::Week week;
        if (auto w = req.Query("week")) {
          auto parsed = analytics::ParseIsoWeek(*w, zone);
          if (!parsed.ok()) return ProblemFromStatus(parsed.status());
          week = *parsed;
        } else {
          week = analytics::PreviousWeek(analytics::WeekContaining(c->clock->Now(), zone), zone);
        }
        std::string district(req.Query("district").value_or(""));
        bool with_forecast = section == "forecast" || section == "all";
        auto now = cache->Get(*reg, week, district, with_forecast);
        if (!now.ok()) return ProblemFromStatus(now.status());
        auto body = analytics::SectionJson(**now, section, *crs);
        if (!body.ok()) return ProblemFromStatus(body.status());
        auto prev = cache->Get(*reg, analytics::PreviousWeek(week, zone), district, with_forecast);
        if (!prev.ok()) return ProblemFromStatus(prev.status());
        auto prev_body = analytics::SectionJson(**prev, section, *crs);
        if (!prev_body.ok()) return ProblemFromStatus(prev_body.status());
        json j = json::parse(*body);
        j["previous"] = json::parse(*prev_body);
        return JsonResponse(200, std::move(j));
      },
      http::RouteOptions::OnWorker());
  server.Route(
      "GET", "/api/v1/reports",
      [c](const Request&) {
        json arr = json::array();
        if (!c->reports_dir.empty()) {
          for (const auto& r : analytics::ListReports(c->reports_dir)) {
            arr.push_back({{"file", r.file},
                           {"week", r.week},
                           {"district", r.district.empty() ? json(nullptr) : json(r.district)},
                           {"lang", r.lang},
                           {"format", r.format},
                           {"size_bytes", r.size_bytes},
                           {"modified", FormatRfc3339Utc(r.modified)},
                           {"url", "/api/v1/reports/" + r.file}});
          }
        }
        return JsonResponse(200, json{{"reports", arr}});
      },
      http::RouteOptions::OnWorker());
  server.Route(
      "GET", "/api/v1/reports/{file}",
      [c](const Request& req) {
        const std::string& file = req.path_params.at("file");
        // Only names the listing shows: never a path out of the folder.
        const analytics::ReportListing* found = nullptr;
        std::vector<analytics::ReportListing> all;
        if (!c->reports_dir.empty()) all = analytics::ListReports(c->reports_dir);
        for (const auto& r : all) {
          if (r.file == file) found = &r;
        }
        if (!found) {
          return Response::Problem(404, "Not Found", fmt::format("file: no report '{}'", file),
                                   "file");
        }
        auto body = analytics::ReadReportFile(c->reports_dir, file);
        if (!body.ok()) return ProblemFromStatus(body.status());
        Response r;
        r.status = 200;
        r.content_type = found->format == "pdf" ? "application/pdf" : "text/html; charset=utf-8";
        r.body = std::move(*body);
        // A report is self-contained: its own styles and images, no script, nothing from outside.
        r.headers.emplace_back("Content-Security-Policy", kReportPolicy);
        r.headers.emplace_back("Content-Disposition", fmt::format("inline; filename=\"{}\"", file));
        return r;
      },
      http::RouteOptions::OnWorker());
}

}  // namespace pg::api

#include "api/ingest_api.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "api/live_json.h"
#include "api/problem_responses.h"
#include "core/geo.h"
#include "core/strings.h"
#include "model/model_json.h"
#include "model/vocabulary.h"

namespace pg::api {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

// The most facilities one stream client may filter on: every event is matched against the list.
constexpr size_t kMaxStreamFacilities = 1'000;

// Who may read the rejected input: it is the senders' data.
constexpr RoleSet kDeadLetterReaders{Role::kTrafficCentre, Role::kAdmin};

std::string TimeText(const registry::Registry& reg, Timestamp t) {
  return t == Timestamp{} ? std::string() : FormatRfc3339(t, reg.time_zone());
}

// Which events a stream client wants.
struct StreamFilter {
  std::vector<std::string> facilities;
  std::optional<BoundingBox> bbox;
  std::vector<std::string> types;

  bool Match(const events::Event& e) const {
    if (!types.empty() && std::find(types.begin(), types.end(), e.type) == types.end()) {
      return false;
    }
    if (e.type == "source") return facilities.empty() && !bbox;
    if (!facilities.empty() &&
        std::find(facilities.begin(), facilities.end(), e.facility) == facilities.end() &&
        std::find(facilities.begin(), facilities.end(), e.subject) == facilities.end()) {
      return false;
    }
    if (bbox && (!e.location || !bbox->Contains(*e.location))) return false;
    return true;
  }
};

// One stream client's subscription: live events are held until the backlog (missed events or
// the snapshot) has been pushed, so the client sees everything once and in order.
struct StreamClient {
  std::shared_ptr<http::EventStream> stream;
  StreamFilter filter;
  std::mutex mu;
  bool ready = false;                  // guarded by mu
  uint64_t skip_up_to = 0;             // guarded by mu: ids already covered by the snapshot
  std::vector<events::EventPtr> held;  // guarded by mu

  bool Deliver(const events::EventPtr& e) {
    std::lock_guard lock(mu);
    if (stream->closed()) return false;
    if (!ready) {
      held.push_back(e);
      return true;
    }
    if (e->resumable && e->id <= skip_up_to) return true;
    if (!filter.Match(*e)) return true;
    return stream->PushFramed(e->framed);
  }
};

class Handlers {
 public:
  explicit Handlers(IngestApiContext c) : c_(c) {}

  Response Observations(const Request& req) {
    auto pending = std::make_shared<http::PendingResponse>();
    c_.service->Submit(
        req.Header("authorization"), req.body, journal::Channel::kHttp,
        [pending](const ingest::IngestResult& r) { pending->Respond(IngestResponse(r)); });
    return Response::Later(pending);
  }

  Response Stream(const Request& req) {
    auto client = std::make_shared<StreamClient>();
    client->stream = std::make_shared<http::EventStream>();
    auto facilities = IdListParam(req, "facility", kMaxStreamFacilities);
    if (!facilities.ok()) return ProblemFromStatus(facilities.status());
    if (*facilities) {
      for (std::string_view id : **facilities) client->filter.facilities.emplace_back(id);
    }
    auto crs = CrsParam(req);
    if (!crs.ok()) return ProblemFromStatus(crs.status());
    if (auto b = req.Query("bbox")) {
      auto box = ParseBoundingBox(*b, "bbox");
      if (!box.ok()) {
        return Response::Problem(400, "Bad Request", "bbox: " + box.status().message(), "bbox");
      }
      client->filter.bbox = ToWgs84(*box, *crs);
    }
    if (auto t = req.Query("types")) {
      for (auto part : SplitString(*t, ',')) {
        std::string type(TrimSpace(part));
        if (type != "facility" && type != "zone" && type != "charger" && type != "source") {
          return Response::Problem(
              400, "Bad Request",
              fmt::format("types: '{}' is not one of: facility, zone, charger, source", type),
              "types");
        }
        client->filter.types.push_back(type);
      }
    }
    std::optional<uint64_t> after;
    std::string last = req.Header("last-event-id");
    if (last.empty()) {
      if (auto q = req.Query("last_event_id")) last = std::string(*q);
    }
    if (!last.empty()) {
      auto v = ParseInt(last);
      if (!v || *v < 0) {
        return Response::Problem(400, "Bad Request",
                                 fmt::format("last-event-id: '{}' is not an event id", last),
                                 "last-event-id");
      }
      after = static_cast<uint64_t>(*v);
    }
    std::optional<std::vector<events::EventPtr>> missed;
    c_.bus->SubscribeFrom(
        after, [client](const events::EventPtr& e) { return client->Deliver(e); }, &missed);
    std::vector<events::EventPtr> backlog;
    uint64_t skip_up_to = 0;
    if (after && missed) {
      backlog = std::move(*missed);
    } else {
      // A new client, or one that missed more than the bus keeps: the current picture first.
      auto snap = c_.live->Snapshot();
      for (auto& e : state::SnapshotEvents(*snap, c_.clock->Now(), c_.live->rules())) {
        e.data = RenderLiveEvent(e);
        e.framed = events::FrameEvent(e);
        backlog.push_back(std::make_shared<const events::Event>(std::move(e)));
      }
      events::Event sync;
      sync.id = snap->event_id;
      sync.type = "sync";
      sync.data =
          fmt::format(R"({{"event_id":{},"reset":{}}})", snap->event_id, after ? "true" : "false");
      sync.framed = events::FrameEvent(sync);
      backlog.push_back(std::make_shared<const events::Event>(std::move(sync)));
      skip_up_to = snap->event_id;
    }
    {
      std::lock_guard lock(client->mu);
      for (const auto& e : backlog) {
        if (e->type == "sync" || client->filter.Match(*e)) client->stream->PushFramed(e->framed);
      }
      client->skip_up_to = skip_up_to;
      client->ready = true;
      for (const auto& e : client->held) {
        if (e->resumable && e->id <= skip_up_to) continue;
        if (client->filter.Match(*e)) client->stream->PushFramed(e->framed);
      }
      client->held.clear();
    }
    return Response::Stream(client->stream);
  }

  Response Health(const Request&) {
    auto snap = c_.live->Snapshot();
    const auto& reg = *c_.live->registry();
    Timestamp now = c_.clock->Now();
    const auto& rules = c_.live->rules();
    json sources = json::array();
    for (const auto& s : snap->sources) {
      const char* status = s.last_received == Timestamp{}         ? "never"
                           : state::SourceIsSilent(s, now, rules) ? "silent"
                                                                  : "ok";
      auto opt_time = [&](Timestamp t) {
        return t == Timestamp{} ? json(nullptr) : json(TimeText(reg, t));
      };
      sources.push_back(
          {{"id", s.id},
           {"status", status},
           {"expected_interval_s",
            s.expected_interval.count() ? json(s.expected_interval.count()) : json(nullptr)},
           {"last_received", opt_time(s.last_received)},
           {"last_observation", opt_time(s.last_observation)},
           {"last_seq", s.last_seq ? json(*s.last_seq) : json(nullptr)},
           {"seq_epoch", s.seq_epoch},
           {"boot", s.boot ? json(*s.boot) : json(nullptr)},
           {"last_seq_advanced", opt_time(s.seq_advanced_at)},
           {"seq_restarts", s.seq_restarts},
           {"seq_refused", s.seq_refused},
           {"accepted", s.accepted},
           {"duplicate", s.duplicate},
           {"out_of_order", s.out_of_order},
           {"unknown_target", s.unknown_target},
           {"rate_per_minute", s.RatePerMinute(now)},
           {"anomalies", {{"underflow", s.underflow}, {"overflow", s.overflow}}},
           {"corrections", {{"count", s.corrections}, {"spaces", s.correction_spaces}}}});
      // What the registry says of it (the dashboard shows a facility's sources by scope).
      for (const auto& r : reg.sources()) {
        if (r.id.str() != s.id) continue;
        json& out = sources.back();
        out["kind"] = model::Name(r.kind);
        out["scope"] = model::FormatScope(r.scope);
        out["description"] = r.description;
      }
    }
    json corrections = json::array();
    // Newest first (an index: clang-tidy's clang 14 cannot read libstdc++ 12's views::reverse).
    for (size_t i = snap->corrections.size(); i-- > 0;) {
      const state::Correction& c = snap->corrections[i];
      corrections.push_back(
          {{"facility", c.facility},
           {"source", c.source},
           {"time", TimeText(reg, c.time)},
           {"kind", c.kind == state::Correction::Kind::kReset ? "reset" : "count"},
           {"before", c.before},
           {"after", c.after},
           {"size", c.size()}});
    }
    json j{{"time", TimeText(reg, now)},
           {"sources", std::move(sources)},
           {"recent_corrections", std::move(corrections)}};
    return JsonResponse(200, std::move(j));
  }

  // The rejected input is the senders' data (what they sent, what was wrong with it): for
  // operators only. Counts by outcome are public in /metrics.
  Response Errors(const Request& req) {
    auto who = c_.authorizer->Authorize(req.Header("authorization"), kDeadLetterReaders);
    if (!who.ok()) return ProblemFromStatus(who.status());
    auto limit = IntParam(req, "limit", 100, 1, 1000);
    if (!limit.ok()) return ProblemFromStatus(limit.status());
    auto letters = c_.store->LoadDeadLetters(*limit);
    if (!letters.ok()) return ProblemFromStatus(letters.status());
    const auto& reg = *c_.live->registry();
    json items = json::array();
    for (const auto& d : *letters) {
      items.push_back({{"id", d.id},
                       {"time", TimeText(reg, d.received)},
                       {"channel", d.channel},
                       {"topic", d.topic},
                       {"source", d.source.empty() ? json(nullptr) : json(d.source)},
                       {"reason", d.reason},
                       {"payload", d.payload}});
    }
    return JsonResponse(200, json{{"items", std::move(items)}});
  }

 private:
  IngestApiContext c_;
};

}  // namespace

Response IngestResponse(const ingest::IngestResult& r) {
  if (r.status.ok()) {
    json counts{{"accepted", r.counts.accepted},
                {"duplicate", r.counts.duplicate},
                {"out_of_order", r.counts.out_of_order}};
    // Only when it happened: a seq the door let through but applying refused (a concurrent
    // batch of the same source moved its sequence first; docs/api/ingest.md).
    if (r.counts.seq_refused > 0) counts["seq_refused"] = r.counts.seq_refused;
    return Response::Json(200, counts.dump());
  }
  ProblemShape shape;
  switch (r.status.code()) {
    case StatusCode::kInvalidArgument:
      shape.type = "urn:parkguide:problem:invalid-observations";
      break;
    case StatusCode::kPermissionDenied:
      shape.type = "urn:parkguide:problem:out-of-scope";
      break;
    case StatusCode::kResourceExhausted:  // no retry hint: too large, not too many
      if (r.retry_after_s <= 0) shape.status = 413;
      break;
    default:
      break;
  }
  for (const auto& item : r.items) shape.invalid_params.push_back({item.Name(), item.reason});
  if (shape.invalid_params.empty() && !r.status.field().empty()) {
    shape.invalid_params.push_back({r.status.field(), r.status.message()});
  }
  return ProblemFromStatus(r.status.WithRetryAfter(std::chrono::seconds(r.retry_after_s)), shape);
}

void RegisterIngestApi(http::Server& server, const IngestApiContext& context) {
  auto h = std::make_shared<Handlers>(context);
  auto bind = [h](Response (Handlers::*method)(const Request&)) {
    return [h, method](const Request& req) { return ((*h).*method)(req); };
  };
  // The key is checked from the head: a caller without one never gets its body read.
  ingest::IngestService* service = context.service;
  const Authorizer* roles = context.authorizer;
  server.Route("POST", "/api/v1/observations", bind(&Handlers::Observations),
               http::RouteOptions::Admit([service, roles](const Request& head) {
                 const std::string authorization = head.Header("authorization");
                 auto principal = service->Authenticate(authorization);
                 if (principal.ok()) {
                   return http::Admission::Admit("source:" + (*principal)->source().id.str());
                 }
                 // A valid key of a person or a sign controller: known, but not a sender.
                 if (auto who = roles->Authorize(authorization, kEveryRole); who.ok()) {
                   return http::Admission::Refuse(ProblemFromStatus(PermissionDenied(fmt::format(
                       "key '{}' is a {} key: observations need a source key (parkguide source "
                       "add)",
                       who->id, Name(who->role)))));
                 }
                 return http::Admission::Refuse(ProblemFromStatus(principal.status()));
               }));
  server.Route("GET", "/api/v1/stream", bind(&Handlers::Stream));
  server.Route("GET", "/api/v1/sources/health", bind(&Handlers::Health));
  server.Route("GET", "/api/v1/ingest/errors", bind(&Handlers::Errors));
}

}  // namespace pg::api

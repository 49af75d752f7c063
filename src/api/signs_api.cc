#include "api/signs_api.h"
#include "api/problem_responses.h"

#include <fmt/format.h>

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "core/strings.h"
#include "core/text_bounds.h"
#include "model/model_crs.h"
#include "model/model_json.h"
#include "registry/registry.h"
#include "signs/controller_messages.h"

namespace pg::api {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

constexpr int kMaxWaitSeconds = 60;
constexpr int kDefaultLimit = 1000;
constexpr int kMaxLimit = 10'000;

std::string ETag(int64_t seq) { return fmt::format("\"{}\"", seq); }

// Who long-polls a sign waits for its answer in the coordinate system they asked for.
std::string WaitKey(std::string_view sign, Crs crs) {
  return fmt::format("{} {}", sign, CrsName(crs));
}

// Whether an If-None-Match value names `etag` (a list, weak forms and "*" included).
bool Matches(std::string_view if_none_match, const std::string& etag) {
  for (auto part : SplitString(if_none_match, ',')) {
    part = TrimSpace(part);
    if (part == "*") return true;
    if (part.starts_with("W/")) part.remove_prefix(2);
    if (part == etag) return true;
  }
  return false;
}

Response NotModified(const std::string& etag) {
  Response r;
  r.status = 304;
  r.content_type.clear();
  r.headers.emplace_back("ETag", etag);
  r.headers.emplace_back("Cache-Control", "no-cache");
  return r;
}

std::string Time(const registry::Registry& reg, Timestamp t) {
  return FormatRfc3339(t, reg.time_zone());
}
json OptionalTime(const registry::Registry& reg, const std::optional<Timestamp>& t) {
  return t ? json(Time(reg, *t)) : json(nullptr);
}

// Stored text is shown cut to the limits it is checked against now (BoundedText): a value an
// older version let in (a megabyte reason, a 20 MB fault list) cannot blow up an answer.
json BoundedName(const model::LocalizedName& text, size_t max_chars) {
  return {{"zh", BoundedText(text.zh, max_chars)}, {"en", BoundedText(text.en, max_chars)}};
}
// Every string of a stored document (a content's lines, a cause), each at most `max_chars`.
void BoundStrings(json& j, size_t max_chars) {
  if (j.is_string()) {
    j = BoundedText(j.get_ref<const std::string&>(), max_chars);
  } else if (j.is_structured()) {
    for (auto& child : j) BoundStrings(child, max_chars);
  }
}

json HealthJson(const registry::Registry& reg, const signs::SignHealth& h) {
  return {{"status", signs::Name(h.state)},
          {"since", OptionalTime(reg, h.since)},
          {"reason", h.reason},
          {"last_heartbeat", OptionalTime(reg, h.last_heartbeat)},
          {"last_ack", OptionalTime(reg, h.last_ack)},
          {"acked_seq", h.acked_seq},
          {"controller_faults", h.controller_faults}};
}

json OverrideJson(const registry::Registry& reg, const store::SignOverrideRecord& o) {
  json j{{"id", o.id},
         {"sign", o.sign.str()},
         {"line", o.line ? json(*o.line) : json(nullptr)},
         {"kind", o.kind},
         {"text", BoundedName(o.text, signs::kMaxSignTextChars)},
         {"reason", BoundedText(o.reason, kMaxReasonChars)},
         {"by", o.created_by},
         {"created", Time(reg, o.created)},
         {"expires", Time(reg, o.expires)},
         {"ended", OptionalTime(reg, o.ended)}};
  if (o.ended) {
    j["ended_by"] = o.ended_by;
    j["end_reason"] = BoundedText(o.end_reason, kMaxReasonChars);
  }
  return j;
}

json SignJson(const registry::Registry& reg, const model::Sign& def,
              const signs::SignSnapshot& snap, Crs crs) {
  json j = model::ToJson(model::ShownIn(def, crs));
  json content = signs::ToJson(snap.content);
  content["seq"] = snap.seq;
  content["published"] = OptionalTime(reg, snap.published);
  content["change_pending"] = snap.change_pending;
  j["content"] = std::move(content);
  j["health"] = HealthJson(reg, snap.health);
  json overrides = json::array();
  for (const auto& o : snap.overrides) overrides.push_back(OverrideJson(reg, o));
  j["overrides"] = std::move(overrides);
  return j;
}

json DisplayJson(const registry::Registry& reg, const store::SignDisplayRecord& r) {
  json content = json::parse(r.content_json, nullptr, false);
  json lines = content.is_object() && content.contains("lines") ? content["lines"] : json();
  json cause = json::parse(r.cause_json, nullptr, false);
  BoundStrings(lines, kMaxReasonChars);
  BoundStrings(cause, kMaxReasonChars);
  return {{"seq", r.seq},
          {"time", Time(reg, r.time)},
          {"acknowledged", OptionalTime(reg, r.acknowledged)},
          {"lines", std::move(lines)},
          {"cause", std::move(cause)}};
}

// The longest an override may be asked for in minutes: beyond any policy (SignService refuses
// more than its max_override), short of overflowing a time.
constexpr int64_t kMaxOverrideMinutes = int64_t{366} * 24 * 60;

// "text": one string (zh) or {"zh": …, "en": …}, strings only; their bounds are
// SignService::SetOverride's (signs::CheckSignText).
Result<model::LocalizedName> OverrideText(const json& body) {
  model::LocalizedName text;
  auto it = body.find("text");
  if (it == body.end() || it->is_null()) return text;
  if (it->is_string()) {
    text.zh = it->get<std::string>();
    return text;
  }
  if (!it->is_object()) return InvalidArgument("must be {\"zh\": …, \"en\": …}", "text");
  for (auto [lang, out] : {std::pair{"zh", &text.zh}, std::pair{"en", &text.en}}) {
    auto member = it->find(lang);
    if (member == it->end() || member->is_null()) continue;
    if (!member->is_string())
      return InvalidArgument("must be a string", fmt::format("text.{}", lang));
    *out = member->get<std::string>();
  }
  return text;
}

// "expires" (RFC 3339) or "minutes" from now: an override always ends.
Result<Timestamp> OverrideExpiry(const json& body, Timestamp now) {
  if (auto it = body.find("expires"); it != body.end() && !it->is_null()) {
    if (!it->is_string()) return InvalidArgument("must be an RFC 3339 time", "expires");
    auto t = ParseRfc3339(it->get_ref<const std::string&>());
    if (!t.ok()) return InvalidArgument(t.status().message(), "expires");
    return *t;
  }
  PG_ASSIGN_OR_RETURN(auto minutes, WholeNumberMember(body, "minutes", 1, kMaxOverrideMinutes));
  if (!minutes) {
    return InvalidArgument("give \"expires\" (RFC 3339) or \"minutes\": an override always ends",
                           "expires");
  }
  return now + std::chrono::minutes(*minutes);
}

// A line of `sign` from a whole number, read exactly: 2^40 is no line, never line 0.
Result<std::optional<int>> LineOf(const model::Sign& sign, Result<std::optional<int64_t>> line) {
  const int64_t last = static_cast<int64_t>(sign.lines.size()) - 1;
  if (!line.ok() || (*line && (**line < 0 || **line > last))) {
    return InvalidArgument(fmt::format("sign '{}' has lines 0–{}", sign.id.str(), last), "line");
  }
  if (!*line) return std::optional<int>();
  return std::optional<int>(static_cast<int>(**line));
}

// The body of POST /api/v1/signs/{id}/override, each member read as exactly what it must be
// (docs/api/signs.md, "Limits"). REQUIRES: body is an object.
Result<signs::OverrideRequest> OverrideFromJson(const json& body, const model::Sign& sign,
                                                const std::string& by, Timestamp now) {
  signs::OverrideRequest r;
  r.sign = sign.id;
  r.by = by;
  PG_ASSIGN_OR_RETURN(r.line, LineOf(sign, WholeNumberMember(body, "line", 0, INT64_MAX)));
  PG_ASSIGN_OR_RETURN(auto blank, FlagMember(body, "blank"));
  r.blank = blank.value_or(false);
  PG_ASSIGN_OR_RETURN(r.text, OverrideText(body));
  PG_ASSIGN_OR_RETURN(auto reason, TextMember(body, "reason", kMaxReasonChars));
  r.reason = reason.value_or("");
  PG_ASSIGN_OR_RETURN(r.expires, OverrideExpiry(body, now));
  return r;
}

// Long-poll requests waiting for a sign's next content.
class Waiters {
 public:
  void Add(const std::string& sign, std::shared_ptr<http::PendingResponse> pending) {
    std::lock_guard lock(mutex_);
    auto& list = waiting_[sign];
    std::erase_if(list, [](const auto& p) { return p->responded(); });
    list.push_back(std::move(pending));
  }

  std::vector<std::shared_ptr<http::PendingResponse>> Take(const std::string& sign) {
    std::lock_guard lock(mutex_);
    auto it = waiting_.find(sign);
    if (it == waiting_.end()) return {};
    auto out = std::move(it->second);
    waiting_.erase(it);
    return out;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::vector<std::shared_ptr<http::PendingResponse>>> waiting_;
};

class Handlers {
 public:
  explicit Handlers(SignsApiContext c) : c_(c) {}

  // The full answer for one sign, with its ETag.
  Response Render(const registry::Registry& reg, const model::Sign& def,
                  const signs::SignSnapshot& snap, Crs crs) {
    Response r = JsonResponse(200, SignJson(reg, def, snap, crs));
    r.headers.emplace_back("ETag", ETag(snap.seq));
    r.headers.emplace_back("Cache-Control", "no-cache");
    return r;
  }

  // A content was published: answer whoever waits for this sign.
  void OnContent(const model::SignId& sign, int64_t /*seq*/) {
    for (Crs crs : {Crs::kWgs84, Crs::kGcj02, Crs::kBd09}) {
      auto waiting = waiters_.Take(WaitKey(sign.str(), crs));
      if (waiting.empty()) continue;
      auto reg = c_.live->registry();
      const model::Sign* def = reg->FindSign(sign);
      auto snap = c_.signs->Current(sign);
      if (!def || !snap) return;
      Response r = Render(*reg, *def, *snap, crs);
      for (const auto& p : waiting) p->Respond(r);
    }
  }

  Response List(const Request& req) {
    auto limit = IntParam(req, "limit", 100, 1, 1000);
    if (!limit.ok()) return ProblemFromStatus(limit.status());
    auto crs = CrsParam(req);
    if (!crs.ok()) return ProblemFromStatus(crs.status());
    auto offset = IntParam(req, "offset", 0, 0, 1 << 30);
    if (!offset.ok()) return ProblemFromStatus(offset.status());
    std::optional<int> level;
    if (req.Query("level")) {
      auto l = IntParam(req, "level", 0, 1, 3);
      if (!l.ok()) return ProblemFromStatus(l.status());
      level = *l;
    }
    auto reg = c_.live->registry();
    std::vector<const model::Sign*> matches;
    for (const auto& s : reg->signs()) {
      if (level && static_cast<int>(s.level) != *level) continue;
      matches.push_back(&s);
    }
    json items = json::array();
    const size_t end = static_cast<size_t>(*offset) + static_cast<size_t>(*limit);
    for (size_t i = *offset; i < matches.size() && i < end; ++i) {
      auto snap = c_.signs->Current(matches[i]->id);
      const model::Sign shown = model::ShownIn(*matches[i], *crs);
      items.push_back(snap ? SignJson(*reg, *matches[i], *snap, *crs) : model::ToJson(shown));
    }
    json j{{"items", std::move(items)},
           {"total", matches.size()},
           {"limit", *limit},
           {"offset", *offset}};
    if (end < matches.size()) {
      std::string next = fmt::format("/api/v1/signs?limit={}&offset={}", *limit, *offset + *limit);
      if (level) next += fmt::format("&level={}", *level);
      j["next"] = next;
    } else {
      j["next"] = nullptr;
    }
    return JsonResponse(200, std::move(j));
  }

  Response One(const Request& req) {
    auto wait = IntParam(req, "wait", 0, 0, kMaxWaitSeconds);
    if (!wait.ok()) return ProblemFromStatus(wait.status());
    auto crs = CrsParam(req);
    if (!crs.ok()) return ProblemFromStatus(crs.status());
    auto reg = c_.live->registry();
    const std::string& id = req.path_params.at("id");
    const model::Sign* def = reg->FindSign(model::SignId(id));
    auto snap = c_.signs->Current(model::SignId(id));
    if (!def || !snap) return NoSign(id);
    std::string etag = ETag(snap->seq);
    std::string if_none_match = req.Header("if-none-match");
    if (if_none_match.empty() || !Matches(if_none_match, etag)) {
      return Render(*reg, *def, *snap, *crs);
    }
    if (*wait == 0) return NotModified(etag);
    auto pending =
        std::make_shared<http::PendingResponse>(std::chrono::seconds(*wait), NotModified(etag));
    waiters_.Add(WaitKey(id, *crs), pending);
    // A content published between the first look and Add would otherwise be missed.
    auto now = c_.signs->Current(model::SignId(id));
    if (now && now->seq != snap->seq) pending->Respond(Render(*reg, *def, *now, *crs));
    return Response::Later(pending);
  }

  Response History(const Request& req) {
    auto reg = c_.live->registry();
    const std::string& id = req.path_params.at("id");
    if (!reg->FindSign(model::SignId(id))) return NoSign(id);
    auto at = TimeParam(req, "at");
    if (!at.ok()) return ProblemFromStatus(at.status());
    if (*at) {
      auto shown = c_.store->SignDisplayAt(model::SignId(id), **at);
      if (!shown.ok()) return ProblemFromStatus(shown.status());
      auto fault = c_.store->SignFaultAt(model::SignId(id), **at);
      if (!fault.ok()) return ProblemFromStatus(fault.status());
      json health = nullptr;
      if (*fault) {
        health = {{"kind", (*fault)->kind},
                  {"time", Time(*reg, (*fault)->time)},
                  {"detail", BoundedText((*fault)->detail, signs::kMaxFaultDetailChars)}};
      }
      json j{{"sign", id},
             {"at", Time(*reg, **at)},
             {"shown", *shown ? DisplayJson(*reg, **shown) : json(nullptr)},
             {"last_fault", std::move(health)}};
      return JsonResponse(200, std::move(j));
    }
    auto range = TimeRangeParams(req, c_.clock->Now() + Milliseconds(1), std::chrono::hours(24));
    if (!range.ok()) return ProblemFromStatus(range.status());
    auto limit = IntParam(req, "limit", kDefaultLimit, 1, kMaxLimit);
    if (!limit.ok()) return ProblemFromStatus(limit.status());
    auto records = c_.store->LoadSignDisplays(model::SignId(id), range->first, range->second,
                                              static_cast<size_t>(*limit) + 1);
    if (!records.ok()) return ProblemFromStatus(records.status());
    bool truncated = records->size() > static_cast<size_t>(*limit);
    if (truncated) records->pop_back();
    json items = json::array();
    for (const auto& r : *records) items.push_back(DisplayJson(*reg, r));
    json j{{"sign", id},
           {"from", Time(*reg, range->first)},
           {"to", Time(*reg, range->second)},
           {"items", std::move(items)},
           {"truncated", truncated}};
    return JsonResponse(200, std::move(j));
  }

  Response Faults(const Request& req) {
    auto reg = c_.live->registry();
    const std::string& id = req.path_params.at("id");
    if (!reg->FindSign(model::SignId(id))) return NoSign(id);
    auto range =
        TimeRangeParams(req, c_.clock->Now() + Milliseconds(1), std::chrono::hours(24 * 7));
    if (!range.ok()) return ProblemFromStatus(range.status());
    auto limit = IntParam(req, "limit", kDefaultLimit, 1, kMaxLimit);
    if (!limit.ok()) return ProblemFromStatus(limit.status());
    auto faults = c_.store->LoadSignFaults(model::SignId(id), range->first, range->second,
                                           static_cast<size_t>(*limit));
    if (!faults.ok()) return ProblemFromStatus(faults.status());
    json items = json::array();
    for (const auto& f : *faults) {
      items.push_back({{"time", Time(*reg, f.time)},
                       {"kind", f.kind},
                       {"detail", BoundedText(f.detail, signs::kMaxFaultDetailChars)}});
    }
    auto snap = c_.signs->Current(model::SignId(id));
    json j{{"sign", id},
           {"from", Time(*reg, range->first)},
           {"to", Time(*reg, range->second)},
           {"health", snap ? HealthJson(*reg, snap->health) : json(nullptr)},
           {"items", std::move(items)}};
    return JsonResponse(200, std::move(j));
  }

  Response Overrides(const Request& req) {
    auto reg = c_.live->registry();
    const std::string& id = req.path_params.at("id");
    if (!reg->FindSign(model::SignId(id))) return NoSign(id);
    auto limit = IntParam(req, "limit", 100, 1, kMaxLimit);
    if (!limit.ok()) return ProblemFromStatus(limit.status());
    model::SignId sign(id);
    auto list = c_.store->LoadSignOverrides(&sign, false, static_cast<size_t>(*limit));
    if (!list.ok()) return ProblemFromStatus(list.status());
    json items = json::array();
    for (const auto& o : *list) items.push_back(OverrideJson(*reg, o));
    return JsonResponse(200, json{{"sign", id}, {"items", std::move(items)}});
  }

  Response SetOverride(const Request& req) {
    auto who = c_.authorizer->Authorize(req.Header("authorization"), Role::kTrafficCentre);
    if (!who.ok()) return ProblemFromStatus(who.status());
    auto reg = c_.live->registry();
    const std::string& id = req.path_params.at("id");
    const model::Sign* def = reg->FindSign(model::SignId(id));
    if (!def) return NoSign(id);
    json body = json::parse(req.body, nullptr, false);
    if (!body.is_object())
      return ProblemFromStatus(InvalidArgument("must be a JSON object", "body"));
    auto r = OverrideFromJson(body, *def, who->id, c_.clock->Now());
    if (!r.ok()) return ProblemFromStatus(r.status());
    auto set = c_.signs->SetOverride(*r);
    if (!set.ok()) return ProblemFromStatus(set.status());
    Response resp = JsonResponse(201, OverrideJson(*reg, *set));
    resp.headers.emplace_back("Location", fmt::format("/api/v1/signs/{}/overrides", id));
    return resp;
  }

  Response ClearOverride(const Request& req) {
    auto who = c_.authorizer->Authorize(req.Header("authorization"), Role::kTrafficCentre);
    if (!who.ok()) return ProblemFromStatus(who.status());
    auto reg = c_.live->registry();
    const std::string& id = req.path_params.at("id");
    const model::Sign* def = reg->FindSign(model::SignId(id));
    if (!def) return NoSign(id);
    std::optional<int> line;
    if (auto text = req.Query("line")) {
      auto l = WholeNumber(*text, "line", 0, static_cast<int>(def->lines.size()) - 1);
      if (!l.ok()) return ProblemFromStatus(l.status());
      line = *l;
    }
    auto reason = ClearReason(req);
    if (!reason.ok()) return ProblemFromStatus(reason.status());
    auto n = c_.signs->ClearOverrides(def->id, line, who->id, *reason);
    if (!n.ok()) return ProblemFromStatus(n.status());
    return JsonResponse(200, json{{"ended", *n}});
  }

  // Why overrides are cleared: the `reason` query parameter, else the body's "reason".
  static Result<std::string> ClearReason(const Request& req) {
    PG_ASSIGN_OR_RETURN(auto query, TextParam(req, "reason", kMaxReasonChars));
    std::string reason(query.value_or(""));
    json body = json::parse(req.body, nullptr, false);
    if (reason.empty() && body.is_object()) {
      PG_ASSIGN_OR_RETURN(auto member, TextMember(body, "reason", kMaxReasonChars));
      reason = member.value_or("");
    }
    if (reason.empty()) reason = "cleared by an operator";
    return reason;
  }

  Response Ack(const Request& req) {
    auto who = c_.authorizer->Authorize(req.Header("authorization"), Role::kController);
    if (!who.ok()) return ProblemFromStatus(who.status());
    const std::string& id = req.path_params.at("id");
    auto snap = c_.signs->Current(model::SignId(id));
    if (!snap) return NoSign(id);
    if (who->id != snap->controller_id) {
      return ProblemFromStatus(PermissionDenied(
          fmt::format("key '{}' is not the controller of sign '{}'", who->id, id)));
    }
    auto ack = signs::ParseSignAck(req.body);
    if (!ack.ok()) return ProblemFromStatus(ack.status());
    int64_t seq = ack->seq;
    if (!c_.signs->OnAck(model::SignId(id), seq, c_.clock->Now())) {
      return ProblemFromStatus(FailedPrecondition(fmt::format(
          "seq {} was not published to sign '{}' (the newest is {})", seq, id, snap->seq)));
    }
    Response r;
    r.status = 204;
    r.content_type.clear();
    return r;
  }

  Response Heartbeat(const Request& req) {
    auto who = c_.authorizer->Authorize(req.Header("authorization"), Role::kController);
    if (!who.ok()) return ProblemFromStatus(who.status());
    const std::string& id = req.path_params.at("id");
    if (who->id != id) {
      return ProblemFromStatus(
          PermissionDenied(fmt::format("key '{}' cannot speak for controller '{}'", who->id, id)));
    }
    auto heartbeat = signs::ParseControllerHeartbeat(req.body);
    if (!heartbeat.ok()) return ProblemFromStatus(heartbeat.status());
    if (!c_.signs->OnHeartbeat(id, c_.clock->Now(), std::move(heartbeat->faults))) {
      return ProblemFromStatus(NotFound(fmt::format("no sign has controller '{}'", id), "id"));
    }
    Response r;
    r.status = 204;
    r.content_type.clear();
    return r;
  }

  Response GetRules(const Request&) {
    return JsonResponse(200, signs::ToJson(*c_.signs->config()));
  }

  Response PutRules(const Request& req) {
    auto who = c_.authorizer->Authorize(req.Header("authorization"), Role::kTrafficCentre);
    if (!who.ok()) return ProblemFromStatus(who.status());
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded()) return ProblemFromStatus(InvalidArgument("not valid JSON", "body"));
    auto config = signs::SignConfigFromJson(body);
    if (!config.ok()) return ProblemFromStatus(config.status());
    if (Status s = c_.signs->SetConfig(*config); !s.ok()) return ProblemFromStatus(s);
    return JsonResponse(200, signs::ToJson(*c_.signs->config()));
  }

  Waiters& waiters() { return waiters_; }

 private:
  static Response NoSign(const std::string& id) {
    return Response::Problem(404, "Not Found", fmt::format("id: no sign '{}'", id), "id");
  }

  SignsApiContext c_;
  Waiters waiters_;
};

}  // namespace

void RegisterSignsApi(http::Server& server, const SignsApiContext& context) {
  auto h = std::make_shared<Handlers>(context);
  context.signs->SubscribeContent(
      [h](const model::SignId& sign, int64_t seq) { h->OnContent(sign, seq); });
  auto bind = [h](Response (Handlers::*method)(const Request&)) {
    return [h, method](const Request& req) { return ((*h).*method)(req); };
  };
  server.Route("GET", "/api/v1/signs", bind(&Handlers::List));
  server.Route("GET", "/api/v1/signs/{id}", bind(&Handlers::One));
  server.Route("GET", "/api/v1/signs/{id}/history", bind(&Handlers::History),
               http::RouteOptions::OnWorker());
  server.Route("GET", "/api/v1/signs/{id}/faults", bind(&Handlers::Faults));
  server.Route("GET", "/api/v1/signs/{id}/overrides", bind(&Handlers::Overrides));
  Access unaudited(*context.authorizer, nullptr);
  Access& access = context.access ? *context.access : unaudited;
  // The audit's before and after: the sign's open overrides; the rules.
  auto overrides = [context](const Request& req) {
    auto reg = context.live->registry();
    auto snap = context.signs->Current(model::SignId(req.path_params.at("id")));
    json open = json::array();
    if (snap) {
      for (const auto& o : snap->overrides) open.push_back(OverrideJson(*reg, o));
    }
    return json{{"overrides", std::move(open)}};
  };
  auto rules = [context](const Request&) { return signs::ToJson(*context.signs->config()); };
  const std::string telemetry =
      "controller telemetry: the sign history keeps acknowledgements, the fault log heartbeats";
  access.Route(server, "POST", "/api/v1/signs/{id}/override", bind(&Handlers::SetOverride),
               {Role::kTrafficCentre, AuditedChange{Target("sign", "id"), overrides}, {}});
  access.Route(server, "DELETE", "/api/v1/signs/{id}/override", bind(&Handlers::ClearOverride),
               {Role::kTrafficCentre, AuditedChange{Target("sign", "id"), overrides}, {}});
  access.Route(server, "POST", "/api/v1/signs/{id}/ack", bind(&Handlers::Ack),
               {Role::kController, std::nullopt, telemetry});
  access.Route(server, "POST", "/api/v1/controllers/{id}/heartbeat", bind(&Handlers::Heartbeat),
               {Role::kController, std::nullopt, telemetry});
  server.Route("GET", "/api/v1/sign-rules", bind(&Handlers::GetRules));
  access.Route(server, "PUT", "/api/v1/sign-rules", bind(&Handlers::PutRules),
               {Role::kTrafficCentre, AuditedChange{Target("sign-rules"), rules}, {}});
}

}  // namespace pg::api

#include "api/signs_api.h"
#include "api/problem_responses.h"

#include <fmt/format.h>

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "core/strings.h"
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
         {"text", model::ToJson(o.text)},
         {"reason", o.reason},
         {"by", o.created_by},
         {"created", Time(reg, o.created)},
         {"expires", Time(reg, o.expires)},
         {"ended", OptionalTime(reg, o.ended)}};
  if (o.ended) {
    j["ended_by"] = o.ended_by;
    j["end_reason"] = o.end_reason;
  }
  return j;
}

json SignJson(const registry::Registry& reg, const model::Sign& def,
              const signs::SignSnapshot& snap) {
  json j = model::ToJson(def);
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
  return {{"seq", r.seq},
          {"time", Time(reg, r.time)},
          {"acknowledged", OptionalTime(reg, r.acknowledged)},
          {"lines", std::move(lines)},
          {"cause", json::parse(r.cause_json, nullptr, false)}};
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
                  const signs::SignSnapshot& snap) {
    Response r = JsonResponse(200, SignJson(reg, def, snap));
    r.headers.emplace_back("ETag", ETag(snap.seq));
    r.headers.emplace_back("Cache-Control", "no-cache");
    return r;
  }

  // A content was published: answer whoever waits for this sign.
  void OnContent(const model::SignId& sign, int64_t /*seq*/) {
    auto waiting = waiters_.Take(sign.str());
    if (waiting.empty()) return;
    auto reg = c_.live->registry();
    const model::Sign* def = reg->FindSign(sign);
    auto snap = c_.signs->Current(sign);
    if (!def || !snap) return;
    Response r = Render(*reg, *def, *snap);
    for (const auto& p : waiting) p->Respond(r);
  }

  Response List(const Request& req) {
    auto limit = IntParam(req, "limit", 100, 1, 1000);
    if (!limit.ok()) return ProblemFromStatus(limit.status());
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
      items.push_back(snap ? SignJson(*reg, *matches[i], *snap) : model::ToJson(*matches[i]));
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
    auto reg = c_.live->registry();
    const std::string& id = req.path_params.at("id");
    const model::Sign* def = reg->FindSign(model::SignId(id));
    auto snap = c_.signs->Current(model::SignId(id));
    if (!def || !snap) return NoSign(id);
    std::string etag = ETag(snap->seq);
    std::string if_none_match = req.Header("if-none-match");
    if (if_none_match.empty() || !Matches(if_none_match, etag)) return Render(*reg, *def, *snap);
    if (*wait == 0) return NotModified(etag);
    auto pending =
        std::make_shared<http::PendingResponse>(std::chrono::seconds(*wait), NotModified(etag));
    waiters_.Add(id, pending);
    // A content published between the first look and Add would otherwise be missed.
    auto now = c_.signs->Current(model::SignId(id));
    if (now && now->seq != snap->seq) pending->Respond(Render(*reg, *def, *now));
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
                  {"detail", (*fault)->detail}};
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
      items.push_back({{"time", Time(*reg, f.time)}, {"kind", f.kind}, {"detail", f.detail}});
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
    auto who = c_.authorizer->Authorize(req.Header("authorization"), Role::kOperator);
    if (!who.ok()) return ProblemFromStatus(who.status());
    json body = json::parse(req.body, nullptr, false);
    if (!body.is_object())
      return ProblemFromStatus(InvalidArgument("must be a JSON object", "body"));
    signs::OverrideRequest r;
    r.sign = model::SignId(req.path_params.at("id"));
    r.by = who->id;
    if (body.contains("line") && !body["line"].is_null()) {
      if (!body["line"].is_number_integer()) {
        return ProblemFromStatus(InvalidArgument("must be a line number from 0", "line"));
      }
      r.line = body["line"].get<int>();
    }
    r.blank = body.value("blank", false);
    if (body.contains("text")) {
      const json& t = body["text"];
      if (t.is_string()) {
        r.text.zh = t.get<std::string>();
      } else if (t.is_object()) {
        r.text.zh = t.value("zh", "");
        r.text.en = t.value("en", "");
      } else {
        return ProblemFromStatus(InvalidArgument("must be {\"zh\": …, \"en\": …}", "text"));
      }
    }
    if (body.contains("reason") && body["reason"].is_string()) {
      r.reason = body["reason"].get<std::string>();
    }
    if (body.contains("expires") && body["expires"].is_string()) {
      auto t = ParseRfc3339(body["expires"].get<std::string>());
      if (!t.ok()) return ProblemFromStatus(InvalidArgument(t.status().message(), "expires"));
      r.expires = *t;
    } else if (body.contains("minutes") && body["minutes"].is_number_integer()) {
      r.expires = c_.clock->Now() + std::chrono::minutes(body["minutes"].get<int64_t>());
    } else {
      return ProblemFromStatus(InvalidArgument(
          "give \"expires\" (RFC 3339) or \"minutes\": an override always ends", "expires"));
    }
    auto set = c_.signs->SetOverride(r);
    if (!set.ok()) return ProblemFromStatus(set.status());
    auto reg = c_.live->registry();
    Response resp = JsonResponse(201, OverrideJson(*reg, *set));
    resp.headers.emplace_back("Location", fmt::format("/api/v1/signs/{}/overrides", r.sign.str()));
    return resp;
  }

  Response ClearOverride(const Request& req) {
    auto who = c_.authorizer->Authorize(req.Header("authorization"), Role::kOperator);
    if (!who.ok()) return ProblemFromStatus(who.status());
    std::optional<int> line;
    if (req.Query("line")) {
      auto l = IntParam(req, "line", 0, 0, 100);
      if (!l.ok()) return ProblemFromStatus(l.status());
      line = *l;
    }
    std::string reason = std::string(req.Query("reason").value_or(""));
    json body = json::parse(req.body, nullptr, false);
    if (reason.empty() && body.is_object()) reason = body.value("reason", "");
    if (reason.empty()) reason = "cleared by an operator";
    auto n =
        c_.signs->ClearOverrides(model::SignId(req.path_params.at("id")), line, who->id, reason);
    if (!n.ok()) return ProblemFromStatus(n.status());
    return JsonResponse(200, json{{"ended", *n}});
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
    auto who = c_.authorizer->Authorize(req.Header("authorization"), Role::kOperator);
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
  const Authorizer& keys = *context.authorizer;
  server.Route("POST", "/api/v1/signs/{id}/override", bind(&Handlers::SetOverride),
               http::RouteOptions::Admit(AdmitRole(keys, Role::kOperator)));
  server.Route("DELETE", "/api/v1/signs/{id}/override", bind(&Handlers::ClearOverride),
               http::RouteOptions::Admit(AdmitRole(keys, Role::kOperator)));
  server.Route("POST", "/api/v1/signs/{id}/ack", bind(&Handlers::Ack),
               http::RouteOptions::Admit(AdmitRole(keys, Role::kController)));
  server.Route("POST", "/api/v1/controllers/{id}/heartbeat", bind(&Handlers::Heartbeat),
               http::RouteOptions::Admit(AdmitRole(keys, Role::kController)));
  server.Route("GET", "/api/v1/sign-rules", bind(&Handlers::GetRules));
  server.Route("PUT", "/api/v1/sign-rules", bind(&Handlers::PutRules),
               http::RouteOptions::Admit(AdmitRole(keys, Role::kOperator)));
}

}  // namespace pg::api

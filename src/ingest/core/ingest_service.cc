#include "ingest/core/ingest_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace pg::ingest {

IngestService::IngestService(state::LiveState& state, KeyRing& keys, ObservationPipeline& pipeline,
                             const Clock& clock, IngestLimits limits)
    : state_(state), keys_(keys), pipeline_(pipeline), clock_(clock), limits_(limits) {}

void IngestService::SetKeyReloader(std::function<void()> reload) {
  std::lock_guard lock(mu_);
  reload_ = std::move(reload);
}

int IngestService::TakeTokens(const std::string& source, size_t n) {
  std::lock_guard lock(mu_);
  Timestamp now = clock_.Now();
  auto [it, inserted] = buckets_.try_emplace(source);
  Bucket& b = it->second;
  if (inserted) {
    b.tokens = limits_.burst;
    b.refilled = now;
  }
  double elapsed = std::chrono::duration<double>(now - b.refilled).count();
  if (elapsed > 0) {
    b.tokens = std::min(limits_.burst, b.tokens + elapsed * limits_.observations_per_second);
    b.refilled = now;
  }
  double need = static_cast<double>(n);
  if (need > limits_.burst)
    need = limits_.burst;  // a batch larger than the burst waits for a full bucket
  if (b.tokens >= need) {
    b.tokens -= static_cast<double>(n);
    return 0;
  }
  return std::max(1,
                  static_cast<int>(std::ceil((need - b.tokens) / limits_.observations_per_second)));
}

void IngestService::CountRefusal(const std::string& source, const ParsedBatch& parsed) {
  CountSeqErrors(source, parsed.errors);
  if (parsed.ahead_of_clock <= Milliseconds(0)) return;
  std::lock_guard lock(mu_);
  future_refusals_[source] = {source, clock_.Now(), parsed.ahead_of_clock};
}

std::vector<FutureRefusal> IngestService::FutureRefusals() const {
  std::lock_guard lock(mu_);
  std::vector<FutureRefusal> out;
  for (const auto& [source, r] : future_refusals_) out.push_back(r);
  return out;
}

void IngestService::CountSeqErrors(const std::string& source,
                                   const std::vector<ItemError>& errors) {
  const auto n = std::count_if(errors.begin(), errors.end(),
                               [](const ItemError& e) { return e.field == "seq"; });
  state_.CountSeqRefused(source, static_cast<uint64_t>(n));
}

void IngestService::AddRegistryErrors(ParsedBatch& parsed) const {
  std::set<std::pair<size_t, std::string>> reported;
  for (const auto& e : parsed.errors) reported.emplace(e.index, e.field);
  const size_t parse_errors = parsed.errors.size();
  for (size_t i = 0; i < parsed.observations.size(); ++i) {
    // An item without a type has nothing the registry could judge.
    if (reported.contains({i, "type"})) continue;
    auto r = state_.Resolve(parsed.observations[i]);
    if (r.ok() || reported.contains({i, r.status().field()})) continue;
    parsed.errors.push_back({i, r.status().field(), r.status().message()});
  }
  std::inplace_merge(parsed.errors.begin(),
                     parsed.errors.begin() + static_cast<std::ptrdiff_t>(parse_errors),
                     parsed.errors.end(),
                     [](const ItemError& a, const ItemError& b) { return a.index < b.index; });
}

Result<std::shared_ptr<const Principal>> IngestService::Authenticate(std::string_view credentials) {
  auto p = keys_.Authenticate(credentials);
  if (p.ok() || keys_.Knows(credentials)) return p;
  // Perhaps a key issued since the keys were loaded: reload, at most once a second.
  std::function<void()> reload;
  {
    std::lock_guard lock(mu_);
    Timestamp now = clock_.Now();
    if (reload_ && now - last_reload_ >= std::chrono::seconds(1)) {
      last_reload_ = now;
      reload = reload_;
    }
  }
  if (!reload) return p;
  reload();
  return keys_.Authenticate(credentials);
}

void IngestService::Submit(std::string_view credentials, std::string_view body,
                           journal::Channel channel, Done done,
                           const model::Source* trusted_source) {
  IngestResult result;
  std::shared_ptr<const Principal> principal;
  if (trusted_source) {
    principal = std::make_shared<const Principal>(*trusted_source, *state_.index());
  } else {
    auto p = Authenticate(credentials);
    if (!p.ok()) {
      result.status = p.status();
      return done(std::move(result));
    }
    principal = *p;
  }
  result.source = principal->source().id.str();
  auto observations = ParseOrRefuse(principal->source().id, body, result);
  if (!observations) return done(std::move(result));
  SubmitParsed(*principal, std::move(*observations), channel, std::move(done));
}

std::optional<std::vector<model::Observation>> IngestService::ParseOrRefuse(
    const model::SourceId& source, std::string_view body, IngestResult& result) {
  ParseOptions options;
  options.source = source;
  options.now = clock_.Now();
  options.max_future = limits_.max_future;
  options.max_items = limits_.max_batch;
  auto parsed = ParseObservations(body, options);
  if (!parsed.ok()) {
    result.status = parsed.status();
    return std::nullopt;
  }
  if (parsed->errors.empty()) return std::move(parsed->observations);
  AddRegistryErrors(*parsed);
  CountRefusal(source.str(), *parsed);
  size_t bad_items = 0;
  size_t last = SIZE_MAX;
  for (const auto& e : parsed->errors) {
    if (e.index != last) ++bad_items;
    last = e.index;
  }
  result.status =
      InvalidArgument(fmt::format("{} of {} observations are invalid; nothing was applied",
                                  bad_items, parsed->observations.size()));
  result.items = std::move(parsed->errors);
  return std::nullopt;
}

void IngestService::SubmitMessage(std::string_view topic_source, std::string_view payload,
                                  journal::Channel channel, Done done, bool trust_topic_source) {
  IngestResult result;
  result.source = std::string(topic_source);
  // Who sent it first, from the root "key" alone: a message with a wrong key costs a scan,
  // not a parse.
  std::shared_ptr<const Principal> principal;
  if (trust_topic_source) {
    principal = keys_.BySource(topic_source);
    if (!principal) {
      result.status =
          Unauthenticated(fmt::format("no active source '{}' (unknown or revoked)", topic_source));
      return done(std::move(result));
    }
  } else {
    auto key = FindRootKey(payload);
    if (!key.ok()) {
      result.status = key.status();
      return done(std::move(result));
    }
    auto p = keys_.Authenticate(key->value_or(""));
    if (!p.ok()) {
      result.status = Unauthenticated("the message carries no valid \"key\" of its source");
      return done(std::move(result));
    }
    principal = *p;
  }
  if (principal->source().id.str() != topic_source) {
    result.status =
        PermissionDenied(fmt::format("the key is source '{}''s, but the topic names source '{}'",
                                     principal->source().id.str(), topic_source));
    return done(std::move(result));
  }
  auto observations = ParseOrRefuse(principal->source().id, payload, result);
  if (!observations) return done(std::move(result));
  SubmitParsed(*principal, std::move(*observations), channel, std::move(done));
}

void IngestService::SubmitParsed(const Principal& principal,
                                 std::vector<model::Observation> observations,
                                 journal::Channel channel, Done done) {
  IngestResult result;
  result.source = principal.source().id.str();
  if (observations.size() > limits_.max_batch) {
    result.status = Status(StatusCode::kResourceExhausted,
                           fmt::format("a batch holds at most {} observations", limits_.max_batch),
                           "observations");
    return done(std::move(result));
  }
  // A batch is its principal's alone: the journal record's one seq restart threshold is that
  // source's.
  for (auto& o : observations) o.source = principal.source().id;
  std::vector<state::ResolvedObservation> resolved;
  resolved.reserve(observations.size());
  std::vector<ItemError> unknown;
  std::vector<ItemError> forbidden;
  const state::StateIndex& index = *state_.index();
  for (size_t i = 0; i < observations.size(); ++i) {
    auto r = state_.Resolve(observations[i]);
    if (!r.ok()) {
      unknown.push_back({i, r.status().field(), r.status().message()});
      continue;
    }
    if (!principal.MayWrite(*r, index)) {
      forbidden.push_back({i,
                           r->type == model::ObservationType::kBay       ? "bay"
                           : r->type == model::ObservationType::kCharger ? "charger"
                                                                         : "facility",
                           fmt::format("'{}' is outside the scope of source '{}'",
                                       observations[i].target, result.source)});
      continue;
    }
    resolved.push_back(*r);
  }
  if (!unknown.empty()) {
    result.status = InvalidArgument(fmt::format(
        "{} observations name targets that do not exist; nothing was applied", unknown.size()));
    result.items = std::move(unknown);
    return done(std::move(result));
  }
  if (!forbidden.empty()) {
    result.status = PermissionDenied(
        fmt::format("{} observations are outside the scope of source '{}'; nothing was applied",
                    forbidden.size(), result.source));
    result.items = std::move(forbidden);
    return done(std::move(result));
  }
  // The seq restart threshold is taken once and journaled with the batch: applying it now and
  // replaying it later judge its seqs alike, whatever the source's interval becomes.
  const state::BatchContext context{
      clock_.Now(), resolved.empty() ? std::chrono::milliseconds(0)
                                     : state_.SeqRestartAfter(resolved.front().source)};
  if (auto refused = state_.CheckSequences(resolved, context); !refused.empty()) {
    state_.CountSeqRefused(result.source, refused.size());
    result.status = InvalidArgument(fmt::format(
        "{} observations have a seq source '{}' cannot have sent in order; nothing was applied",
        refused.size(), result.source));
    for (auto& r : refused) result.items.push_back({r.index, "seq", std::move(r.reason)});
    return done(std::move(result));
  }
  if (int wait = TakeTokens(result.source, observations.size()); wait > 0) {
    result.status = ResourceExhausted(fmt::format(
        "source '{}' is over its rate limit of {} observations per second; retry in {} s",
        result.source, limits_.observations_per_second, wait));
    result.retry_after_s = wait;
    return done(std::move(result));
  }
  std::string payload;
  journal::EncodeObservationBatch({channel, context.received, *context.seq_restart_after},
                                  observations, payload);
  pipeline_.Submit(
      std::move(payload), std::move(resolved), context,
      [this, done = std::move(done), source = result.source](Result<state::BatchCounts> r) {
        IngestResult out;
        out.source = source;
        if (r.ok()) {
          out.counts = *r;
        } else {
          out.status = r.status();
          out.retry_after_s = pipeline_.retry_after_s();
        }
        done(std::move(out));
      });
}

}  // namespace pg::ingest

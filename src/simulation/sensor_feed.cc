#include "simulation/sensor_feed.h"

#include <fmt/format.h>

#include <unistd.h>
#include <filesystem>
#include <future>

#include "core/file_system.h"

namespace pg::simulation {
namespace {

// A fresh directory for the run's journal: on /dev/shm when it exists (no disk I/O).
Result<std::string> MakeJournalDir(uint64_t seed) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path base =
      fs::is_directory("/dev/shm", ec) ? fs::path("/dev/shm") : fs::temp_directory_path();
  for (int attempt = 0; attempt < 100; ++attempt) {
    Rng rng(seed ^ static_cast<uint64_t>(::getpid()), "journal-dir", attempt);
    fs::path dir = base / fmt::format("parkguide-simulate-{:016x}", rng.Next());
    if (fs::create_directory(dir, ec)) return dir.string();
  }
  return Unavailable(
      fmt::format("{}: cannot create a journal directory for the simulation", base.string()));
}

std::string SourceName(FeedKind kind, int f) {
  return fmt::format("sim-{}-{}", kind == FeedKind::kGate ? "gate" : "bays", f);
}

}  // namespace

SensorFeed::SensorFeed(const SimCity& city, FakeClock& clock, const FeedParams& params)
    : city_(city), clock_(clock), params_(params) {}

SensorFeed::~SensorFeed() {
  service_.reset();
  if (pipeline_) pipeline_->Stop();
  pipeline_.reset();
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

Result<std::unique_ptr<SensorFeed>> SensorFeed::Open(const SimCity& city, FakeClock& clock,
                                                     uint64_t seed, const FeedParams& params,
                                                     const std::vector<int>& occupied,
                                                     Timestamp start) {
  std::unique_ptr<SensorFeed> feed(new SensorFeed(city, clock, params));
  PG_ASSIGN_OR_RETURN(feed->dir_, MakeJournalDir(seed));
  clock.Set(start);
  feed->live_ = std::make_unique<state::LiveState>(city.registry, state::LiveRules{}, &clock);
  PG_ASSIGN_OR_RETURN(
      feed->pipeline_,
      ingest::IngestPipeline::Open(FileSystem::Default(), {.dir = feed->dir_, .clock = &clock},
                                   *feed->live_, {.clock = &clock}, nullptr));
  feed->service_ =
      std::make_unique<ingest::IngestService>(*feed->live_, feed->keys_, *feed->pipeline_, clock);
  const size_t n = city.facilities.size();
  feed->kinds_.resize(n);
  feed->interval_s_.resize(n);
  feed->seq_.assign(n, 0);
  feed->truth_ = occupied;
  feed->principals_.resize(n);
  for (size_t f = 0; f < n; ++f) {
    Rng rng(seed, "feed-kind", f);
    feed->rng_.emplace_back(seed, "feed", f);
    FeedKind kind = city.facilities[f].on_street ? FeedKind::kOnChange : FeedKind::kGate;
    if (rng.Chance(params.unfed_share)) kind = FeedKind::kNone;
    feed->kinds_[f] = kind;
    if (kind == FeedKind::kNone) continue;
    feed->interval_s_[f] =
        kind == FeedKind::kGate
            ? static_cast<int>(rng.Uniform(params.gate_interval_min_s, params.gate_interval_max_s))
            : params.heartbeat_s;
    model::Source source;
    source.id = model::SourceId(SourceName(kind, static_cast<int>(f)));
    source.kind = kind == FeedKind::kGate ? model::SourceKind::kOperatorSystem
                                          : model::SourceKind::kSensorGateway;
    source.scope.facilities.push_back(city.facilities[f].facility->id);
    source.expected_interval = std::chrono::seconds(feed->interval_s_[f]);
    feed->live_->DeclareSource(source.id, source.expected_interval);
    feed->principals_[f] = std::make_unique<ingest::Principal>(source, *feed->live_->index());
    // The first sample at a random phase of the interval; the initial count right away.
    const int64_t t0 = ToUnixMillis(start);
    feed->Push(
        {.at_ms = t0, .facility = static_cast<int>(f), .occupied = occupied[f], .taken_ms = t0});
    feed->Push({.at_ms = t0 + static_cast<int64_t>(rng.Uniform() * feed->interval_s_[f] * 1000),
                .facility = static_cast<int>(f),
                .sample = true});
  }
  PG_RETURN_IF_ERROR(feed->AdvanceTo(start));
  return feed;
}

void SensorFeed::Push(Due due) {
  due.order = order_++;
  due_.push(due);
}

int64_t SensorFeed::Delay(int f, int lo_s, int hi_s) {
  return static_cast<int64_t>(rng_[f].Uniform(lo_s, hi_s) * 1000);
}

void SensorFeed::CountChanged(int f, int occupied, Timestamp t) {
  truth_[f] = occupied;
  if (kinds_[f] != FeedKind::kOnChange) return;
  const int64_t now = ToUnixMillis(t);
  Push({.at_ms = now + Delay(f, params_.sensor_delay_min_s, params_.sensor_delay_max_s),
        .facility = f,
        .occupied = occupied,
        .taken_ms = now});
}

Status SensorFeed::AdvanceTo(Timestamp t) {
  const int64_t until = ToUnixMillis(t);
  while (!due_.empty() && due_.top().at_ms <= until) {
    Due due = due_.top();
    due_.pop();
    if (due.sample) {
      const int f = due.facility;
      const bool gate = kinds_[f] == FeedKind::kGate;
      Push({.at_ms = due.at_ms +
                     (gate ? Delay(f, params_.gate_delay_min_s, params_.gate_delay_max_s)
                           : Delay(f, params_.sensor_delay_min_s, params_.sensor_delay_max_s)),
            .facility = f,
            .occupied = truth_[f],
            .taken_ms = due.at_ms});
      Push({.at_ms = due.at_ms + interval_s_[f] * 1000, .facility = f, .sample = true});
      continue;
    }
    PG_RETURN_IF_ERROR(Deliver(due));
  }
  clock_.Set(FromUnixMillis(std::max(until, ToUnixMillis(clock_.Now()))));
  return Status::Ok();
}

Status SensorFeed::Deliver(const Due& due) {
  const int f = due.facility;
  const int capacity = city_.facilities[f].capacity;
  model::Observation o;
  o.type = model::ObservationType::kFacilityCount;
  o.time = FromUnixMillis(due.taken_ms);
  o.seq = ++seq_[f];
  o.target = city_.facilities[f].facility->id.str();
  o.occupied = due.occupied;
  o.free = std::max(0, capacity - due.occupied);
  clock_.Set(FromUnixMillis(std::max(due.at_ms, ToUnixMillis(clock_.Now()))));
  std::promise<ingest::IngestResult> promise;
  auto result = promise.get_future();
  service_->SubmitParsed(*principals_[f], {std::move(o)}, journal::Channel::kInternal,
                         [&promise](ingest::IngestResult r) { promise.set_value(std::move(r)); });
  ingest::IngestResult r = result.get();
  ++stats_.batches;
  if (!r.status.ok()) {
    ++stats_.refused;
    return Internal(fmt::format("the simulated sensor of {} was refused: {}",
                                city_.facilities[f].facility->id.str(), r.status.ToString()));
  }
  stats_.observations += r.counts.accepted;
  return Status::Ok();
}

}  // namespace pg::simulation

#include "ingest/core/clock_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace pg::ingest {
namespace {

constexpr auto kRefusalWindow = std::chrono::minutes(5);
constexpr auto kHeardWindow = std::chrono::minutes(2);
constexpr auto kLagLimit = std::chrono::minutes(10);

Milliseconds Median(std::vector<Milliseconds> values) {
  std::nth_element(values.begin(), values.begin() + values.size() / 2, values.end());
  return values[values.size() / 2];
}

std::string Minutes(Milliseconds d) {
  return fmt::format("{:.0f} min", std::chrono::duration<double, std::ratio<60>>(d).count());
}

std::optional<ClockSuspicion> Behind(std::span<const FutureRefusal> refusals, Timestamp now) {
  std::vector<Milliseconds> ahead;
  for (const auto& r : refusals) {
    if (now - r.at <= kRefusalWindow) ahead.push_back(r.ahead);
  }
  if (ahead.size() < 2) return std::nullopt;
  ClockSuspicion s{ClockSuspicion::Kind::kBehind, static_cast<int>(ahead.size()), Median(ahead),
                   ""};
  s.message = fmt::format(
      "observations of {} sources were refused in the last 5 minutes as about {} ahead of this "
      "server's clock: if this server's clock is behind (check NTP: timedatectl), every source is "
      "refused until it is right",
      s.sources, Minutes(s.by));
  return s;
}

std::optional<ClockSuspicion> Ahead(const state::LiveSnapshot& live, Timestamp now) {
  int heard = 0;
  std::vector<Milliseconds> lags;
  for (const auto& src : live.sources) {
    if (src.last_received == Timestamp{} || now - src.last_received > kHeardWindow) continue;
    ++heard;
    Milliseconds lag = src.last_received - src.last_observation;
    if (lag > kLagLimit) lags.push_back(lag);
  }
  if (lags.size() < 2 || static_cast<int>(lags.size()) * 2 < heard) return std::nullopt;
  ClockSuspicion s{ClockSuspicion::Kind::kAhead, static_cast<int>(lags.size()), Median(lags), ""};
  s.message = fmt::format(
      "{} of the {} sources heard from in the last 2 minutes send observations about {} older "
      "than this server's clock: if this server's clock is ahead (check NTP: timedatectl), their "
      "facilities show as unknown until it is right",
      s.sources, heard, Minutes(s.by));
  return s;
}

}  // namespace

std::optional<ClockSuspicion> SuspectServerClock(const state::LiveSnapshot& live,
                                                 std::span<const FutureRefusal> refusals,
                                                 Timestamp now) {
  if (auto s = Behind(refusals, now)) return s;
  return Ahead(live, now);
}

}  // namespace pg::ingest

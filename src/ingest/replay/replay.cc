#include "ingest/replay/replay.h"

#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <cctype>
#include "core/csv.h"
#include "core/strings.h"
#include "state/rollup.h"

namespace pg::ingest {
namespace {

// A facility id from a Birmingham SystemCodeNumber: the set's codes include names ("NIA South",
// "Broad Street") whose spaces no id may hold (model::ValidateId) — they become '_'.
std::string IdFromSystemCode(std::string_view code) {
  std::string id(TrimSpace(code));
  for (char& c : id) {
    const bool plain =
        std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == ':';
    if (!plain) c = '_';
  }
  return id;
}

// "2016-10-04 07:59:42" in `zone`.
std::optional<Timestamp> ParseLocal(std::string_view text, const date::time_zone& zone) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  char extra = 0;
  std::string copy(text);
  if (std::sscanf(copy.c_str(), "%4d-%2d-%2d %2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &s, &extra) !=
      6) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  return FromLocal(y, mo, d, h * 60 + mi, zone) + std::chrono::seconds(s);
}

}  // namespace

std::string ReplayReport::ToText() const {
  return fmt::format(
      "{} rows, {} facilities, {} to {}: {} samples and {} 5-minute rollups written; dropped {} "
      "duplicate rows; clamped {} counts above capacity and {} below zero",
      rows, facilities.size(), first == Timestamp{} ? "-" : FormatRfc3339Utc(first),
      last == Timestamp{} ? "-" : FormatRfc3339Utc(last), samples, rollups, duplicates,
      clamped_over, clamped_under);
}

Result<std::vector<Reading>> ReadReadings(const std::string& path, ReplayFormat format,
                                          const ReplayOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound(fmt::format("cannot read '{}'", path));
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  int error_line = 0;
  auto records = ParseCsv(StripUtf8Bom(text), &error_line);
  if (!records.ok()) {
    return InvalidArgument(fmt::format("{}:{}: {}", path, error_line, records.status().message()));
  }
  const date::time_zone* zone = nullptr;
  if (format == ReplayFormat::kBirmingham) {
    PG_ASSIGN_OR_RETURN(zone, LookupTimeZone(options.time_zone));
  }
  const std::vector<std::string> expected =
      format == ReplayFormat::kBirmingham
          ? std::vector<std::string>{"SystemCodeNumber", "Capacity", "Occupancy", "LastUpdated"}
          : std::vector<std::string>{"facility_id", "time", "occupied", "capacity"};
  if (records->empty() || records->front().cells != expected) {
    return InvalidArgument(
        fmt::format("{}:1: expected the header {}", path, fmt::join(expected, ",")));
  }
  std::vector<Reading> out;
  out.reserve(records->size());
  for (size_t i = 1; i < records->size(); ++i) {
    const auto& r = (*records)[i];
    if (r.cells.size() == 1 && r.cells[0].empty()) continue;  // blank line
    auto bad = [&](std::string_view column, std::string_view why) {
      return InvalidArgument(fmt::format("{}:{}: {}: {}", path, r.line, column, why));
    };
    if (r.cells.size() != 4) return bad("row", fmt::format("{} cells, expected 4", r.cells.size()));
    Reading reading;
    if (format == ReplayFormat::kBirmingham) {
      reading.facility = IdFromSystemCode(r.cells[0]);
      auto cap = ParseInt(r.cells[1]);
      auto occ = ParseInt(r.cells[2]);
      auto t = ParseLocal(r.cells[3], *zone);
      if (!cap || *cap < 0) return bad("Capacity", "not a whole number >= 0");
      if (!occ) return bad("Occupancy", "not a whole number");
      if (!t) return bad("LastUpdated", "not YYYY-MM-DD HH:MM:SS");
      reading.capacity = static_cast<int>(*cap);
      reading.occupied = static_cast<int>(*occ);
      reading.time = *t;
    } else {
      reading.facility = r.cells[0];
      auto t = ParseRfc3339(r.cells[1]);
      auto occ = ParseInt(r.cells[2]);
      auto cap = ParseInt(r.cells[3]);
      if (!t.ok()) return bad("time", t.status().message());
      if (!occ) return bad("occupied", "not a whole number");
      if (!cap || *cap < 0) return bad("capacity", "not a whole number >= 0");
      reading.time = *t;
      reading.occupied = static_cast<int>(*occ);
      reading.capacity = static_cast<int>(*cap);
    }
    if (reading.facility.empty()) return bad(expected[0], "empty");
    out.push_back(std::move(reading));
  }
  return out;
}

Result<ReplayReport> ReplayToHistory(std::vector<Reading> readings,
                                     store::OccupancyHistoryWriter& store,
                                     const ReplayOptions& options,
                                     const std::function<void(size_t, size_t)>& progress) {
  ReplayReport report;
  report.rows = readings.size();
  std::stable_sort(readings.begin(), readings.end(), [](const Reading& a, const Reading& b) {
    return std::tie(a.facility, a.time) < std::tie(b.facility, b.time);
  });
  state::RollupBuilder rollups(std::chrono::minutes(5), options.max_hold);
  std::vector<model::OccupancySample> samples;
  std::vector<model::OccupancyRollup> closed;
  std::set<std::string> facilities;
  constexpr size_t kChunk = 5000;
  auto write = [&]() -> Status {
    PG_RETURN_IF_ERROR(store.AppendOccupancy(samples));
    report.samples += samples.size();
    samples.clear();
    auto more = rollups.Flush(Timestamp{});  // nothing closes at the epoch: collect only
    closed.insert(closed.end(), more.begin(), more.end());
    PG_RETURN_IF_ERROR(store.AppendRollups(closed));
    report.rollups += closed.size();
    closed.clear();
    return Status::Ok();
  };
  for (size_t i = 0; i < readings.size(); ++i) {
    const Reading& r = readings[i];
    if (i > 0 && r.facility == readings[i - 1].facility && r.time == readings[i - 1].time) {
      ++report.duplicates;  // the same reading again (or a conflicting one: the first wins)
      continue;
    }
    int occupied = r.occupied;
    if (occupied < 0) {
      ++report.clamped_under;
      occupied = 0;
    } else if (r.capacity > 0 && occupied > r.capacity) {
      ++report.clamped_over;
      occupied = r.capacity;
    }
    facilities.insert(r.facility);
    if (report.first == Timestamp{} || r.time < report.first) report.first = r.time;
    report.last = std::max(report.last, r.time);
    samples.push_back({model::FacilityId(r.facility), r.time, occupied, r.capacity});
    rollups.Add(model::OccupancyRollup::Kind::kFacility, r.facility, r.time, occupied, r.capacity);
    if (samples.size() >= kChunk) {
      PG_RETURN_IF_ERROR(write());
      if (progress) progress(i + 1, readings.size());
    }
  }
  // Close every series: a step past the last reading's hold.
  auto rest = rollups.Flush(report.last + options.max_hold + std::chrono::minutes(10));
  closed.insert(closed.end(), rest.begin(), rest.end());
  PG_RETURN_IF_ERROR(write());
  if (progress) progress(readings.size(), readings.size());
  report.facilities.assign(facilities.begin(), facilities.end());
  return report;
}

}  // namespace pg::ingest

#include "forecast/datasets.h"

#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <unordered_map>

#include "core/csv.h"
#include "core/strings.h"

namespace pg::forecast {
namespace {

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound(fmt::format("cannot open '{}'", path), "data");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status Bad(std::string_view file, int line, std::string_view what) {
  return InvalidArgument(fmt::format("{} line {}: {}", file, line, what), "data");
}

// Civil date-time pieces; seconds optional.
struct Civil {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
};

// "YYYY-MM-DD HH:MM[:SS]".
std::optional<Civil> ParseIsoLocal(std::string_view t) {
  t = TrimSpace(t);
  if (t.size() < 16 || t[4] != '-' || t[7] != '-' || (t[10] != ' ' && t[10] != 'T') ||
      t[13] != ':') {
    return std::nullopt;
  }
  Civil c;
  auto y = ParseInt(t.substr(0, 4)), mo = ParseInt(t.substr(5, 2)), d = ParseInt(t.substr(8, 2)),
       h = ParseInt(t.substr(11, 2)), mi = ParseInt(t.substr(14, 2));
  if (!y || !mo || !d || !h || !mi) return std::nullopt;
  c = {static_cast<int>(*y), static_cast<int>(*mo), static_cast<int>(*d),
       static_cast<int>(*h), static_cast<int>(*mi), 0};
  if (t.size() >= 19 && t[16] == ':') {
    auto s = ParseInt(t.substr(17, 2));
    if (!s) return std::nullopt;
    c.s = static_cast<int>(*s);
  }
  return c;
}

// "DD/MM/YYYY HH:MM" (day first).
std::optional<Civil> ParseDayFirst(std::string_view t) {
  t = TrimSpace(t);
  auto parts = SplitString(t, ' ');
  if (parts.size() != 2) return std::nullopt;
  auto dmy = SplitString(parts[0], '/');
  auto hm = SplitString(parts[1], ':');
  if (dmy.size() != 3 || hm.size() < 2) return std::nullopt;
  auto d = ParseInt(dmy[0]), mo = ParseInt(dmy[1]), y = ParseInt(dmy[2]), h = ParseInt(hm[0]),
       mi = ParseInt(hm[1]);
  if (!d || !mo || !y || !h || !mi) return std::nullopt;
  return Civil{static_cast<int>(*y), static_cast<int>(*mo), static_cast<int>(*d),
               static_cast<int>(*h), static_cast<int>(*mi), 0};
}

std::optional<Timestamp> ToInstant(const Civil& c, const date::time_zone& zone) {
  if (c.mo < 1 || c.mo > 12 || c.d < 1 || c.d > 31 || c.h > 23 || c.mi > 59 || c.s > 60) {
    return std::nullopt;
  }
  date::year_month_day ymd{date::year(c.y), date::month(static_cast<unsigned>(c.mo)),
                           date::day(static_cast<unsigned>(c.d))};
  if (!ymd.ok()) return std::nullopt;
  return FromLocal(c.y, c.mo, c.d, c.h * 60 + c.mi, zone) + Seconds(std::min(c.s, 59));
}

std::optional<int> Int(std::string_view s) {
  auto v = ParseInt(TrimSpace(s));
  if (!v || *v < -1'000'000 || *v > 1'000'000) return std::nullopt;
  return static_cast<int>(*v);
}

// Groups samples by id, keeping first-appearance order of ids.
class SeriesBuilder {
 public:
  std::vector<Sample>& Of(const std::string& id) {
    auto [it, inserted] = index_.emplace(id, out_.size());
    if (inserted) out_.push_back({id, {}});
    return out_[it->second].samples;
  }
  std::vector<RawSeries> Take() { return std::move(out_); }

 private:
  std::unordered_map<std::string, size_t> index_;
  std::vector<RawSeries> out_;
};

}  // namespace

Result<DataFormat> ParseDataFormat(std::string_view text) {
  if (text == "long") return DataFormat::kLong;
  if (text == "birmingham") return DataFormat::kBirmingham;
  if (text == "guangzhou") return DataFormat::kGuangzhou;
  if (text == "parkapi") return DataFormat::kParkApi;
  if (text == "ev") return DataFormat::kEv;
  return InvalidArgument(
      fmt::format("'{}' is not one of: long, birmingham, guangzhou, parkapi, ev", text), "format");
}

Result<Dataset> ParseLongCsv(std::string_view text, std::string_view time_zone) {
  PG_ASSIGN_OR_RETURN(const date::time_zone* zone, LookupTimeZone(time_zone));
  (void)zone;
  int err_line = 0;
  auto records = ParseCsv(StripUtf8Bom(text), &err_line);
  if (!records.ok()) return Bad("long CSV", err_line, records.status().message());
  Dataset d;
  d.name = "long";
  d.time_zone = std::string(time_zone);
  SeriesBuilder b;
  bool header = true;
  for (const CsvRecord& r : *records) {
    if (r.cells.size() == 1 && TrimSpace(r.cells[0]).empty()) continue;
    if (header) {
      header = false;
      if (r.cells.size() < 4 || TrimSpace(r.cells[0]) != "facility_id" ||
          TrimSpace(r.cells[1]) != "time" || TrimSpace(r.cells[2]) != "occupied" ||
          TrimSpace(r.cells[3]) != "capacity") {
        return Bad("long CSV", r.line, "header must be facility_id,time,occupied,capacity");
      }
      continue;
    }
    ++d.rows;
    if (r.cells.size() < 4) return Bad("long CSV", r.line, "expected 4 cells");
    auto t = ParseRfc3339(TrimSpace(r.cells[1]));
    if (!t.ok()) return Bad("long CSV", r.line, t.status().message());
    auto occ = Int(r.cells[2]);
    auto cap = Int(r.cells[3]);
    if (!occ)
      return Bad("long CSV", r.line,
                 fmt::format("occupied '{}' is not a whole number", r.cells[2]));
    if (!cap)
      return Bad("long CSV", r.line,
                 fmt::format("capacity '{}' is not a whole number", r.cells[3]));
    ++d.cells;
    if (*cap <= 0) {
      ++d.skipped_cells;
      continue;
    }
    b.Of(std::string(TrimSpace(r.cells[0]))).push_back({*t, *occ, *cap});
  }
  d.series = b.Take();
  return d;
}

Result<Dataset> ParseBirmingham(std::string_view text) {
  PG_ASSIGN_OR_RETURN(const date::time_zone* zone, LookupTimeZone("Europe/London"));
  int err_line = 0;
  auto records = ParseCsv(StripUtf8Bom(text), &err_line);
  if (!records.ok()) return Bad("birmingham", err_line, records.status().message());
  Dataset d;
  d.name = "birmingham";
  d.time_zone = "Europe/London";
  d.calendar = "none";
  // Readings about every 30 minutes from 08:00 to 16:30; a missed one is repeated, not absent.
  d.grid.max_gap = Minutes(65);
  SeriesBuilder b;
  bool header = true;
  for (const CsvRecord& r : *records) {
    if (r.cells.size() == 1 && TrimSpace(r.cells[0]).empty()) continue;
    if (header) {
      header = false;
      if (r.cells.size() < 4 || TrimSpace(r.cells[0]) != "SystemCodeNumber") {
        return Bad("birmingham", r.line,
                   "header must be SystemCodeNumber,Capacity,Occupancy,LastUpdated");
      }
      continue;
    }
    ++d.rows;
    if (r.cells.size() < 4) return Bad("birmingham", r.line, "expected 4 cells");
    auto cap = Int(r.cells[1]);
    auto occ = Int(r.cells[2]);
    auto civil = ParseIsoLocal(r.cells[3]);
    std::optional<Timestamp> t = civil ? ToInstant(*civil, *zone) : std::nullopt;
    if (!cap || !occ || !t) {
      return Bad("birmingham", r.line,
                 "expected Capacity and Occupancy as whole numbers and "
                 "LastUpdated as YYYY-MM-DD HH:MM:SS");
    }
    ++d.cells;
    if (*cap <= 0) {
      ++d.skipped_cells;
      continue;
    }
    b.Of(std::string(TrimSpace(r.cells[0]))).push_back({*t, *occ, *cap});
  }
  d.series = b.Take();
  return d;
}

Result<Dataset> ParseGuangzhou(std::string_view occupancy_csv, std::string_view inf_csv) {
  PG_ASSIGN_OR_RETURN(const date::time_zone* zone, LookupTimeZone("Asia/Shanghai"));
  int err_line = 0;
  auto inf = ParseCsv(StripUtf8Bom(inf_csv), &err_line);
  if (!inf.ok()) return Bad("inf.csv", err_line, inf.status().message());
  std::map<std::string, int> capacity;
  int id_col = -1, cap_col = -1;
  for (const CsvRecord& r : *inf) {
    if (id_col < 0) {
      for (size_t i = 0; i < r.cells.size(); ++i) {
        if (TrimSpace(r.cells[i]) == "ID") id_col = static_cast<int>(i);
        if (TrimSpace(r.cells[i]) == "CAPACITY") cap_col = static_cast<int>(i);
      }
      if (id_col < 0 || cap_col < 0) return Bad("inf.csv", r.line, "needs ID and CAPACITY columns");
      continue;
    }
    if (static_cast<int>(r.cells.size()) <= std::max(id_col, cap_col)) continue;
    auto cap = Int(r.cells[cap_col]);
    if (!cap) return Bad("inf.csv", r.line, "CAPACITY is not a whole number");
    capacity[std::string(TrimSpace(r.cells[id_col]))] = *cap;
  }
  auto records = ParseCsv(StripUtf8Bom(occupancy_csv), &err_line);
  if (!records.ok()) return Bad("occupancy.csv", err_line, records.status().message());
  Dataset d;
  d.name = "guangzhou";
  d.time_zone = "Asia/Shanghai";
  d.calendar = "cn";
  d.grid.max_gap = Minutes(30);
  std::vector<std::string> ids;
  std::vector<std::vector<Sample>> samples;
  std::vector<int> caps;
  bool header = true;
  for (const CsvRecord& r : *records) {
    if (r.cells.size() == 1 && TrimSpace(r.cells[0]).empty()) continue;
    if (header) {
      header = false;
      if (r.cells.empty() || TrimSpace(r.cells[0]) != "TIME") {
        return Bad("occupancy.csv", r.line, "first column must be TIME");
      }
      for (size_t i = 1; i < r.cells.size(); ++i) {
        std::string id(TrimSpace(r.cells[i]));
        auto it = capacity.find(id);
        ids.push_back(id);
        caps.push_back(it == capacity.end() ? 0 : it->second);
        if (it == capacity.end())
          d.notes.push_back(fmt::format("{}: no capacity in inf.csv, skipped", id));
      }
      samples.resize(ids.size());
      continue;
    }
    ++d.rows;
    auto civil = ParseDayFirst(r.cells[0]);
    std::optional<Timestamp> t = civil ? ToInstant(*civil, *zone) : std::nullopt;
    if (!t)
      return Bad("occupancy.csv", r.line,
                 fmt::format("TIME '{}' is not DD/MM/YYYY HH:MM", r.cells[0]));
    for (size_t i = 1; i < r.cells.size() && i <= ids.size(); ++i) {
      if (TrimSpace(r.cells[i]).empty()) continue;
      ++d.cells;
      auto occ = Int(r.cells[i]);
      if (!occ || caps[i - 1] <= 0) {
        ++d.skipped_cells;
        continue;
      }
      samples[i - 1].push_back({*t, *occ, caps[i - 1]});
    }
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!samples[i].empty()) d.series.push_back({ids[i], std::move(samples[i])});
  }
  return d;
}

Result<Dataset> ParseParkApi(const std::vector<std::pair<std::string, std::string>>& daily,
                             std::string_view meta_csv) {
  int err_line = 0;
  auto meta = ParseCsv(StripUtf8Bom(meta_csv), &err_line);
  if (!meta.ok()) return Bad("meta-data.csv", err_line, meta.status().message());
  std::unordered_map<std::string, int> capacity;
  {
    int id_col = -1, cap_col = -1;
    bool header = true;
    for (const CsvRecord& r : *meta) {
      if (header) {
        header = false;
        for (size_t i = 0; i < r.cells.size(); ++i) {
          if (TrimSpace(r.cells[i]) == "place_id") id_col = static_cast<int>(i);
          if (TrimSpace(r.cells[i]) == "num_all") cap_col = static_cast<int>(i);
        }
        if (id_col < 0 || cap_col < 0) {
          return Bad("meta-data.csv", r.line, "needs place_id and num_all columns");
        }
        continue;
      }
      if (static_cast<int>(r.cells.size()) <= std::max(id_col, cap_col)) continue;
      auto cap = ParseDouble(TrimSpace(r.cells[cap_col]));
      if (cap && *cap > 0)
        capacity[std::string(TrimSpace(r.cells[id_col]))] = static_cast<int>(*cap);
    }
  }
  Dataset d;
  d.name = "parkapi-germany";
  d.time_zone = "Europe/Berlin";
  d.calendar = "none";
  d.grid.max_gap = Minutes(30);
  // How long an empty cell may repeat the last value (see the header comment).
  const Milliseconds carry_limit = std::chrono::hours(6);
  struct Place {
    std::vector<Sample> samples;
    std::optional<Timestamp> last_explicit;
    int last_free = 0;
    int capacity = 0;
    bool has_value = false;
  };
  std::map<std::string, Place> places;
  std::map<std::string, int64_t> no_capacity;
  std::optional<Timestamp> last_row_time;
  for (const auto& [name, text] : daily) {
    auto records = ParseCsv(StripUtf8Bom(text), &err_line);
    if (!records.ok()) return Bad(name, err_line, records.status().message());
    std::vector<Place*> columns;
    std::vector<std::string> column_ids;
    bool header = true;
    for (const CsvRecord& r : *records) {
      if (r.cells.size() == 1 && TrimSpace(r.cells[0]).empty()) continue;
      if (header) {
        header = false;
        if (r.cells.empty() || TrimSpace(r.cells[0]) != "timestamp") {
          return Bad(name, r.line, "first column must be timestamp");
        }
        for (size_t i = 1; i < r.cells.size(); ++i) {
          std::string id(TrimSpace(r.cells[i]));
          column_ids.push_back(id);
          auto cap = capacity.find(id);
          if (cap == capacity.end()) {
            columns.push_back(nullptr);
            continue;
          }
          Place& p = places[id];
          p.capacity = cap->second;
          columns.push_back(&p);
        }
        continue;
      }
      ++d.rows;
      auto t = ParseRfc3339(TrimSpace(r.cells[0]));
      if (!t.ok()) return Bad(name, r.line, t.status().message());
      // Rows written seconds apart by different sources are one reading.
      Timestamp when = *t;
      if (last_row_time && when - *last_row_time < Seconds(60) && when >= *last_row_time) {
        when = *last_row_time;
      } else {
        last_row_time = when;
      }
      for (size_t i = 0; i < columns.size(); ++i) {
        std::string_view cell = i + 1 < r.cells.size() ? TrimSpace(r.cells[i + 1]) : "";
        Place* p = columns[i];
        if (!cell.empty()) {
          ++d.cells;
          auto free = Int(cell);
          if (!free) {
            ++d.skipped_cells;
            continue;
          }
          if (!p) {
            ++no_capacity[column_ids[i]];
            ++d.skipped_cells;
            continue;
          }
          p->last_free = *free;
          p->last_explicit = when;
          p->has_value = true;
        } else {
          if (!p || !p->has_value || when - *p->last_explicit > carry_limit) continue;
          ++d.carried_forward;
        }
        if (!p->samples.empty() && p->samples.back().time == when) {
          p->samples.back().occupied = p->capacity - p->last_free;
        } else {
          p->samples.push_back({when, p->capacity - p->last_free, p->capacity});
        }
      }
    }
  }
  for (auto& [id, p] : places) {
    if (!p.samples.empty()) d.series.push_back({id, std::move(p.samples)});
  }
  if (!no_capacity.empty()) {
    d.notes.push_back(
        fmt::format("{} places with values but no capacity (num_all) skipped", no_capacity.size()));
  }
  return d;
}

Result<Dataset> ParseEv(const std::vector<std::pair<std::string, std::string>>& files) {
  PG_ASSIGN_OR_RETURN(const date::time_zone* zone, LookupTimeZone("Asia/Shanghai"));
  Dataset d;
  d.name = "ev-shenzhen-guangzhou";
  d.time_zone = "Asia/Shanghai";
  d.calendar = "cn";
  d.grid.max_gap = Minutes(30);
  SeriesBuilder b;
  for (const auto& [city, text] : files) {
    int err_line = 0;
    auto records = ParseCsv(StripUtf8Bom(text), &err_line);
    if (!records.ok()) return Bad(city, err_line, records.status().message());
    int c_time = -1, c_id = -1, c_total = -1, c_busy = -1;
    bool header = true;
    for (const CsvRecord& r : *records) {
      if (r.cells.size() == 1 && TrimSpace(r.cells[0]).empty()) continue;
      if (header) {
        header = false;
        for (size_t i = 0; i < r.cells.size(); ++i) {
          std::string_view c = TrimSpace(r.cells[i]);
          if (c == "time") c_time = static_cast<int>(i);
          if (c == "station_id") c_id = static_cast<int>(i);
          if (c == "total") c_total = static_cast<int>(i);
          if (c == "busy") c_busy = static_cast<int>(i);
        }
        if (c_time < 0 || c_id < 0 || c_total < 0 || c_busy < 0) {
          return Bad(city, r.line, "needs time, station_id, total and busy columns");
        }
        continue;
      }
      ++d.rows;
      if (static_cast<int>(r.cells.size()) <= std::max({c_time, c_id, c_total, c_busy})) {
        return Bad(city, r.line, "too few cells");
      }
      auto civil = ParseIsoLocal(r.cells[c_time]);
      std::optional<Timestamp> t = civil ? ToInstant(*civil, *zone) : std::nullopt;
      auto total = Int(r.cells[c_total]);
      auto busy = Int(r.cells[c_busy]);
      if (!t || !total || !busy) {
        return Bad(city, r.line, "expected time YYYY-MM-DD HH:MM:SS and whole numbers");
      }
      ++d.cells;
      if (*total <= 0) {
        ++d.skipped_cells;
        continue;
      }
      b.Of(fmt::format("{}-{}", city, TrimSpace(r.cells[c_id]))).push_back({*t, *busy, *total});
    }
  }
  d.series = b.Take();
  return d;
}

Result<Dataset> LoadDataset(const std::string& path, DataFormat format,
                            std::string_view time_zone) {
  namespace fs = std::filesystem;
  std::error_code ec;
  switch (format) {
    case DataFormat::kLong: {
      PG_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
      PG_ASSIGN_OR_RETURN(Dataset d, ParseLongCsv(text, time_zone));
      d.name = fs::path(path).stem().string();
      return d;
    }
    case DataFormat::kBirmingham: {
      PG_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
      return ParseBirmingham(text);
    }
    case DataFormat::kGuangzhou: {
      fs::path p(path);
      if (fs::is_directory(p, ec)) p /= "occupancy.csv";
      PG_ASSIGN_OR_RETURN(std::string occ, ReadFile(p.string()));
      PG_ASSIGN_OR_RETURN(std::string inf, ReadFile((p.parent_path() / "inf.csv").string()));
      return ParseGuangzhou(occ, inf);
    }
    case DataFormat::kParkApi: {
      fs::path dir(path);
      if (fs::is_directory(dir / "daily", ec)) dir /= "daily";
      if (!fs::is_directory(dir, ec)) {
        return NotFound(fmt::format("'{}' is not the parkapi folder (with daily/)", path), "data");
      }
      std::vector<fs::path> files;
      for (const auto& e : fs::directory_iterator(dir, ec)) {
        if (e.path().extension() == ".csv") files.push_back(e.path());
      }
      std::sort(files.begin(), files.end());
      if (files.empty())
        return NotFound(fmt::format("no daily CSV files in '{}'", dir.string()), "data");
      std::vector<std::pair<std::string, std::string>> daily;
      for (const auto& f : files) {
        PG_ASSIGN_OR_RETURN(std::string text, ReadFile(f.string()));
        daily.emplace_back(f.filename().string(), std::move(text));
      }
      PG_ASSIGN_OR_RETURN(std::string meta,
                          ReadFile((dir.parent_path() / "meta-data.csv").string()));
      return ParseParkApi(daily, meta);
    }
    case DataFormat::kEv: {
      fs::path p(path);
      std::vector<fs::path> files;
      if (fs::is_directory(p, ec)) {
        for (const auto& e : fs::directory_iterator(p, ec)) {
          std::string n = e.path().filename().string();
          if (n.starts_with("ev_occupancy_") && e.path().extension() == ".csv")
            files.push_back(e.path());
        }
        std::sort(files.begin(), files.end());
      } else {
        files.push_back(p);
      }
      if (files.empty())
        return NotFound(fmt::format("no ev_occupancy_*.csv in '{}'", path), "data");
      std::vector<std::pair<std::string, std::string>> texts;
      for (const auto& f : files) {
        PG_ASSIGN_OR_RETURN(std::string text, ReadFile(f.string()));
        std::string city = f.stem().string();
        if (city.starts_with("ev_occupancy_")) city = city.substr(13);
        texts.emplace_back(city, std::move(text));
      }
      return ParseEv(texts);
    }
  }
  return InvalidArgument("unknown format", "format");
}

std::string ToLongCsv(const Dataset& data) {
  auto zone = LookupTimeZone(data.time_zone);
  std::string out = "facility_id,time,occupied,capacity\n";
  for (const RawSeries& s : data.series) {
    for (const Sample& x : s.samples) {
      out += fmt::format("{},{},{},{}\n", pg::CsvCell(s.id),
                         zone.ok() ? FormatRfc3339(x.time, **zone) : FormatRfc3339Utc(x.time),
                         x.occupied, x.capacity);
    }
  }
  return out;
}

}  // namespace pg::forecast

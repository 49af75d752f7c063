// Adapters from the public occupancy data sets (and parkguide's long CSV) to raw series.
//
// Formats, and what each adapter does about its set's quirks (see the READMEs in ../shared/data):
//   - long: `facility_id,time,occupied,capacity`, time RFC 3339 with offset, any interval
//     (SPEC §9). A byte-order mark and CRLF are accepted.
//   - birmingham: `SystemCodeNumber,Capacity,Occupancy,LastUpdated`, local UK wall-clock time
//     without zone (read in Europe/London); ids may contain spaces; exact duplicate rows, counts
//     above capacity and negative counts pass through to the grid, which counts and clamps them.
//   - guangzhou: wide `occupancy.csv` (UTF-8 BOM, CRLF, day-first `DD/MM/YYYY HH:MM`, UTC+8) with
//     capacities from `inf.csv` beside it.
//   - parkapi: the `daily/` folder of wide files of FREE spaces per place (UTC, a header per file
//     with its own columns) and `meta-data.csv` (capacity `num_all`, quoted multi-line addresses).
//     Occupied = capacity − free. An empty cell means "unchanged or not scraped": the last value
//     is carried forward for at most 6 hours. Rows less than a minute apart are one reading.
//     Places without a capacity are skipped and counted.
//   - ev: `time,station_id,total,free,busy` per city file (UTC+8); occupied = busy, capacity =
//     total (which may change). A folder reads every `ev_occupancy_*.csv` in it, ids prefixed
//     with the city.
// Frozen stretches (outages filled with the last value) are left in: the forecaster's grid
// (forecast/series.h) handles them. Read by the backtest (forecast/), the replay of real feeds
// (ingest/replay/) and the weekly report's tests: one reader per set, below all of them.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace pg::datasets {

// One raw reading of a series.
struct Sample {
  Timestamp time;
  int occupied = 0;
  int capacity = 0;  // > 0
};

enum class DataFormat { kLong, kBirmingham, kGuangzhou, kParkApi, kEv };
// Errors: kInvalidArgument naming the allowed formats.
Result<DataFormat> ParseDataFormat(std::string_view text);

struct RawSeries {
  std::string id;
  std::vector<Sample> samples;
};

struct Dataset {
  std::string name;
  std::string time_zone = "Asia/Shanghai";  // IANA zone of the series' local time
  std::string calendar = "none";            // built-in holiday calendar for its country
  Minutes max_gap{60};  // the longest gap between readings to bridge, for the set's sampling
  std::vector<RawSeries> series;
  int64_t rows = 0;                // data rows read
  int64_t cells = 0;               // values read
  int64_t skipped_cells = 0;       // unreadable or without a capacity
  int64_t carried_forward = 0;     // parkapi: empty cells filled with the last value
  std::vector<std::string> notes;  // what was skipped and why, for the coverage report
};

// Reads a data set from `path` (a file, or for parkapi and ev a folder). `time_zone` is used by
// the long format only. Errors: kNotFound for a missing file; kInvalidArgument naming file and
// line for malformed content.
Result<Dataset> LoadDataset(const std::string& path, DataFormat format,
                            std::string_view time_zone = "Asia/Shanghai");

// The parsers behind LoadDataset, on text (for tests and tools).
Result<Dataset> ParseLongCsv(std::string_view text, std::string_view time_zone);
Result<Dataset> ParseBirmingham(std::string_view text);
Result<Dataset> ParseGuangzhou(std::string_view occupancy_csv, std::string_view inf_csv);
// `daily`: (file name, text) in chronological order.
Result<Dataset> ParseParkApi(const std::vector<std::pair<std::string, std::string>>& daily,
                             std::string_view meta_csv);
// `files`: (city, text).
Result<Dataset> ParseEv(const std::vector<std::pair<std::string, std::string>>& files);

// Writes series as the long CSV of SPEC §9 (times in `time_zone`'s offset).
std::string ToLongCsv(const Dataset& data);

}  // namespace pg::datasets

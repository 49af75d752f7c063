#include "soak_common.h"

#include <dirent.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>

#include "api/http/client.h"

namespace pg::bench {
namespace {

using nlohmann::json;

constexpr int kMessagesPrinted = 5;  // per kind of load, for the whole run

// Every item of a paged list (items, next).
Result<std::vector<json>> AllItems(uint16_t port, const std::string& path) {
  std::vector<json> items;
  std::string next = path + (path.find('?') == std::string::npos ? "?" : "&") + "limit=1000";
  while (!next.empty()) {
    PG_ASSIGN_OR_RETURN(json page, GetJson(port, next));
    for (auto& item : page["items"]) items.push_back(std::move(item));
    next = page["next"].is_string() ? page["next"].get<std::string>() : "";
  }
  return items;
}

FacilityInfo ReadFacility(const json& f) {
  FacilityInfo x;
  x.id = f["id"];
  x.at = {f["location"]["lat"].get<double>(), f["location"]["lon"].get<double>()};
  const json& total = f["capacity"]["total"];
  x.capacity = total.is_number() ? total.get<int>() : 0;
  x.bays = f.value("bays", 0);
  return x;
}

// The city's box, or the facilities' when the city has none.
void SetBox(const json& city, CityInfo& c) {
  if (city.contains("bbox") && city["bbox"].size() == 4) {
    c.west = city["bbox"][0];
    c.south = city["bbox"][1];
    c.east = city["bbox"][2];
    c.north = city["bbox"][3];
    return;
  }
  c.west = c.south = 1e9;
  c.east = c.north = -1e9;
  for (const auto& f : c.facilities) {
    c.west = std::min(c.west, f.at.lon);
    c.east = std::max(c.east, f.at.lon);
    c.south = std::min(c.south, f.at.lat);
    c.north = std::max(c.north, f.at.lat);
  }
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// "VmRSS:   12345 kB" → 12345.
int64_t StatusField(const std::string& status, std::string_view name) {
  size_t pos = status.find(name);
  if (pos == std::string::npos) return 0;
  return std::atoll(status.c_str() + pos + name.size());
}

int CountOpenFiles(int pid) {
  DIR* dir = ::opendir(fmt::format("/proc/{}/fd", pid).c_str());
  if (!dir) return 0;
  int n = 0;
  while (const dirent* e = ::readdir(dir)) n += e->d_name[0] != '.';
  ::closedir(dir);
  return n;
}

// utime + stime of this process, in clock ticks.
uint64_t SelfCpuTicks() {
  std::string stat = ReadFile("/proc/self/stat");
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::vector<std::string> f{std::istream_iterator<std::string>(fields), {}};
  return f.size() > 12 ? std::stoull(f[11]) + std::stoull(f[12]) : 0;
}

double SelfRssMib() {
  return static_cast<double>(StatusField(ReadFile("/proc/self/status"), "VmRSS:")) / 1024.0;
}

}  // namespace

Result<json> GetJson(uint16_t port, const std::string& target) {
  auto r = api::http::HttpGet("127.0.0.1", port, target);
  if (!r.ok()) return Unavailable(fmt::format("GET {}: {}", target, r.status().message()));
  if (r->status != 200) {
    return Unavailable(fmt::format("GET {}: {} {}", target, r->status, r->body.substr(0, 300)));
  }
  json j = json::parse(r->body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Unavailable(fmt::format("GET {}: not JSON", target));
  return j;
}

Result<CityInfo> LoadCity(uint16_t port) {
  CityInfo c;
  PG_ASSIGN_OR_RETURN(json city, GetJson(port, "/api/v1/city"));
  c.id = city.value("id", "");
  PG_ASSIGN_OR_RETURN(auto facilities, AllItems(port, "/api/v1/facilities"));
  for (const json& f : facilities) {
    c.facilities.push_back(ReadFacility(f));
    if (c.facilities.back().bays == 0) {
      c.counted.push_back(c.facilities.size() - 1);
    }
  }
  if (c.facilities.empty()) return FailedPrecondition("the city has no facilities");
  PG_ASSIGN_OR_RETURN(auto bays, AllItems(port, "/api/v1/bays"));
  for (const json& b : bays) c.bays.push_back({b["id"], b.value("facility", "")});
  PG_ASSIGN_OR_RETURN(auto chargers, AllItems(port, "/api/v1/chargers?lifecycle=in_service"));
  for (const json& ch : chargers) {
    ChargerInfo x;
    x.id = ch["id"];
    x.facility = ch["facility"].is_string() ? ch["facility"].get<std::string>() : "";
    for (const json& con : ch["connectors"]) x.connectors.push_back(con["id"].get<int>());
    if (!x.connectors.empty()) c.chargers.push_back(std::move(x));
  }
  SetBox(city, c);
  return c;
}

void RequestStats::NonOk(int status, std::string_view body, std::string_view what) {
  non_200.fetch_add(1, std::memory_order_relaxed);
  by_status[static_cast<size_t>(std::clamp(status, 0, 599))].fetch_add(1,
                                                                       std::memory_order_relaxed);
  if (messages_printed.fetch_add(1) < kMessagesPrinted) {
    fmt::print(stderr, "soak: {}: {} {}\n", what, status, body.substr(0, 300));
  }
}

void RequestStats::Unanswered(std::string_view error, std::string_view what) {
  conn_failures.fetch_add(1, std::memory_order_relaxed);
  conn_failures_total.fetch_add(1, std::memory_order_relaxed);
  if (messages_printed.fetch_add(1) < kMessagesPrinted) {
    fmt::print(stderr, "soak: {}: no answer: {}\n", what, error);
  }
}

Result<ServerProbe> ServerProbe::Attach(int pid) {
  ServerProbe probe(pid, 0);
  Sample s = probe.Read();
  if (!s.alive) return NotFound(fmt::format("no process {} in /proc", pid));
  probe.start_ticks_ = s.start_ticks;
  return probe;
}

ServerProbe::Sample ServerProbe::Read() const {
  Sample s;
  std::string stat = ReadFile(fmt::format("/proc/{}/stat", pid_));
  size_t close = stat.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return s;
  std::istringstream fields(stat.substr(close + 2));
  std::vector<std::string> f{std::istream_iterator<std::string>(fields), {}};
  if (f.size() < 20) return s;
  // Fields from 3 (state): utime is the 14th field of the file, stime the 15th, starttime 22nd.
  s.cpu_ticks = std::stoull(f[11]) + std::stoull(f[12]);
  s.start_ticks = std::stoull(f[19]);
  std::string status = ReadFile(fmt::format("/proc/{}/status", pid_));
  s.rss_mib = static_cast<double>(StatusField(status, "VmRSS:")) / 1024.0;
  s.threads = static_cast<int>(StatusField(status, "Threads:"));
  s.open_files = CountOpenFiles(pid_);
  s.alive = true;
  return s;
}

struct Reporter::Totals {
  Histogram ingest, guidance, dashboard, lag;
  int64_t ingest_obs = 0, guidance_answers = 0, dashboard_answers = 0, change_events = 0;
  int64_t snapshot_events = 0, reconnects = 0, stream_non_200 = 0, stream_conn = 0, dropped = 0;
  int64_t framing = 0;
  uint64_t last_cpu_ticks = 0, last_tool_ticks = 0;
  double last_elapsed_s = 0, peak_rss_mib = 0, first_rss_mib = 0, last_rss_mib = 0;
  int64_t lines = 0;
};

Reporter::Reporter(const std::string& csv_path, ServerProbe server, Load& load)
    : csv_(csv_path.empty() ? stdout : std::fopen(csv_path.c_str(), "w")),
      own_csv_(!csv_path.empty()),
      server_(server),
      load_(load),
      totals_(std::make_unique<Totals>()) {
  if (!csv_) {
    fmt::print(stderr, "soak: {} cannot be written; CSV to stdout\n", csv_path);
    csv_ = stdout;
    own_csv_ = false;
  }
  totals_->last_cpu_ticks = server_.Read().cpu_ticks;
  totals_->last_tool_ticks = SelfCpuTicks();
  fmt::print(csv_,
             "elapsed_s,server_rss_mib,server_cpu_pct,server_threads,server_open_files,"
             "tool_rss_mib,tool_cpu_pct,ingest_obs_per_s,ingest_p50_ms,ingest_p99_ms,ingest_max_ms,"
             "ingest_err_status,ingest_err_conn,guidance_per_s,guidance_p50_ms,guidance_p99_ms,"
             "guidance_max_ms,guidance_422,guidance_err_status,guidance_err_conn,"
             "dashboard_per_s,dashboard_p50_ms,dashboard_p99_ms,dashboard_max_ms,"
             "dashboard_err_status,dashboard_err_conn,stream_events_per_s,stream_lag_p50_ms,"
             "stream_lag_p99_ms,stream_lag_max_ms,stream_connected,stream_reconnects,"
             "stream_snapshot_events,stream_err_status,stream_err_conn,stream_dropped\n");
  std::fflush(csv_);
}

Reporter::~Reporter() {
  if (own_csv_) std::fclose(csv_);
}

// "<rate>,<p50>,<p99>,<max>" of one request load over an interval of `seconds` in which `count`
// requests (or observations) were answered; the interval's histogram joins `total`.
std::string Reporter::RequestColumns(AtomicHistogram& latency, Histogram& total, int64_t count,
                                     double seconds) {
  Histogram h = latency.Take();
  total.Add(h);
  return fmt::format("{:.0f},{:.2f},{:.2f},{:.2f}", static_cast<double>(count) / seconds,
                     h.PercentileMs(0.5), h.PercentileMs(0.99), h.MaxMs());
}

void Reporter::Interval(std::chrono::steady_clock::duration elapsed) {
  Totals& t = *totals_;
  const double now_s = std::chrono::duration<double>(elapsed).count();
  const double seconds = std::max(1e-3, now_s - t.last_elapsed_s);
  t.last_elapsed_s = now_s;
  ServerProbe::Sample p = server_.Read();
  if (!p.alive) server_alive_ = false;
  if (p.alive && p.start_ticks != server_.start_ticks()) restarted_ = true;
  const long ticks_per_s = ::sysconf(_SC_CLK_TCK);
  auto cpu_pct = [&](uint64_t now_ticks, uint64_t& last) {
    const uint64_t used = now_ticks - std::min(now_ticks, last);
    last = now_ticks;
    return static_cast<double>(used) / static_cast<double>(ticks_per_s) / seconds * 100.0;
  };
  const double server_cpu = cpu_pct(p.cpu_ticks, t.last_cpu_ticks);
  const double tool_cpu = cpu_pct(SelfCpuTicks(), t.last_tool_ticks);
  if (t.lines++ == 0) t.first_rss_mib = p.rss_mib;
  t.last_rss_mib = p.rss_mib;
  t.peak_rss_mib = std::max(t.peak_rss_mib, p.rss_mib);

  const int64_t observations = load_.ingest.items.exchange(0);
  load_.ingest.ok.exchange(0);
  t.ingest_obs += observations;
  std::string ingest = RequestColumns(load_.ingest.latency, t.ingest, observations, seconds);
  const int64_t unsnappable = load_.guidance.unsnappable.exchange(0);
  const int64_t guided = load_.guidance.ok.exchange(0) + unsnappable;
  t.guidance_answers += guided;
  std::string guidance = RequestColumns(load_.guidance.latency, t.guidance, guided, seconds);
  const int64_t read = load_.dashboard.ok.exchange(0);
  t.dashboard_answers += read;
  std::string dashboard = RequestColumns(load_.dashboard.latency, t.dashboard, read, seconds);
  fmt::print(csv_, "{:.1f},{:.1f},{:.1f},{},{},{:.1f},{:.1f},{},{},{},{},{},{},{},{},{},{},{}\n",
             now_s, p.rss_mib, server_cpu, p.threads, p.open_files, SelfRssMib(), tool_cpu, ingest,
             load_.ingest.non_200.exchange(0), load_.ingest.conn_failures.exchange(0), guidance,
             unsnappable, load_.guidance.non_200.exchange(0),
             load_.guidance.conn_failures.exchange(0), dashboard,
             load_.dashboard.non_200.exchange(0), load_.dashboard.conn_failures.exchange(0),
             StreamColumns(seconds));
  std::fflush(csv_);
}

// The stream_* columns of an interval of `seconds`; adds them to the totals.
std::string Reporter::StreamColumns(double seconds) {
  Totals& t = *totals_;
  StreamStats& st = load_.streams;
  Histogram lag = st.lag.Take();
  t.lag.Add(lag);
  const int64_t events = st.change_events.exchange(0);
  t.change_events += events;
  auto take = [](std::atomic<int64_t>& a, int64_t& total) {
    int64_t v = a.exchange(0);
    total += v;
    return v;
  };
  return fmt::format("{:.0f},{:.2f},{:.2f},{:.2f},{},{},{},{},{},{}",
                     static_cast<double>(events) / seconds, lag.PercentileMs(0.5),
                     lag.PercentileMs(0.99), lag.MaxMs(), st.connected.load(),
                     take(st.reconnects, t.reconnects), take(st.snapshot_events, t.snapshot_events),
                     take(st.non_200, t.stream_non_200), take(st.connect_failures, t.stream_conn),
                     take(st.dropped, t.dropped));
}

void Reporter::PrintTotals(std::chrono::steady_clock::duration elapsed) {
  const Totals& t = *totals_;
  const double s = std::chrono::duration<double>(elapsed).count();
  auto line = [&](std::string_view what, const Histogram& h, int64_t n, const RequestStats& r) {
    std::string statuses;
    for (size_t i = 0; i < r.by_status.size(); ++i) {
      if (int64_t k = r.by_status[i].load()) statuses += fmt::format(" {}×{}", k, i);
    }
    fmt::print(
        "  {:<10} {:>12} ({:.0f}/s)  p50 {:.2f} ms  p99 {:.2f} ms  p99.9 {:.2f} ms  "
        "max {:.2f} ms  non-200:{}  no answer: {}\n",
        what, n, static_cast<double>(n) / s, h.PercentileMs(0.5), h.PercentileMs(0.99),
        h.PercentileMs(0.999), h.MaxMs(), statuses.empty() ? " 0" : statuses,
        r.conn_failures_total.load());
  };
  fmt::print("soak: totals over {:.0f} s\n", s);
  line("ingest obs", t.ingest, t.ingest_obs, load_.ingest);
  line("guidance", t.guidance, t.guidance_answers, load_.guidance);
  line("dashboard", t.dashboard, t.dashboard_answers, load_.dashboard);
  fmt::print(
      "  stream     {} change events ({:.0f}/s); lag p50 {:.2f} ms  p99 {:.2f} ms  "
      "p99.9 {:.2f} ms  max {:.2f} ms; {} snapshot events; {} reconnects, {} non-200, "
      "{} failed connects, {} dropped, {} framing errors\n",
      t.change_events, static_cast<double>(t.change_events) / s, t.lag.PercentileMs(0.5),
      t.lag.PercentileMs(0.99), t.lag.PercentileMs(0.999), t.lag.MaxMs(), t.snapshot_events,
      t.reconnects, t.stream_non_200, t.stream_conn, t.dropped,
      load_.streams.framing_errors.load());
  fmt::print(
      "  server RSS first {:.1f} MiB, last {:.1f} MiB, peak {:.1f} MiB; tool RSS {:.1f} MiB\n",
      t.first_rss_mib, t.last_rss_mib, t.peak_rss_mib, SelfRssMib());
}

bool Reporter::PrintRestartCheck() const {
  const bool pass = server_alive_ && !restarted_;
  fmt::print("soak: server never restarted (pid {}, same start time at every probe): {}\n",
             server_.pid(), pass ? "PASS" : (server_alive_ ? "FAIL (restarted)" : "FAIL (gone)"));
  return pass;
}

namespace {

const json* FindSource(const json& health, const std::string& id) {
  for (const json& h : health["sources"]) {
    if (h["id"] == id) return &h;
  }
  return nullptr;
}

int64_t Processed(const json& source) {
  return source.value("accepted", int64_t{0}) + source.value("duplicate", int64_t{0}) +
         source.value("out_of_order", int64_t{0});
}

}  // namespace

Status ReadCountsBefore(uint16_t port, const std::vector<std::unique_ptr<SourceCounts>>& sources) {
  PG_ASSIGN_OR_RETURN(json health, GetJson(port, "/api/v1/sources/health"));
  for (const auto& s : sources) {
    if (const json* h = FindSource(health, s->id)) {
      s->accepted_before = h->value("accepted", int64_t{0});
      s->processed_before = Processed(*h);
    }
  }
  return Status::Ok();
}

bool CheckNothingLost(uint16_t port, const std::vector<std::unique_ptr<SourceCounts>>& sources) {
  auto health = GetJson(port, "/api/v1/sources/health");
  if (!health.ok()) {
    fmt::print("soak: nothing acknowledged lost: FAIL ({})\n", health.status().message());
    return false;
  }
  bool pass = true;
  for (const auto& s : sources) {
    const json* server = FindSource(*health, s->id);
    const int64_t acked = s->accepted.load();
    const int64_t acked_all = acked + s->duplicate + s->out_of_order;
    const int64_t counted =
        server ? server->value("accepted", int64_t{0}) - s->accepted_before : -1;
    const int64_t counted_all = server ? Processed(*server) - s->processed_before : -1;
    const int64_t unanswered = s->unanswered.load();
    const bool ok = server && counted >= acked && counted <= acked + unanswered &&
                    counted_all >= acked_all && counted_all <= acked_all + unanswered;
    pass = pass && ok;
    fmt::print(
        "  source {}: acknowledged {} (accepted {}, duplicate {}, out_of_order {}; "
        "seq_refused {}); unanswered {}, refused {}; the server counted {} (accepted {}; "
        "seq_refused {}): {}\n",
        s->id, acked_all, acked, s->duplicate.load(), s->out_of_order.load(), s->seq_refused.load(),
        unanswered, s->refused.load(), counted_all, counted,
        server ? server->value("seq_refused", int64_t{0}) : -1, ok ? "ok" : "MISSING");
  }
  fmt::print("soak: nothing acknowledged lost: {}\n", pass ? "PASS" : "FAIL");
  return pass;
}

}  // namespace pg::bench

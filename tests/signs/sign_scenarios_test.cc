// Runs the sign scenarios of tests/scenarios/signs/*.md: tables an operator can read, each a
// small city, timed inputs and what every sign must show, with the real LiveState, SignService,
// SQLite store and in-process reference controllers on a fake clock. The format is described in
// tests/scenarios/signs/README.md.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <date/tz.h>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "core/strings.h"
#include "events/event_bus.h"
#include "registry/registry.h"
#include "registry/survey_cells.h"
#include "signs/controller_sim.h"
#include "signs/sign_service.h"
#include "state/live_state.h"
#include "store/store.h"
#include "tests/support/temp_dir.h"

namespace pg::signs {
namespace {

namespace fs = std::filesystem;

std::string ScenarioDir() { return std::string(PG_SOURCE_DIR) + "/tests/scenarios/signs"; }

// Splits on blanks, keeping "quoted text" (quotes dropped) together.
std::vector<std::string> Tokens(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  bool any = false;
  for (char c : text) {
    if (c == '"') {
      quoted = !quoted;
      any = true;
    } else if (!quoted && (c == ' ' || c == '\t')) {
      if (any) out.push_back(cur);
      cur.clear();
      any = false;
    } else {
      cur += c;
      any = true;
    }
  }
  if (any) out.push_back(cur);
  return out;
}

// "key=value" tokens after the first `skip` ones.
std::map<std::string, std::string> KeyValues(const std::vector<std::string>& tokens, size_t skip) {
  std::map<std::string, std::string> kv;
  for (size_t i = skip; i < tokens.size(); ++i) {
    size_t eq = tokens[i].find('=');
    if (eq == std::string::npos) {
      kv[tokens[i]] = "";
    } else {
      kv[tokens[i].substr(0, eq)] = tokens[i].substr(eq + 1);
    }
  }
  return kv;
}

std::vector<std::string> Cells(std::string_view row) {
  std::vector<std::string> cells;
  row = TrimSpace(row);
  if (!row.empty() && row.front() == '|') row.remove_prefix(1);
  if (!row.empty() && row.back() == '|') row.remove_suffix(1);
  for (auto c : SplitString(row, '|')) cells.emplace_back(TrimSpace(c));
  return cells;
}

// "30s", "10m", "2h" → duration.
std::chrono::milliseconds Duration(std::string_view text) {
  auto n = ParseInt(text.substr(0, text.size() - 1));
  if (text.empty() || !n) throw std::runtime_error(fmt::format("'{}' is not a duration", text));
  switch (text.back()) {
    case 's':
      return std::chrono::seconds(*n);
    case 'm':
      return std::chrono::minutes(*n);
    case 'h':
      return std::chrono::hours(*n);
    default:
      throw std::runtime_error(fmt::format("'{}' is not a duration (30s, 10m, 2h)", text));
  }
}

Threshold ThresholdOf(std::string_view text) {
  auto t = ParseThreshold(text);
  if (!t.ok()) throw std::runtime_error(t.status().message());
  return *t;
}

// Reads "full=0/5" style pairs into a patch.
RulesPatch PatchOf(const std::map<std::string, std::string>& kv) {
  RulesPatch p;
  for (const auto& [key, value] : kv) {
    if (key == "full" || key == "almost") {
      size_t slash = value.find('/');
      if (slash == std::string::npos) throw std::runtime_error(key + " needs INC/DEC");
      Threshold inc = ThresholdOf(value.substr(0, slash));
      Threshold dec = ThresholdOf(value.substr(slash + 1));
      if (key == "full") {
        p.full_increasing = inc;
        p.full_decreasing = dec;
      } else {
        p.almost_full_increasing = inc;
        p.almost_full_decreasing = dec;
      }
    } else if (key == "buffer") {
      p.buffer = static_cast<int>(*ParseInt(value));
    } else if (key == "floor") {
      p.floor = static_cast<int>(*ParseInt(value));
    } else if (key == "floor_band") {
      p.floor_band = static_cast<int>(*ParseInt(value));
    } else {
      throw std::runtime_error("unknown rule '" + key + "'");
    }
  }
  return p;
}

class ScenarioRun {
 public:
  explicit ScenarioRun(std::string path) : path_(std::move(path)) {}

  void Run() {
    std::ifstream in(path_);
    ASSERT_TRUE(in) << "cannot read " << path_;
    std::string text;
    std::vector<std::string> lines;
    while (std::getline(in, text)) lines.push_back(text);
    // Setup: indented directives before the first table.
    size_t i = 0;
    for (; i < lines.size(); ++i) {
      if (TrimSpace(lines[i]).starts_with("|")) break;
      if (!lines[i].starts_with("    ")) continue;
      try {
        Directive(lines[i], static_cast<int>(i + 1));
      } catch (const std::exception& e) {
        Fail(fmt::format("cannot read this directive: {}", e.what()));
      }
    }
    Build();
    enum class Table { kNone, kTimeline, kHistory, kFaults } table = Table::kNone;
    std::vector<std::string> header;
    for (; i < lines.size(); ++i) {
      line_ = static_cast<int>(i + 1);
      std::string_view l = TrimSpace(lines[i]);
      if (!l.starts_with("|")) {
        header.clear();  // a table ends at the first line that is not a row
        continue;
      }
      auto cells = Cells(l);
      if (header.empty()) {
        header = cells;
        if (header.front() == "time") {
          table = Table::kTimeline;
        } else if (header.front() == "sign" && header.size() > 1 && header[1] == "at") {
          table = Table::kHistory;
        } else if (header.front() == "sign" && header.size() > 1 && header[1] == "faults") {
          table = Table::kFaults;
        } else {
          Fail(fmt::format("unknown table with columns {}", fmt::join(header, ", ")));
          table = Table::kNone;
        }
        continue;
      }
      if (!cells.empty() && cells.front().starts_with("-")) continue;  // |---|---|
      if (cells.size() != header.size()) {
        Fail(fmt::format("{} cells under {} columns", cells.size(), header.size()));
        continue;
      }
      switch (table) {
        case Table::kTimeline:
          TimelineRow(header, cells);
          break;
        case Table::kHistory:
          HistoryRow(cells);
          break;
        case Table::kFaults:
          FaultRow(cells);
          break;
        case Table::kNone:
          break;
      }
    }
  }

 private:
  void Fail(const std::string& message) { ADD_FAILURE_AT(path_.c_str(), line_) << message; }

  void Directive(const std::string& raw, int line) {
    line_ = line;
    auto t = Tokens(raw);
    if (t.empty()) return;
    const std::string& what = t[0];
    auto kv = KeyValues(t, what == "rules" || what == "facility" || what == "sign" ||
                                   what == "plan" || what == "controller"
                               ? 2
                               : 1);
    if (what == "city") {
      zone_name_ = t.at(1);
    } else if (what == "start") {
      start_text_ = t.at(1) + " " + t.at(2);
      date_ = t.at(1);
    } else if (what == "facility") {
      model::Facility f;
      f.id = model::FacilityId(t.at(1));
      f.name.en = t.at(1);
      f.location = {34.0, 113.8};
      f.capacity.total = static_cast<int>(*ParseInt(kv.at("capacity")));
      for (auto c : {model::SpaceCategory::kEv, model::SpaceCategory::kDisabled}) {
        auto it = kv.find(std::string(model::Name(c)));
        if (it != kv.end()) f.capacity.by_category[c] = static_cast<int>(*ParseInt(it->second));
      }
      if (kv.contains("hours")) f.opening_hours = kv.at("hours");
      data_.facilities.push_back(f);
      model::Source s;
      s.id = model::SourceId("src-" + t.at(1));
      s.kind = model::SourceKind::kOperatorSystem;
      s.scope.facilities = {f.id};
      s.expected_interval =
          kv.contains("interval")
              ? std::chrono::duration_cast<std::chrono::seconds>(Duration(kv.at("interval")))
              : std::chrono::seconds(60);
      data_.sources.push_back(s);
      if (kv.contains("refresh")) refresh_[t.at(1)] = Duration(kv.at("refresh"));
    } else if (what == "sign") {
      model::Sign s;
      s.id = model::SignId(t.at(1));
      s.location = {34.0, 113.8};
      s.level = static_cast<model::SignLevel>(*ParseInt(kv.at("level")));
      auto lines = registry::ParseSignLinesCell(kv.at("lines"));
      if (!lines.ok()) return Fail(lines.status().ToString());
      s.lines = *lines;
      if (kv.contains("digits")) s.digits = static_cast<int>(*ParseInt(kv.at("digits")));
      if (kv.contains("controller")) s.controller_id = kv.at("controller");
      data_.signs.push_back(s);
    } else if (what == "rules") {
      const std::string& scope = t.at(1);
      RulesPatch p = PatchOf(kv);
      if (scope == "defaults") {
        config_.defaults = p.ApplyTo(config_.defaults);
      } else if (scope.starts_with("facility:")) {
        config_.facility_rules[scope.substr(9)] = p;
      } else if (scope.starts_with("sign:")) {
        config_.sign_rules[scope.substr(5)] = p;
      } else {
        Fail("rules for defaults, facility:ID or sign:ID");
      }
    } else if (what == "plan") {
      nlohmann::json j{{"id", t.at(1)}};
      for (const auto& [k, v] : kv) {
        if (k == "facilities") {
          j[k] = SplitString(v, '+');
        } else if (k == "reserve") {
          j[k] = *ParseInt(v);
        } else if (k == "text") {
          auto bar = v.find('|');
          j[k] = {{"zh", v.substr(0, bar)},
                  {"en", bar == std::string::npos ? "" : v.substr(bar + 1)}};
        } else {
          j[k] = v;
        }
      }
      nlohmann::json doc{{"plans", {j}}};
      auto parsed = SignConfigFromJson(doc);
      if (!parsed.ok()) return Fail(parsed.status().ToString());
      config_.plans.push_back(parsed->plans.front());
    } else if (what == "controller") {
      heartbeat_[t.at(1)] =
          kv.contains("heartbeat") ? Duration(kv.at("heartbeat")) : std::chrono::seconds(30);
    } else if (what == "options") {
      for (const auto& [k, v] : kv) {
        if (k == "min_interval") {
          options_.min_publish_interval = Duration(v);
        } else if (k == "ack_timeout") {
          options_.ack_timeout = Duration(v);
        } else if (k == "heartbeat_timeout") {
          options_.heartbeat_timeout = Duration(v);
        } else {
          Fail("unknown option " + k);
        }
      }
    } else {
      Fail("unknown directive '" + what + "'");
    }
  }

  Timestamp ParseTime(std::string_view text) {
    auto t = Tokens(text);
    std::string date = date_;
    std::string clock = t.empty() ? "" : t.back();
    if (t.size() == 2) date = t[0];
    auto d = SplitString(date, '-');
    auto c = SplitString(clock, ':');
    if (d.size() != 3 || c.size() != 3) {
      throw std::runtime_error(fmt::format("'{}' is not [YYYY-MM-DD] HH:MM:SS[.mmm]", text));
    }
    double seconds = *ParseDouble(c[2]);
    Timestamp midnight_based =
        FromLocal(static_cast<int>(*ParseInt(d[0])), static_cast<int>(*ParseInt(d[1])),
                  static_cast<int>(*ParseInt(d[2])),
                  static_cast<int>(*ParseInt(c[0]) * 60 + *ParseInt(c[1])), *zone_);
    return midnight_based + Milliseconds(static_cast<int64_t>(std::llround(seconds * 1000)));
  }

  void Build() {
    model::City city;
    city.id = "scenario";
    city.name.en = "Scenario";
    city.time_zone = zone_name_;
    data_.city = city;
    auto zone = LookupTimeZone(zone_name_);
    ASSERT_TRUE(zone.ok());
    zone_ = *zone;
    auto reg = registry::Registry::Build(data_);
    ASSERT_TRUE(reg.ok()) << reg.status().ToString();
    auto store = store::OpenSqliteStore(dir_.File("city.db"));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    clock_ = std::make_unique<FakeClock>(ParseTime(start_text_));
    live_ = std::make_unique<state::LiveState>(*reg, state::LiveRules{}, clock_.get(), &bus_);
    service_ =
        std::make_unique<SignService>(options_, *clock_, *store_, FromLiveState(*live_), config_);
    ASSERT_TRUE(service_->Load().ok());
    loop_ = std::make_unique<LoopbackPublisher>(*service_);
    loop_->set_clock(clock_.get());
    for (const auto& [id, interval] : heartbeat_) {
      loop_->AddController(id);
      loop_->HeartbeatFrom(id, clock_->Now());
      last_heartbeat_[id] = clock_->Now();
    }
    service_->AddPublisher(*loop_);
    subscription_ = bus_.SubscribeFrom(std::nullopt, [this](const events::EventPtr& e) {
      service_->OnEvent(*e);
      return true;
    });
  }

 public:
  ~ScenarioRun() {
    if (subscription_) bus_.Unsubscribe(subscription_);
  }

 private:
  void Observe(model::Observation o) {
    o.time = clock_->Now();
    o.seq = ++seq_;
    state::ApplyOutcome outcome = live_->Apply(o);
    if (outcome.result != state::ApplyResult::kApplied) {
      Fail(fmt::format("observation of '{}' was not applied", o.target));
    }
    // The service hears of it on the event bus's thread; the next step must know the cause.
    uint64_t id = live_->Snapshot()->event_id;
    for (int i = 0; i < 5000 && service_->last_event_id() < id; ++i) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    if (service_->last_event_id() < id) Fail("the sign service did not hear of the change");
    if (o.type == model::ObservationType::kFacilityCount) {
      std::string key = o.target + (o.category ? std::string(model::Name(*o.category)) : "");
      last_count_[key] = o;
    }
  }

  // Moves the clock to `target` a second at a time, as the running service would see it.
  void AdvanceTo(Timestamp target) {
    while (clock_->Now() < target) {
      Milliseconds step = std::min<Milliseconds>(std::chrono::seconds(1), target - clock_->Now());
      clock_->Advance(step);
      Timestamp now = clock_->Now();
      for (auto& [id, interval] : heartbeat_) {
        if (now - last_heartbeat_[id] >= interval) {
          loop_->HeartbeatFrom(id, now);
          last_heartbeat_[id] = now;
        }
      }
      for (auto& [key, o] : last_count_) {
        std::string facility = o.target;
        auto it = refresh_.find(facility);
        if (it != refresh_.end() && now - o.time >= it->second) Observe(o);
      }
      service_->Step(true);
    }
  }

  void Act(const std::string& action) {
    auto t = Tokens(action);
    if (t.empty() || t[0] == "-") return;
    const std::string& verb = t[0];
    if (verb == "count") {
      model::Observation o;
      o.type = model::ObservationType::kFacilityCount;
      o.target = t.at(1);
      o.source = model::SourceId("src-" + t.at(1));
      size_t first = 2;
      if (auto c = model::Parse<model::SpaceCategory>(t.at(2))) {
        o.category = c;
        first = 3;
      }
      auto kv = KeyValues(t, first);
      if (kv.contains("free")) o.free = static_cast<int>(*ParseInt(kv.at("free")));
      if (kv.contains("occupied")) o.occupied = static_cast<int>(*ParseInt(kv.at("occupied")));
      Observe(o);
    } else if (verb == "status") {
      model::Observation o;
      o.type = model::ObservationType::kFacilityStatus;
      o.target = t.at(1);
      o.source = model::SourceId("src-" + t.at(1));
      auto s = model::Parse<model::FacilityStatus>(t.at(2));
      if (!s) return Fail("status open|closed|full");
      o.facility_status = *s;
      Observe(o);
    } else if (verb == "override") {
      OverrideRequest r;
      r.sign = model::SignId(t.at(1));
      auto kv = KeyValues(t, 2);
      if (kv.contains("line")) r.line = static_cast<int>(*ParseInt(kv.at("line")));
      r.blank = kv.contains("blank");
      if (kv.contains("text")) {
        const std::string& v = kv.at("text");
        auto slash = v.find('/');
        r.text = {v.substr(0, slash), slash == std::string::npos ? "" : v.substr(slash + 1)};
      }
      r.reason = kv.contains("reason") ? kv.at("reason") : "";
      r.expires = clock_->Now() + Duration(kv.at("for"));
      r.by = "operator";
      auto set = service_->SetOverride(r);
      if (!set.ok()) Fail(set.status().ToString());
    } else if (verb == "clear") {
      auto kv = KeyValues(t, 2);
      std::optional<int> line;
      if (kv.contains("line")) line = static_cast<int>(*ParseInt(kv.at("line")));
      auto n = service_->ClearOverrides(model::SignId(t.at(1)), line, "operator", "cleared");
      if (!n.ok()) Fail(n.status().ToString());
    } else if (verb == "silence" || verb == "resume") {
      loop_->Silence(t.at(1), verb == "silence");
      if (verb == "resume") {
        loop_->HeartbeatFrom(t.at(1), clock_->Now());
        last_heartbeat_[t.at(1)] = clock_->Now();
      }
    } else {
      Fail("unknown action '" + verb + "'");
    }
  }

  std::string ControllerOf(const std::string& sign) {
    for (const auto& s : data_.signs) {
      if (s.id.str() == sign) return s.controller_id.empty() ? sign : s.controller_id;
    }
    return sign;
  }

  void TimelineRow(const std::vector<std::string>& header, const std::vector<std::string>& cells) {
    try {
      Timestamp at = ParseTime(cells[0]);
      if (at < clock_->Now()) return Fail("rows must go forward in time");
      AdvanceTo(at);
      for (auto action : SplitString(cells[1], ';')) Act(std::string(TrimSpace(action)));
      service_->Step(true);
      for (size_t c = 2; c < header.size(); ++c) {
        const std::string& expected = cells[c];
        if (expected.empty() || header[c] == "notes") continue;
        auto t = Tokens(header[c]);
        std::string sign = t.back();
        auto snap = service_->Current(model::SignId(sign));
        if (!snap) return Fail("no sign '" + sign + "'");
        std::string actual;
        if (t.size() == 1) {
          actual = snap->seq == 0 ? "(nothing)" : Describe(snap->content);
        } else if (t[0] == "health") {
          actual = std::string(Name(snap->health.state));
        } else if (t[0] == "pushes") {
          actual = std::to_string(snap->seq);
        } else if (t[0] == "board") {
          auto shown = loop_->Showing(ControllerOf(sign), sign);
          actual = shown ? Describe(shown->content) : "(nothing)";
        } else {
          return Fail("unknown column '" + header[c] + "'");
        }
        if (actual != expected) {
          Fail(fmt::format("at {}: {}: expected '{}', got '{}'", cells[0], header[c], expected,
                           actual));
        }
      }
    } catch (const std::exception& e) {
      Fail(e.what());
    }
  }

  void HistoryRow(const std::vector<std::string>& cells) {
    try {
      model::SignId sign(cells[0]);
      Timestamp at = ParseTime(cells[1]);
      auto record = store_->SignDisplayAt(sign, at);
      if (!record.ok()) return Fail(record.status().ToString());
      std::string shows = "(nothing)";
      std::string cause;
      if (*record) {
        auto content = SignContentFromJson(nlohmann::json::parse((*record)->content_json));
        if (!content.ok()) return Fail(content.status().ToString());
        shows = Describe(*content);
        auto c = nlohmann::json::parse((*record)->cause_json);
        cause = c.value("kind", "");
        if (c.contains("action")) cause += " " + c["action"].get<std::string>();
      }
      if (shows != cells[2]) {
        Fail(fmt::format("{} at {}: history shows '{}', expected '{}'", cells[0], cells[1], shows,
                         cells[2]));
      }
      if (cells.size() > 3 && !cells[3].empty() && cause != cells[3]) {
        Fail(fmt::format("{} at {}: cause '{}', expected '{}'", cells[0], cells[1], cause,
                         cells[3]));
      }
    } catch (const std::exception& e) {
      Fail(e.what());
    }
  }

  void FaultRow(const std::vector<std::string>& cells) {
    auto faults = store_->LoadSignFaults(model::SignId(cells[0]), Timestamp{},
                                         clock_->Now() + std::chrono::hours(1), 1000);
    if (!faults.ok()) return Fail(faults.status().ToString());
    std::vector<std::string> kinds;
    for (const auto& f : *faults) kinds.push_back(f.kind);
    std::string actual = kinds.empty() ? "(none)" : fmt::format("{}", fmt::join(kinds, ", "));
    if (actual != cells[1]) {
      Fail(fmt::format("{}: faults '{}', expected '{}'", cells[0], actual, cells[1]));
    }
  }

  std::string path_;
  int line_ = 0;
  std::string zone_name_ = "Asia/Shanghai";
  const date::time_zone* zone_ = nullptr;
  std::string start_text_ = "2026-11-30 08:00:00";
  std::string date_ = "2026-11-30";
  model::RegistryData data_;
  SignConfig config_;
  // Scenarios publish every change at once unless they set min_interval.
  SignServiceOptions options_ = [] {
    SignServiceOptions o;
    o.min_publish_interval = std::chrono::milliseconds(0);
    return o;
  }();
  std::map<std::string, std::chrono::milliseconds> heartbeat_;
  std::map<std::string, Timestamp> last_heartbeat_;
  std::map<std::string, std::chrono::milliseconds> refresh_;
  std::map<std::string, model::Observation> last_count_;
  int64_t seq_ = 0;

  testing::TempDir dir_;
  events::EventBus bus_;
  uint64_t subscription_ = 0;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<state::LiveState> live_;
  std::unique_ptr<FakeClock> clock_;
  std::unique_ptr<SignService> service_;
  std::unique_ptr<LoopbackPublisher> loop_;
};

std::vector<std::string> ScenarioFiles() {
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(ScenarioDir())) {
    if (e.path().extension() == ".md" && e.path().filename() != "README.md") {
      files.push_back(e.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

class SignScenario : public ::testing::TestWithParam<std::string> {};

TEST_P(SignScenario, ShowsWhatTheTableSays) { ScenarioRun(GetParam()).Run(); }

INSTANTIATE_TEST_SUITE_P(Files, SignScenario, ::testing::ValuesIn(ScenarioFiles()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           std::string name = fs::path(param.param).stem().string();
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

// The runner itself must be able to fail: a table that expects the wrong thing is reported.
TEST(SignScenarioRunner, AWrongExpectationFails) {
  testing::TempDir dir;
  std::string path = dir.File("wrong.md");
  std::ofstream(path) << "    facility F1 capacity=100\n"
                         "    sign S1 level=2 lines=F1>left\n"
                         "| time | do | S1 |\n"
                         "|---|---|---|\n"
                         "| 08:00:00 | count F1 free=40 | 41 green |\n";
  ::testing::TestPartResultArray failures;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
    ScenarioRun(path).Run();
  }
  ASSERT_EQ(failures.size(), 1);
  EXPECT_NE(std::string(failures.GetTestPartResult(0).message()).find("got '40 green'"),
            std::string::npos)
      << failures.GetTestPartResult(0).message();
}

}  // namespace
}  // namespace pg::signs

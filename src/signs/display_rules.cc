#include "signs/display_rules.h"

#include <date/date.h>
#include <fmt/format.h>

#include <array>
#include <cmath>

#include "core/strings.h"
#include "core/text_bounds.h"
#include "model/model_json.h"
#include "model/validation.h"
#include "model/vocabulary.h"
#include "registry/registry.h"

namespace pg::signs {
namespace {

using nlohmann::json;

constexpr std::array<const char*, 7> kDayNames = {"Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"};

std::string DateText(const LocalTime& t) {
  return fmt::format("{:04}-{:02}-{:02}", t.year, t.month, t.day);
}

// Reads one JSON member into `out`, remembering the first problem as "<path>.<key>: reason".
class Members {
 public:
  Members(const json& j, std::string path) : j_(j), path_(std::move(path)) {
    if (!j.is_object()) Fail("", "must be a JSON object");
  }

  bool Has(const char* key) const {
    return j_.is_object() && j_.contains(key) && !j_.at(key).is_null();
  }
  const json& At(const char* key) const { return j_.at(key); }

  std::optional<int> Int(const char* key, int min, int max) {
    if (!Has(key)) return std::nullopt;
    auto v = model::WholeNumberIn(j_.at(key), min, max);
    if (!v) {
      Fail(key, fmt::format("must be a whole number in {}–{}", min, max));
      return std::nullopt;
    }
    return static_cast<int>(*v);
  }

  // A string member of plain text, at most `max_chars` long (words, times and dates by default).
  std::string String(const char* key, size_t max_chars = kMaxWordChars) {
    if (!Has(key)) return {};
    if (!j_.at(key).is_string()) {
      Fail(key, "must be a string");
      return {};
    }
    const auto& text = j_.at(key).get_ref<const std::string&>();
    if (Status s = CheckPlainText(text, key, max_chars); !s.ok()) {
      Fail(key, s.message());
      return {};
    }
    return text;
  }

  std::optional<Threshold> ThresholdMember(const char* key) {
    if (!Has(key)) return std::nullopt;
    const json& v = j_.at(key);
    Result<Threshold> t = InvalidArgument(
        "must be a count of free spaces (5) or a share "
        "occupied (\"90%\")");
    if (auto n = model::WholeNumberIn(v, 0, 100'000)) {
      t = ParseThreshold(std::to_string(*n));
    } else if (v.is_string() && v.get_ref<const std::string&>().size() <= kMaxWordChars) {
      t = ParseThreshold(v.get<std::string>());
    }
    if (!t.ok()) {
      Fail(key, t.status().message());
      return std::nullopt;
    }
    return *t;
  }

  // {"zh": …, "en": …} or one string (zh); each language plain text of at most `max_chars`.
  model::LocalizedName Name(const char* key, size_t max_chars) {
    model::LocalizedName n;
    if (!Has(key)) return n;
    const json& v = j_.at(key);
    if (v.is_string()) {
      n.zh = v.get<std::string>();
    } else if (v.is_object()) {
      Members languages(v, FieldOf(key));
      n.zh = languages.String("zh", max_chars);
      n.en = languages.String("en", max_chars);
      Merge(languages.status());
      return n;
    } else {
      Fail(key, "must be {\"zh\": …, \"en\": …}");
    }
    if (Status s = CheckPlainText(n.zh, key, max_chars); !s.ok()) Fail(key, s.message());
    return n;
  }

  // The id strings of an array member, each an id (model::ValidateId), at most `max` of them.
  std::vector<std::string> Ids(const char* key, size_t max) {
    std::vector<std::string> ids;
    if (!Has(key)) return ids;
    const json& v = j_.at(key);
    if (!v.is_array()) {
      Fail(key, "must be an array of ids");
      return ids;
    }
    if (v.size() > max) {
      Fail(key, fmt::format("at most {} ids (it has {})", max, v.size()));
      return ids;
    }
    for (const auto& item : v) {
      Status s = item.is_string() ? model::ValidateId(item.get_ref<const std::string&>(), key)
                                  : InvalidArgument("must be a string");
      if (!s.ok()) {
        Fail(key, "an id " + s.message());
        return {};
      }
      ids.push_back(item.get<std::string>());
    }
    return ids;
  }

  std::string FieldOf(std::string_view key) const {
    if (key.empty()) return path_;
    return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
  }

  void Fail(std::string_view key, std::string message) {
    if (!status_.ok()) return;
    status_ = InvalidArgument(std::move(message), FieldOf(key));
  }
  void Merge(const Status& s) {
    if (status_.ok() && !s.ok()) status_ = s;
  }
  const Status& status() const { return status_; }

 private:
  const json& j_;
  std::string path_;
  Status status_;
};

RulesPatch ReadPatch(Members& m) {
  RulesPatch p;
  p.full_increasing = m.ThresholdMember("full_increasing");
  p.full_decreasing = m.ThresholdMember("full_decreasing");
  p.almost_full_increasing = m.ThresholdMember("almost_full_increasing");
  p.almost_full_decreasing = m.ThresholdMember("almost_full_decreasing");
  p.buffer = m.Int("buffer", 0, 100'000);
  p.floor = m.Int("floor", 0, 100'000);
  p.floor_band = m.Int("floor_band", 1, 100'000);
  return p;
}

json PatchJson(const RulesPatch& p) {
  json j = json::object();
  auto threshold = [&](const char* key, const std::optional<Threshold>& t) {
    if (!t) return;
    if (t->unit == Threshold::Unit::kFree) {
      j[key] = static_cast<int>(t->value);
    } else {
      j[key] = FormatThreshold(*t);
    }
  };
  threshold("full_increasing", p.full_increasing);
  threshold("full_decreasing", p.full_decreasing);
  threshold("almost_full_increasing", p.almost_full_increasing);
  threshold("almost_full_decreasing", p.almost_full_decreasing);
  if (p.buffer) j["buffer"] = *p.buffer;
  if (p.floor) j["floor"] = *p.floor;
  if (p.floor_band) j["floor_band"] = *p.floor_band;
  return j;
}

RulesPatch FullPatch(const DisplayRules& r) {
  return {r.full_increasing,
          r.full_decreasing,
          r.almost_full_increasing,
          r.almost_full_decreasing,
          r.buffer,
          r.floor,
          r.floor_band};
}

constexpr std::pair<PlanAction, const char*> kActionNames[] = {{PlanAction::kReserve, "reserve"},
                                                               {PlanAction::kFull, "full"},
                                                               {PlanAction::kClosed, "closed"},
                                                               {PlanAction::kText, "text"}};

const char* ActionName(PlanAction a) {
  for (const auto& [action, name] : kActionNames) {
    if (action == a) return name;
  }
  return "?";
}

bool IsDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  return true;
}

// Checks that a state's decreasing threshold lies beyond its increasing one, when both are in
// the same unit (mixed units are checked per capacity at evaluation, which keeps a band of at
// least one space).
void CheckBand(const Threshold& inc, const Threshold& dec, const std::string& what,
               const std::string& path, std::vector<Status>& out) {
  if (inc.unit != dec.unit) return;
  bool ok = inc.unit == Threshold::Unit::kFree ? dec.value > inc.value : dec.value < inc.value;
  if (!ok) {
    out.push_back(InvalidArgument(
        fmt::format("{}_decreasing ({}) must be {} than {}_increasing ({}): otherwise the sign "
                    "would flicker",
                    what, FormatThreshold(dec),
                    inc.unit == Threshold::Unit::kFree ? "more free spaces" : "a lower occupancy",
                    what, FormatThreshold(inc)),
        path.empty() ? what + "_decreasing" : fmt::format("{}.{}_decreasing", path, what)));
  }
}

void CheckRules(const DisplayRules& r, const std::string& path, std::vector<Status>& out) {
  CheckBand(r.full_increasing, r.full_decreasing, "full", path, out);
  CheckBand(r.almost_full_increasing, r.almost_full_decreasing, "almost_full", path, out);
  for (const Threshold* t : {&r.full_increasing, &r.full_decreasing, &r.almost_full_increasing,
                             &r.almost_full_decreasing}) {
    if (t->unit == Threshold::Unit::kOccupiedPercent && (t->value < 0 || t->value > 100)) {
      out.push_back(InvalidArgument("a share occupied must be 0–100 %", path));
    }
  }
}

}  // namespace

Status CheckSignText(const model::LocalizedName& text, std::string_view field) {
  PG_RETURN_IF_ERROR(CheckPlainText(text.zh, fmt::format("{}.zh", field), kMaxSignTextChars));
  return CheckPlainText(text.en, fmt::format("{}.en", field), kMaxSignTextChars);
}

int Threshold::EnterAtFree(int capacity) const {
  if (unit == Unit::kFree) return static_cast<int>(value);
  return capacity - static_cast<int>(std::ceil(capacity * value / 100.0 - 1e-9));
}

int Threshold::LeaveAtFree(int capacity) const {
  if (unit == Unit::kFree) return static_cast<int>(value);
  return capacity - static_cast<int>(std::floor(capacity * value / 100.0 + 1e-9));
}

Result<Threshold> ParseThreshold(std::string_view text) {
  std::string_view t = TrimSpace(text);
  if (!t.empty() && t.back() == '%') {
    auto v = ParseDouble(TrimSpace(t.substr(0, t.size() - 1)));
    if (!v || *v < 0 || *v > 100) {
      return InvalidArgument(fmt::format("'{}' is not a share occupied in 0–100 %", text));
    }
    return Threshold::OccupiedPercent(*v);
  }
  auto v = ParseInt(t);
  if (!v || *v < 0 || *v > 100'000) {
    return InvalidArgument(
        fmt::format("'{}' is not a count of free spaces (5) or a share occupied (90%)", text));
  }
  return Threshold::Free(static_cast<int>(*v));
}

std::string FormatThreshold(const Threshold& t) {
  if (t.unit == Threshold::Unit::kFree) return fmt::format("{}", static_cast<int>(t.value));
  return fmt::format("{}%", t.value);
}

DisplayRules RulesPatch::ApplyTo(DisplayRules r) const {
  if (full_increasing) r.full_increasing = *full_increasing;
  if (full_decreasing) r.full_decreasing = *full_decreasing;
  if (almost_full_increasing) r.almost_full_increasing = *almost_full_increasing;
  if (almost_full_decreasing) r.almost_full_decreasing = *almost_full_decreasing;
  if (buffer) r.buffer = *buffer;
  if (floor) r.floor = *floor;
  if (floor_band) r.floor_band = *floor_band;
  return r;
}

bool GuidancePlan::ActiveAt(const LocalTime& now, const LocalTime& yesterday) const {
  auto day_ok = [&](const LocalTime& day) {
    if ((weekdays & (1u << day.weekday)) == 0) return false;
    std::string date = DateText(day);
    if (!from_date.empty() && date < from_date) return false;
    if (!to_date.empty() && date > to_date) return false;
    return true;
  };
  int m = now.minute_of_day;
  if (start_minute < end_minute) return day_ok(now) && m >= start_minute && m < end_minute;
  // Runs past midnight (or all day from start_minute when start == end).
  return (day_ok(now) && m >= start_minute) || (day_ok(yesterday) && m < end_minute);
}

DisplayRules SignConfig::RulesFor(const model::Sign& sign, const model::SignLine& line) const {
  DisplayRules r = defaults;
  if (line.facilities.size() == 1) {
    auto it = facility_rules.find(line.facilities.front().str());
    if (it != facility_rules.end()) r = it->second.ApplyTo(r);
  }
  auto it = sign_rules.find(sign.id.str());
  if (it != sign_rules.end()) r = it->second.ApplyTo(r);
  return r;
}

ActivePlans ActivePlansAt(const SignConfig& config, Timestamp now, const date::time_zone& zone) {
  ActivePlans active;
  if (config.plans.empty()) return active;
  LocalTime local = ToLocal(now, zone);
  // The calendar day before, whatever the clock change in between.
  date::sys_days day = date::sys_days(date::year(local.year) / local.month / local.day);
  date::year_month_day prev{day - date::days(1)};
  LocalTime yesterday;
  yesterday.year = static_cast<int>(prev.year());
  yesterday.month = static_cast<int>(static_cast<unsigned>(prev.month()));
  yesterday.day = static_cast<int>(static_cast<unsigned>(prev.day()));
  yesterday.weekday = (local.weekday + 6) % 7;
  for (const auto& plan : config.plans) {
    if (!plan.ActiveAt(local, yesterday)) continue;
    for (const auto& f : plan.facilities) active[f.str()].push_back(&plan);
  }
  return active;
}

Result<uint8_t> ParseWeekdays(std::string_view text) {
  auto index = [](std::string_view name) -> int {
    for (int i = 0; i < 7; ++i) {
      if (name == kDayNames[static_cast<size_t>(i)]) return i;
    }
    return -1;
  };
  uint8_t bits = 0;
  for (std::string_view part : SplitString(text, ',')) {
    part = TrimSpace(part);
    size_t dash = part.find('-');
    int a = index(TrimSpace(part.substr(0, dash)));
    int b = dash == std::string_view::npos ? a : index(TrimSpace(part.substr(dash + 1)));
    if (a < 0 || b < 0) {
      return InvalidArgument(
          fmt::format("'{}' is not a day (Mo Tu We Th Fr Sa Su) or a range of days (Mo-Fr)", part));
    }
    for (int d = a;; d = (d + 1) % 7) {  // "Sa-Mo" wraps round the week
      bits |= static_cast<uint8_t>(1u << d);
      if (d == b) break;
    }
  }
  if (bits == 0) return InvalidArgument("names no day");
  return bits;
}

std::string FormatWeekdays(uint8_t weekdays) {
  std::vector<std::string> parts;
  int d = 0;
  while (d < 7) {
    if ((weekdays & (1u << d)) == 0) {
      ++d;
      continue;
    }
    int end = d;
    while (end + 1 < 7 && (weekdays & (1u << (end + 1)))) ++end;
    if (end == d) {
      parts.emplace_back(kDayNames[static_cast<size_t>(d)]);
    } else {
      parts.push_back(fmt::format("{}-{}", kDayNames[static_cast<size_t>(d)],
                                  kDayNames[static_cast<size_t>(end)]));
    }
    d = end + 1;
  }
  return fmt::format("{}", fmt::join(parts, ","));
}

Result<SignConfig> SignConfigFromJson(const json& j) {
  SignConfig config;
  Members top(j, "");
  if (!top.status().ok()) return top.status();
  if (top.Has("defaults")) {
    Members m(top.At("defaults"), "defaults");
    config.defaults = ReadPatch(m).ApplyTo(config.defaults);
    PG_RETURN_IF_ERROR(m.status());
  }
  for (const char* kind : {"facilities", "signs"}) {
    if (!top.Has(kind)) continue;
    const json& map = top.At(kind);
    if (!map.is_object()) return InvalidArgument("must be an object keyed by id", kind);
    if (map.size() > kMaxRuleEntries) {
      return InvalidArgument(
          fmt::format("at most {} entries (it has {})", kMaxRuleEntries, map.size()), kind);
    }
    auto& target =
        std::string_view(kind) == "facilities" ? config.facility_rules : config.sign_rules;
    for (const auto& [id, patch] : map.items()) {
      if (Status s = model::ValidateId(id, kind); !s.ok()) {
        return InvalidArgument("a key " + s.message(), kind);
      }
      Members m(patch, fmt::format("{}.{}", kind, id));
      target[id] = ReadPatch(m);
      PG_RETURN_IF_ERROR(m.status());
    }
  }
  if (top.Has("plans")) {
    const json& plans = top.At("plans");
    if (!plans.is_array()) return InvalidArgument("must be an array", "plans");
    if (plans.size() > kMaxPlans) {
      return InvalidArgument(fmt::format("at most {} plans (it has {})", kMaxPlans, plans.size()),
                             "plans");
    }
    for (size_t i = 0; i < plans.size(); ++i) {
      Members m(plans[i], fmt::format("plans[{}]", i));
      GuidancePlan p;
      p.id = m.String("id");
      if (p.id.empty()) {
        m.Fail("id", "is required");
      } else {
        m.Merge(model::ValidateId(p.id, m.FieldOf("id")));
      }
      p.name = m.Name("name", kMaxNameChars);
      for (std::string& id : m.Ids("facilities", kMaxPlanFacilities)) {
        p.facilities.emplace_back(std::move(id));
      }
      if (std::string days = m.String("days"); !days.empty()) {
        auto bits = ParseWeekdays(days);
        if (bits.ok()) {
          p.weekdays = *bits;
        } else {
          m.Fail("days", bits.status().message());
        }
      }
      if (std::string window = m.String("window"); !window.empty()) {
        size_t dash = window.find('-');
        auto from = model::ParseMinuteOfDay(window.substr(0, dash), "window");
        auto to = dash == std::string::npos
                      ? Result<int>(InvalidArgument("no '-'"))
                      : model::ParseMinuteOfDay(window.substr(dash + 1), "window");
        if (!from.ok() || !to.ok()) {
          m.Fail("window", fmt::format("'{}' is not a time window HH:MM-HH:MM", window));
        } else {
          p.start_minute = *from;
          p.end_minute = *to;
        }
      }
      p.from_date = m.String("from_date");
      p.to_date = m.String("to_date");
      std::string action = m.String("action");
      bool known = false;
      for (const auto& [a, name] : kActionNames) {
        if (action == name) {
          p.action = a;
          known = true;
        }
      }
      if (!known)
        m.Fail("action", fmt::format("'{}' is not one of: reserve, full, closed, text", action));
      p.reserve = m.Int("reserve", 0, 100'000).value_or(0);
      p.text = m.Name("text", kMaxSignTextChars);
      PG_RETURN_IF_ERROR(m.status());
      config.plans.push_back(std::move(p));
    }
  }
  return config;
}

json ToJson(const SignConfig& config) {
  json j{{"defaults", PatchJson(FullPatch(config.defaults))}};
  json facilities = json::object();
  for (const auto& [id, patch] : config.facility_rules) facilities[id] = PatchJson(patch);
  json signs = json::object();
  for (const auto& [id, patch] : config.sign_rules) signs[id] = PatchJson(patch);
  j["facilities"] = std::move(facilities);
  j["signs"] = std::move(signs);
  json plans = json::array();
  for (const auto& p : config.plans) {
    json ids = json::array();
    for (const auto& f : p.facilities) ids.push_back(f.str());
    json pj{{"id", p.id},
            {"name", model::ToJson(p.name)},
            {"facilities", std::move(ids)},
            {"days", FormatWeekdays(p.weekdays)},
            {"window", fmt::format("{}-{}", model::FormatMinuteOfDay(p.start_minute),
                                   model::FormatMinuteOfDay(p.end_minute))},
            {"action", ActionName(p.action)}};
    if (!p.from_date.empty()) pj["from_date"] = p.from_date;
    if (!p.to_date.empty()) pj["to_date"] = p.to_date;
    if (p.action == PlanAction::kReserve) pj["reserve"] = p.reserve;
    if (p.action == PlanAction::kText) pj["text"] = model::ToJson(p.text);
    plans.push_back(std::move(pj));
  }
  j["plans"] = std::move(plans);
  return j;
}

std::vector<Status> ValidateSignConfig(const SignConfig& config,
                                       const registry::Registry* registry) {
  std::vector<Status> out;
  CheckRules(config.defaults, "defaults", out);
  for (const auto& [kind, map] :
       {std::pair{"facilities", &config.facility_rules}, std::pair{"signs", &config.sign_rules}}) {
    for (const auto& [id, patch] : *map) {
      std::string path = fmt::format("{}.{}", kind, id);
      CheckRules(patch.ApplyTo(config.defaults), path, out);
      if (!registry) continue;
      bool known = std::string_view(kind) == "facilities"
                       ? registry->FindFacility(model::FacilityId(id)) != nullptr
                       : registry->FindSign(model::SignId(id)) != nullptr;
      if (!known) {
        out.push_back(
            NotFound(fmt::format("no {} '{}'",
                                 std::string_view(kind) == "facilities" ? "facility" : "sign", id),
                     path));
      }
    }
  }
  std::map<std::string, int> seen;
  for (size_t i = 0; i < config.plans.size(); ++i) {
    const GuidancePlan& p = config.plans[i];
    std::string path = fmt::format("plans[{}]", i);
    if (++seen[p.id] == 2)
      out.push_back(AlreadyExists(fmt::format("'{}' appears twice", p.id), path + ".id"));
    if (p.facilities.empty()) {
      out.push_back(InvalidArgument("a plan names at least one facility", path + ".facilities"));
    }
    for (const auto& f : p.facilities) {
      if (registry && !registry->FindFacility(f)) {
        out.push_back(NotFound(fmt::format("no facility '{}'", f.str()), path + ".facilities"));
      }
    }
    if (p.start_minute < 0 || p.start_minute > 1440 || p.end_minute < 0 || p.end_minute > 1440) {
      out.push_back(InvalidArgument("must be HH:MM-HH:MM", path + ".window"));
    }
    for (const auto& [name, date] :
         {std::pair{".from_date", &p.from_date}, std::pair{".to_date", &p.to_date}}) {
      if (!date->empty() && !IsDate(*date)) {
        out.push_back(InvalidArgument(fmt::format("'{}' is not YYYY-MM-DD", *date), path + name));
      }
    }
    if (p.action == PlanAction::kReserve && p.reserve <= 0) {
      out.push_back(
          InvalidArgument("a reserve plan holds back at least one space", path + ".reserve"));
    }
    if (p.action == PlanAction::kText && p.text.zh.empty() && p.text.en.empty()) {
      out.push_back(InvalidArgument("a text plan needs a text", path + ".text"));
    }
  }
  return out;
}

}  // namespace pg::signs

// Display rules of the guidance signs and the scheduled guidance plans (诱导预案) that adjust them.
//
// A line of a sign shows a count of free spaces until the car park (or the group a level-1 line
// sums) fills. When it is almost full the number turns amber; when it is full the line shows
// 满/FULL. Each of the two states has an *increasing* threshold (entered as cars arrive) and a
// *decreasing* one (left as cars go) — the four thresholds of DATEX II's ParkingThresholds
// (almostFullIncreasing, almostFullDecreasing, fullIncreasing, fullDecreasing) — so a count
// wobbling around one value cannot make the sign flicker between FULL and a number. A threshold
// is a count of free spaces ("5") or a share of the capacity occupied ("90%", DATEX II's form).
//
// Also per rule set: a buffer (spaces subtracted before anything else, so FULL shows while a few
// spaces are still free: the cars already between the sign and the entrance will take them), and
// a floor (below it a number is not shown, 紧张/FEW instead: a small count is gone before the
// driver arrives), with its own band so the number does not flicker either.
//
// Rules come from the city-wide defaults, patched per facility, then per sign (a far level-1 sign
// wants a bigger buffer than the entrance sign of the same car park). Plans are scheduled per
// facility, weekday set and local time window (optionally between two dates): reserve spaces
// (an event), or show FULL, CLOSED or a text.
//
// The JSON form is documented in docs/api/signs.md ("Display rules and plans"):
//
//   {"defaults": {"full_increasing": 0, "full_decreasing": 3,
//                 "almost_full_increasing": "90%", "almost_full_decreasing": "85%",
//                 "buffer": 0, "floor": 0, "floor_band": 2},
//    "facilities": {"F1": {"full_decreasing": 6}},
//    "signs": {"S1-01": {"buffer": 10, "floor": 20}},
//    "plans": [{"id": "concert", "facilities": ["F1"], "days": "Fr,Sa", "window": "18:00-23:30",
//               "action": "reserve", "reserve": 120}]}
//
// Thread-safety: plain values; a SignConfig is immutable once handed to the SignService.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "model/city_model.h"

namespace pg::registry {
class Registry;
}

namespace pg::signs {

// Bounds of what an operator may put on the signs (docs/api/signs.md, "Limits"): the text of one
// line (an override or a text plan) per language, and how large the rules may grow.
inline constexpr size_t kMaxSignTextChars = 64;
inline constexpr size_t kMaxPlans = 1'000;
inline constexpr size_t kMaxRuleEntries = 10'000;  // of "facilities" and of "signs"
inline constexpr size_t kMaxPlanFacilities = 1'000;

// A text for a sign line: each language plain text (core/text_bounds.h: no control character
// reaches a board) of at most kMaxSignTextChars characters. Errors: kInvalidArgument naming
// "<field>.zh" or "<field>.en".
Status CheckSignText(const model::LocalizedName& text, std::string_view field);

// A level of fill: free spaces, or percent of the capacity occupied.
struct Threshold {
  enum class Unit { kFree, kOccupiedPercent };
  Unit unit = Unit::kFree;
  double value = 0;  // whole free spaces, or a percentage 0–100

  static Threshold Free(int spaces) { return {Unit::kFree, static_cast<double>(spaces)}; }
  static Threshold OccupiedPercent(double percent) { return {Unit::kOccupiedPercent, percent}; }

  // The state this threshold bounds is entered, as the facility fills, when free <= the result:
  // N free → N; P % → capacity − ⌈capacity·P/100⌉ (occupancy at or above P %).
  int EnterAtFree(int capacity) const;
  // The state is left, as the facility empties, when free >= the result: N free → N;
  // P % → capacity − ⌊capacity·P/100⌋ (occupancy at or below P %).
  int LeaveAtFree(int capacity) const;

  friend bool operator==(const Threshold&, const Threshold&) = default;
};

// "5" → 5 free spaces; "90%" (or "90 %") → 90 % occupied. Errors: kInvalidArgument.
Result<Threshold> ParseThreshold(std::string_view text);
std::string FormatThreshold(const Threshold& t);

struct DisplayRules {
  Threshold full_increasing = Threshold::Free(0);
  Threshold full_decreasing = Threshold::Free(3);
  Threshold almost_full_increasing = Threshold::OccupiedPercent(90);
  Threshold almost_full_decreasing = Threshold::OccupiedPercent(85);
  int buffer = 0;      // spaces subtracted from the free count before the thresholds
  int floor = 0;       // below this (after the buffer) the count shows as 紧张/FEW
  int floor_band = 2;  // the count shows again at floor + floor_band
  friend bool operator==(const DisplayRules&, const DisplayRules&) = default;
};

// Changes to a rule set; absent members are inherited.
struct RulesPatch {
  std::optional<Threshold> full_increasing;
  std::optional<Threshold> full_decreasing;
  std::optional<Threshold> almost_full_increasing;
  std::optional<Threshold> almost_full_decreasing;
  std::optional<int> buffer;
  std::optional<int> floor;
  std::optional<int> floor_band;

  DisplayRules ApplyTo(DisplayRules rules) const;
  friend bool operator==(const RulesPatch&, const RulesPatch&) = default;
};

enum class PlanAction {
  kReserve,  // hold back `reserve` spaces: the sign shows that many fewer
  kFull,     // show 满/FULL whatever the count
  kClosed,   // show 关闭/CLOSED
  kText,     // show `text` (a line of one facility only; a group line leaves the facility out)
};

struct GuidancePlan {
  std::string id;
  model::LocalizedName name;
  std::vector<model::FacilityId> facilities;
  uint8_t weekdays = 0x7f;  // bit 0 = Monday … bit 6 = Sunday, of the day the window starts
  int start_minute = 0;     // local time; a window with end <= start runs past midnight
  int end_minute = 24 * 60;
  std::string from_date;  // "YYYY-MM-DD", local, inclusive; empty: no bound
  std::string to_date;
  PlanAction action = PlanAction::kReserve;
  int reserve = 0;
  model::LocalizedName text;

  // Whether the plan applies at local time `now`; `yesterday` is the calendar day before (for a
  // window that started yesterday and runs past midnight).
  bool ActiveAt(const LocalTime& now, const LocalTime& yesterday) const;
  friend bool operator==(const GuidancePlan&, const GuidancePlan&) = default;
};

struct SignConfig {
  DisplayRules defaults;
  std::map<std::string, RulesPatch> facility_rules;  // by facility id
  std::map<std::string, RulesPatch> sign_rules;      // by sign id
  std::vector<GuidancePlan> plans;

  // The rules of one line: the defaults, then the facility's patch when the line shows one
  // facility, then the sign's patch.
  DisplayRules RulesFor(const model::Sign& sign, const model::SignLine& line) const;
  friend bool operator==(const SignConfig&, const SignConfig&) = default;
};

// The plans that apply at `now` in `zone`, by facility id. Pointers into `config`, which must
// outlive the result.
using ActivePlans = std::unordered_map<std::string, std::vector<const GuidancePlan*>>;
ActivePlans ActivePlansAt(const SignConfig& config, Timestamp now, const date::time_zone& zone);

// JSON form (see the banner). Parsing reports the first problem naming its member
// ("plans[2].window"), the bounds above and each text's included; unknown members are ignored.
Result<SignConfig> SignConfigFromJson(const nlohmann::json& j);
nlohmann::json ToJson(const SignConfig& config);

// Every problem of a configuration, each naming its member: thresholds whose decreasing value
// would not leave the state after entering it, negative buffers, plans without facilities or
// with a bad window; with a registry also facility and sign ids it does not know.
std::vector<Status> ValidateSignConfig(const SignConfig& config,
                                       const registry::Registry* registry = nullptr);

// "Mo-Fr,Su" ↔ weekday bits (bit 0 = Monday). Errors: kInvalidArgument.
Result<uint8_t> ParseWeekdays(std::string_view text);
std::string FormatWeekdays(uint8_t weekdays);

}  // namespace pg::signs

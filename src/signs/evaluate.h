// EvaluateSign: the pure rule that turns facility views into what a sign shows.
//
// Deterministic: the same sign, configuration, views, plans, overrides and memory give the same
// content and the same new memory. The only state is the hysteresis memory carried explicitly
// from one evaluation to the next (SignMemory), so a test can replay any sequence as a table.
//
// Per line (docs/api/signs.md, "How a line is decided"):
//   1. Members: each facility of the line (one, or a level-1 group). A member closed by its
//      operator, by its opening hours or by a plan is left out as closed; one without fresh data
//      (state `unknown`, or a class line whose class count is stale) is left out as stale; one
//      full by its operator or by a plan counts 0 free; the others count their free spaces (of
//      the class, for a class line) less the spaces their plans reserve.
//   2. No member counted: 关闭/CLOSED when every member is closed, else `--`. The memory is kept
//      (a short outage does not reset which side of a band the line was on).
//   3. A single facility full by its operator or a plan: 满/FULL.
//   4. Otherwise effective = max(0, Σ free − buffer). FULL is entered at effective <=
//      full_increasing and left at effective >= full_decreasing; "almost full" likewise with its
//      pair; the memory says which side of each band the line is on. Percent thresholds are of
//      the counted capacity. Effective 0 is always FULL. Below the floor (not full) the line shows
//      紧张/FEW until effective >= floor + floor_band.
//   5. A count is capped to what the sign's digits can show (999 for 3 digits).
//   6. A text plan on a single-facility line shows its text.
//   7. An operator override (of the line, else of the whole sign) replaces what the line shows;
//      the memory still follows the counts underneath, so the line resumes correctly when the
//      override ends.
//
// Thread-safety: a pure function; SignMemory is owned by the caller.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "model/city_model.h"
#include "signs/content.h"
#include "signs/display_rules.h"
#include "state/live_state.h"

namespace pg::signs {

// Which side of the FULL and almost-full bands a line is on, and whether its number is hidden
// below the floor.
struct LineMemory {
  enum class Level { kNone, kAvailable, kAlmostFull, kFull };
  Level level = Level::kNone;  // kNone: no count seen yet; thresholds decide afresh
  bool number_hidden = false;
  friend bool operator==(const LineMemory&, const LineMemory&) = default;
};

struct SignMemory {
  std::vector<LineMemory> lines;  // resized to the sign's lines by EvaluateSign
  friend bool operator==(const SignMemory&, const SignMemory&) = default;
};

// Memory consistent with a content already shown (after a restart, from the display history):
// FULL → full; an amber count or FEW → almost full; a green count → available; others → none.
SignMemory MemoryFromContent(const SignContent& content);

// An operator override in force.
struct ActiveOverride {
  int64_t id = 0;
  std::optional<int> line;  // absent: every line
  bool blank = false;
  model::LocalizedName text;
};

// The facility view of one facility at the evaluation instant; nullptr when the registry does not
// know it (the line then treats it as stale).
using ViewLookup = std::function<const state::FacilityView*(const model::FacilityId&)>;

struct EvalInput {
  const model::Sign* sign = nullptr;
  const SignConfig* config = nullptr;
  ViewLookup views;
  const ActivePlans* plans = nullptr;  // may be null: no plan in force
  std::span<const ActiveOverride> overrides;
};

// REQUIRES: sign, config and views are set.
SignContent EvaluateSign(const EvalInput& input, SignMemory& memory);

}  // namespace pg::signs

#include "signs/evaluate.h"

#include <algorithm>

namespace pg::signs {
namespace {

using Level = LineMemory::Level;
using state::OccupancyState;

// What the members of a line add up to.
struct Tally {
  int free = 0;
  int capacity = 0;
  int reserved = 0;
  int fresh = 0;
  int stale = 0;
  int closed = 0;
  bool forced_full = false;  // a single member full by its operator or a plan
  const GuidancePlan* text_plan = nullptr;
  std::vector<std::string> plans;
};

// What the plans in force say of one facility.
struct MemberPlans {
  bool closed = false;
  bool full = false;
  int reserve = 0;
  const GuidancePlan* text = nullptr;
};

// The plans of facility `id`, whose ids are also noted in `t.plans` (each once).
MemberPlans PlansOf(const model::FacilityId& id, const EvalInput& in, Tally& t) {
  MemberPlans m;
  if (!in.plans) return m;
  auto it = in.plans->find(id.str());
  if (it == in.plans->end()) return m;
  for (const GuidancePlan* p : it->second) {
    if (std::find(t.plans.begin(), t.plans.end(), p->id) == t.plans.end()) {
      t.plans.push_back(p->id);
    }
    switch (p->action) {
      case PlanAction::kClosed:
        m.closed = true;
        break;
      case PlanAction::kFull:
        m.full = true;
        break;
      case PlanAction::kReserve:
        m.reserve += p->reserve;
        break;
      case PlanAction::kText:
        if (!m.text) m.text = p;
        break;
    }
  }
  return m;
}

// Adds a member with a fresh count to the tally; false when the line's class has no fresh
// count there (the member is stale for this line).
bool CountFresh(const model::SignLine& line, const state::FacilityView& v, MemberPlans plans,
                bool single, Tally& t) {
  int free = 0;
  int capacity = 0;
  if (line.category) {
    auto c = std::find_if(v.by_category.begin(), v.by_category.end(),
                          [&](const auto& x) { return x.category == *line.category; });
    if (c == v.by_category.end() || !c->free) return false;
    free = *c->free;
    capacity = c->capacity;
    plans.reserve = 0;  // plans reserve general spaces, not a class
  } else {
    free = v.free.value_or(0);
    capacity = v.capacity;
  }
  // ViewFacility says full at 0 free too; the thresholds reach that by themselves. Only the
  // operator's word (full with spaces counted free) or a plan forces FULL — on a class line
  // as well, since the operator speaks for the whole car park.
  const bool operator_full = v.state == OccupancyState::kFull && v.free.value_or(0) > 0;
  if (plans.full || operator_full) {
    free = 0;
    if (single) t.forced_full = true;
  }
  int held = std::min(std::max(free, 0), plans.reserve);
  t.reserved += held;
  t.free += std::max(0, free - held);
  t.capacity += capacity;
  ++t.fresh;
  return true;
}

Tally CountMembers(const model::SignLine& line, const EvalInput& in) {
  Tally t;
  const bool single = line.facilities.size() == 1;
  for (const auto& id : line.facilities) {
    const MemberPlans plans = PlansOf(id, in, t);
    const state::FacilityView* v = in.views(id);
    if (plans.closed || (v && v->state == OccupancyState::kClosed)) {
      ++t.closed;
    } else if (plans.text) {
      // A text plan speaks for a single facility; a group leaves the facility out of its sum.
      if (single) {
        t.text_plan = plans.text;
      } else {
        ++t.closed;
      }
    } else if (!v || v->state == OccupancyState::kUnknown ||
               !CountFresh(line, *v, plans, single, t)) {
      ++t.stale;
    }
  }
  return t;
}

int MaxShown(int digits) {
  int max = 1;
  for (int i = 0; i < std::clamp(digits, 1, 6); ++i) max *= 10;
  return max - 1;
}

// Steps the memory for `effective` free spaces and returns the kind and colour to show.
void Decide(int effective, int capacity, const DisplayRules& rules, LineMemory& memory,
            LineContent& out) {
  const int full_enter = rules.full_increasing.EnterAtFree(capacity);
  // The band is at least one space, whatever mix of units the thresholds use.
  const int full_leave = std::max(rules.full_decreasing.LeaveAtFree(capacity), full_enter + 1);
  const int almost_enter = rules.almost_full_increasing.EnterAtFree(capacity);
  const int almost_leave =
      std::max(rules.almost_full_decreasing.LeaveAtFree(capacity), almost_enter + 1);

  const bool was_full = memory.level == Level::kFull;
  const bool was_almost = memory.level == Level::kAlmostFull || was_full;
  const bool full = effective <= 0 || (was_full ? effective < full_leave : effective <= full_enter);
  const bool almost = full || (was_almost ? effective < almost_leave : effective <= almost_enter);
  memory.level = full ? Level::kFull : almost ? Level::kAlmostFull : Level::kAvailable;

  if (full) {
    memory.number_hidden = false;
    out.kind = LineKind::kFull;
    out.colour = Colour::kRed;
    return;
  }
  if (rules.floor > 0) {
    memory.number_hidden =
        memory.number_hidden ? effective < rules.floor + rules.floor_band : effective < rules.floor;
  } else {
    memory.number_hidden = false;
  }
  if (memory.number_hidden) {
    out.kind = LineKind::kFew;
    out.colour = Colour::kAmber;
    return;
  }
  out.kind = LineKind::kCount;
  out.colour = almost ? Colour::kAmber : Colour::kGreen;
}

const ActiveOverride* OverrideFor(std::span<const ActiveOverride> overrides, int line) {
  const ActiveOverride* whole = nullptr;
  for (const auto& o : overrides) {
    if (o.line && *o.line == line) return &o;
    if (!o.line && !whole) whole = &o;
  }
  return whole;
}

}  // namespace

SignMemory MemoryFromContent(const SignContent& content) {
  SignMemory memory;
  for (const auto& l : content.lines) {
    LineMemory m;
    switch (l.kind) {
      case LineKind::kFull:
        m.level = Level::kFull;
        break;
      case LineKind::kFew:
        m.level = Level::kAlmostFull;
        m.number_hidden = true;
        break;
      case LineKind::kCount:
        m.level = l.colour == Colour::kAmber ? Level::kAlmostFull : Level::kAvailable;
        break;
      case LineKind::kClosed:
      case LineKind::kUnknown:
      case LineKind::kText:
      case LineKind::kBlank:
        break;
    }
    memory.lines.push_back(m);
  }
  return memory;
}

SignContent EvaluateSign(const EvalInput& in, SignMemory& memory) {
  PG_ASSERT(in.sign && in.config && in.views);
  const model::Sign& sign = *in.sign;
  memory.lines.resize(sign.lines.size());
  SignContent content;
  content.lines.reserve(sign.lines.size());
  for (size_t i = 0; i < sign.lines.size(); ++i) {
    const model::SignLine& line = sign.lines[i];
    LineMemory& mem = memory.lines[i];
    const DisplayRules rules = in.config->RulesFor(sign, line);
    Tally t = CountMembers(line, in);

    LineContent out;
    out.arrow = line.arrow;
    out.label = line.label;
    out.category = line.category;
    LineBasis& b = out.basis;
    b.members = static_cast<int>(line.facilities.size());
    b.fresh = t.fresh;
    b.stale = t.stale;
    b.closed = t.closed;
    b.reserved = t.reserved;
    b.capacity = t.capacity;
    b.buffer = rules.buffer;
    b.plans = t.plans;

    if (t.text_plan) {
      out.kind = LineKind::kText;
      out.text = t.text_plan->text;
      out.colour = Colour::kAmber;
    } else if (t.fresh == 0) {
      const bool all_closed = t.closed > 0 && t.stale == 0;
      out.kind = all_closed ? LineKind::kClosed : LineKind::kUnknown;
      out.colour = all_closed ? Colour::kRed : Colour::kNone;
    } else if (t.forced_full) {
      b.free = t.free;
      mem.level = Level::kFull;
      mem.number_hidden = false;
      out.kind = LineKind::kFull;
      out.colour = Colour::kRed;
    } else {
      b.free = t.free;
      const int effective = std::max(0, t.free - rules.buffer);
      Decide(effective, t.capacity, rules, mem, out);
      if (out.kind == LineKind::kCount) out.count = std::min(effective, MaxShown(sign.digits));
    }
    if (out.kind != LineKind::kText) out.text = StandardText(out.kind, out.count);

    if (const ActiveOverride* o = OverrideFor(in.overrides, static_cast<int>(i))) {
      out.kind = o->blank ? LineKind::kBlank : LineKind::kText;
      out.count = 0;
      out.text = o->blank ? model::LocalizedName{} : o->text;
      out.colour = o->blank ? Colour::kNone : Colour::kAmber;
      b.override_id = o->id;
    }
    content.lines.push_back(std::move(out));
  }
  return content;
}

}  // namespace pg::signs

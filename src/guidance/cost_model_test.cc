// guidance::ExpectedCosts, the cost model as a pure function: the docs' worked example, the
// search against enumeration of every visit order, and the invariants of docs/guidance.md as
// properties over random cities and states. Each property runs many seeded cases that grow
// from one option upwards, so the first failure is a small one; it prints the seed and the
// whole case.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>

#include <fmt/format.h>

#include "guidance/guidance.h"
#include "tests/support/guidance_reference.h"

namespace pg::guidance {
namespace {

// A random city: options at random points of a 2 km square and an origin, driven between at
// 30 km/h with up to 40% detours either way (some pairs with no direct way), closed under
// shortest paths as on a road network (the drive from the origin too), at random P, walks and
// prices.
struct City {
  std::vector<CostInputs> options;
  std::vector<std::vector<uint32_t>> drive;  // between options; kUnreachable: no way
  uint64_t seed = 0;

  std::function<uint32_t(size_t, size_t)> Between() const {
    return [this](size_t a, size_t b) { return drive[a][b]; };
  }
  std::string Describe() const {
    std::string out = fmt::format("seed {}, {} options:\n", seed, options.size());
    for (size_t i = 0; i < options.size(); ++i) {
      const CostInputs& o = options[i];
      out += fmt::format("  {}: P {:.3f} drive {} walk {:.0f} price {:.0f}; on to", i, o.p_free,
                         o.drive_ms, o.walk_ms, o.price_ms);
      for (uint32_t d : drive[i]) {
        out += d == routing::kUnreachable ? std::string(" -") : fmt::format(" {}", d);
      }
      out += "\n";
    }
    return out;
  }
};

City RandomCity(uint64_t seed, size_t n) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  City c;
  c.seed = seed;
  std::vector<std::pair<double, double>> at;
  for (size_t i = 0; i < n; ++i) {
    at.emplace_back(u(rng) * 2000, u(rng) * 2000);
    CostInputs o;
    const double r = u(rng);
    o.p_free = r < 0.2 ? 0.02 : r < 0.3 ? 0.5 : 0.02 + 0.97 * u(rng);
    o.drive_ms = static_cast<int64_t>(60'000 + u(rng) * 840'000);
    o.walk_ms = std::round(u(rng) * 900'000) * 1.5;
    o.price_ms = std::round(u(rng) * 20) * 120'000;
    c.options.push_back(o);
  }
  c.drive.assign(n, std::vector<uint32_t>(n, routing::kUnreachable));
  for (size_t a = 0; a < n; ++a) {
    for (size_t b = 0; b < n; ++b) {
      if (a == b || u(rng) < 0.05) continue;
      const double m = std::hypot(at[a].first - at[b].first, at[a].second - at[b].second);
      c.drive[a][b] = static_cast<uint32_t>(std::lround(m / 8.33 * 1000 * (1 + 0.4 * u(rng))));
    }
  }
  for (size_t via = 0; via < n; ++via) {
    for (size_t a = 0; a < n; ++a) {
      if (a != via && c.drive[via][a] != routing::kUnreachable) {
        c.options[a].drive_ms =
            std::min<int64_t>(c.options[a].drive_ms, c.options[via].drive_ms + c.drive[via][a]);
      }
      for (size_t b = 0; b < n; ++b) {
        if (a == b || c.drive[a][via] == routing::kUnreachable ||
            c.drive[via][b] == routing::kUnreachable) {
          continue;
        }
        c.drive[a][b] = std::min(c.drive[a][b], c.drive[a][via] + c.drive[via][b]);
      }
    }
  }
  return c;
}

constexpr int kCases = 1000;
size_t SizeOf(int k) { return 1 + static_cast<size_t>(k) * 11 / kCases; }  // 1 … 11 options

// Rounding each term to the millisecond may move a total by this much against its exact value.
constexpr int64_t kRounding = 2;

GuidanceParams Params(int depth = 3) {
  GuidanceParams prm;
  prm.search_depth = depth;
  return prm;
}

// docs/guidance.md's worked example, to the millisecond.
TEST(ExpectedCosts, TheWorkedExampleOfTheDocs) {
  GuidanceParams prm;  // ¥30/h: ¥1 is 120 s; walk × 1.5; detour 120 s; give-up 900 s
  std::vector<CostInputs> options = {
      {.p_free = 0.40, .drive_ms = 240'000, .walk_ms = 1.5 * 60'000, .price_ms = 4 * 120'000},
      {.p_free = 0.95, .drive_ms = 250'000, .walk_ms = 1.5 * 180'000, .price_ms = 3 * 120'000},
      {.p_free = 0.70, .drive_ms = 300'000, .walk_ms = 1.5 * 300'000, .price_ms = 2 * 120'000}};
  // A ↔ B 30 s, either ↔ C 60 s. Nothing found costs 900 + max(570, 630, 690) = 1590 s.
  auto between = [](size_t a, size_t b) {
    return a + b == 1 ? uint32_t{30'000} : uint32_t{60'000};
  };
  auto costs = ExpectedCosts(options, between, prm, 1'590'000.0);
  EXPECT_EQ(costs[0].cost.total_ms, 952'380);  // A
  EXPECT_EQ(costs[0].cost.walk_ms, 36'000);
  EXPECT_EQ(costs[0].cost.price_ms, 192'000);
  EXPECT_EQ(costs[0].cost.full_risk_ms, 484'380);
  EXPECT_EQ(costs[0].search, (std::vector<int>{1, 2}));
  EXPECT_EQ(costs[1].cost.total_ms, 902'680);  // B: ranks first
  EXPECT_EQ(costs[1].cost.full_risk_ms, 54'180);
  EXPECT_EQ(costs[1].search, (std::vector<int>{0, 2}));
  options[0].p_free = 0.90;  // A at 90%: now first
  costs = ExpectedCosts(options, between, prm, 1'590'000.0);
  EXPECT_EQ(costs[0].cost.total_ms, 833'730);
  // No way on from A: its full risk is a search that finds nothing.
  costs = ExpectedCosts(
      options, [](size_t, size_t) { return routing::kUnreachable; }, prm, 1'590'000.0);
  EXPECT_TRUE(costs[0].search.empty());
  EXPECT_EQ(costs[0].fallback, -1);
  EXPECT_EQ(costs[0].cost.full_risk_ms, 171'000);  // 0.1 × (120 + 1590) s
}

TEST(ExpectedCosts, TheSearchIsTheCheapestOfEveryVisitOrderEnumerated) {
  for (int k = 0; k < kCases; ++k) {
    const City city = RandomCity(1000 + k, 1 + static_cast<size_t>(k) % 7);
    const GuidanceParams prm = Params(1 + k % 4);
    const size_t n = city.options.size();
    std::vector<double> p, park;
    for (const CostInputs& o : city.options) {
      p.push_back(o.p_free);
      park.push_back(o.walk_ms + o.price_ms);
    }
    const double no_space = NoSpaceMs(park, prm);
    const auto costs = ExpectedCosts(city.options, city.Between(), prm);
    for (size_t i = 0; i < n; ++i) {
      std::vector<size_t> order;
      const double alt =
          testing::EnumeratedSearch(i, static_cast<size_t>(prm.search_depth), p, park, city.drive,
                                    prm.full_detour_ms, no_space, &order);
      const auto want = std::llround(city.options[i].drive_ms + p[i] * std::min(park[i], alt) +
                                     (1 - p[i]) * (prm.full_detour_ms + alt));
      ASSERT_EQ(costs[i].worth_taking, park[i] <= alt) << city.Describe();
      ASSERT_NEAR(costs[i].cost.total_ms, want, kRounding)
          << "option " << i << ", depth " << prm.search_depth << "\n"
          << city.Describe();
      // The search named costs what the enumeration's cheapest does.
      std::vector<size_t> named(costs[i].search.begin(), costs[i].search.end());
      double rest = no_space;
      for (size_t m = named.size(); m-- > 0;) {
        const size_t at = m == 0 ? i : named[m - 1], to = named[m];
        rest = city.drive[at][to] + p[to] * std::min(park[to], rest) +
               (1 - p[to]) * (prm.full_detour_ms + rest);
      }
      ASSERT_NEAR(rest, alt, 1e-6) << "option " << i << "\n" << city.Describe();
      ASSERT_EQ(named.empty(), order.empty()) << city.Describe();
    }
  }
}

// Each total of `a` is at most its total in `b` (up to rounding).
void ExpectNoDearer(const std::vector<ExpectedCost>& a, const std::vector<ExpectedCost>& b,
                    const std::string& what, const City& city, size_t except = SIZE_MAX) {
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (i == except) continue;
    ASSERT_LE(a[i].cost.total_ms, b[i].cost.total_ms + kRounding)
        << what << ": option " << i << "\n"
        << city.Describe();
  }
}

TEST(ExpectedCostsProperty, FailingToParkNeverCostsLessThanParking) {
  for (int k = 0; k < kCases; ++k) {
    const City city = RandomCity(2000 + k, SizeOf(k));
    const GuidanceParams prm = Params();
    std::vector<double> parks;
    for (const CostInputs& o : city.options) parks.push_back(o.walk_ms + o.price_ms);
    const double no_space = NoSpaceMs(parks, prm);
    for (double park : parks) ASSERT_GT(no_space, park) << city.Describe();
    const auto costs = ExpectedCosts(city.options, city.Between(), prm);
    for (size_t i = 0; i < costs.size(); ++i) {
      const CostInputs& o = city.options[i];
      // Never more than giving up at once, never less than the drive and the cheapest park.
      ASSERT_LE(costs[i].cost.total_ms,
                o.drive_ms + std::llround(prm.full_detour_ms + no_space) + kRounding)
          << city.Describe();
      ASSERT_GE(
          costs[i].cost.total_ms,
          o.drive_ms + std::llround(*std::min_element(parks.begin(), parks.end())) - kRounding)
          << city.Describe();
    }
  }
}

// Every option's cost falls (or stays) as any option's P(free) rises — its own too, when a
// free space there is worth taking. (One that is not is dearer than the search on from it: a
// free space there is bad news for a driver committed to it, and it ranks after the others.)
TEST(ExpectedCostsProperty, MoreChanceOfASpaceAnywhereNeverCostsMore) {
  for (int k = 0; k < kCases; ++k) {
    const City city = RandomCity(3000 + k, SizeOf(k));
    const auto before = ExpectedCosts(city.options, city.Between(), Params());
    City better = city;
    const size_t i = static_cast<size_t>(k) % city.options.size();
    better.options[i].p_free = std::min(1.0, city.options[i].p_free + 0.05 + 0.3 * (k % 3));
    ExpectNoDearer(ExpectedCosts(better.options, better.Between(), Params()), before,
                   fmt::format("P of {} raised to {}", i, better.options[i].p_free), city,
                   SIZE_MAX);
  }
}

TEST(ExpectedCostsProperty, ALongerWalkDriveOrDearerPriceNeverCostsLess) {
  for (int k = 0; k < kCases; ++k) {
    const City city = RandomCity(4000 + k, SizeOf(k));
    const auto base = ExpectedCosts(city.options, city.Between(), Params());
    const size_t i = static_cast<size_t>(k) % city.options.size();
    for (int what = 0; what < 4; ++what) {
      City worse = city;
      CostInputs& o = worse.options[i];
      const char* name = "walk";
      if (what == 0) o.walk_ms += 90'000;
      if (what == 1) o.price_ms += 240'000, name = "price";
      if (what == 2) o.drive_ms += 60'000, name = "drive from the origin";
      if (what == 3) {
        name = "drives on from it";
        for (auto& d : worse.drive[i]) {
          if (d != routing::kUnreachable) d += 60'000;
        }
      }
      ExpectNoDearer(base, ExpectedCosts(worse.options, worse.Between(), Params()),
                     fmt::format("{} of option {} worse", name, i), city);
    }
  }
}

// Option i twinned at the same place (same drive, walk, price, and no drive between the two)
// but full now; the original has known free space. When that space is the best place to park
// from there (no other option is cheaper to drive on to and park at), the full twin ranks below
// it. Otherwise it may not: the model takes two facilities at one place as two stops, so from
// the full twin the search can try a cheaper option nearby first and come back to the
// original, still free with its own P(free) — a plan a driver who saw the original free would
// not follow (docs/guidance.md, "Limits").
TEST(ExpectedCostsProperty, AFacilityFullNowNeverOutranksOneAtTheSamePlaceWithFreeSpace) {
  int best_place_cases = 0;
  for (int k = 0; k < kCases; ++k) {
    City city = RandomCity(5000 + k, SizeOf(k));
    const size_t i = static_cast<size_t>(k) % city.options.size();
    const size_t twin = city.options.size();
    city.options[i].p_free = std::max(city.options[i].p_free, 0.05);
    CostInputs full = city.options[i];
    full.p_free = 0.02;  // LiveOnlyPFree(0, …)
    city.options.push_back(full);
    for (size_t a = 0; a < twin; ++a) city.drive[a].push_back(city.drive[a][i]);
    city.drive.push_back(city.drive[i]);
    city.drive[twin].push_back(routing::kUnreachable);
    city.drive[i][twin] = city.drive[twin][i] = 0;
    const GuidanceParams prm = Params();
    const auto costs = ExpectedCosts(city.options, city.Between(), prm);
    std::vector<double> p, park;
    for (const CostInputs& o : city.options) {
      p.push_back(o.p_free);
      park.push_back(o.walk_ms + o.price_ms);
    }
    bool best_place = true;
    for (size_t j = 0; j < twin; ++j) {
      if (j != i && city.drive[i][j] != routing::kUnreachable &&
          city.drive[i][j] + park[j] < park[i]) {
        best_place = false;
      }
    }
    if (!best_place) continue;
    ++best_place_cases;
    ASSERT_TRUE(std::pair(!costs[i].worth_taking, costs[i].cost.total_ms) <
                std::pair(!costs[twin].worth_taking, costs[twin].cost.total_ms))
        << "full " << twin << " against free " << i << "\n"
        << city.Describe();
  }
  EXPECT_GT(best_place_cases, kCases / 5) << "the property was hardly tried";
}

TEST(ExpectedCostsProperty, AddingACandidateNeverMakesTheBestAnswerWorse) {
  for (int k = 0; k < kCases; ++k) {
    const City more = RandomCity(6000 + k, SizeOf(k) + 1);
    City fewer = more;
    const size_t gone = static_cast<size_t>(k) % more.options.size();
    fewer.options.erase(fewer.options.begin() + static_cast<ptrdiff_t>(gone));
    fewer.drive.erase(fewer.drive.begin() + static_cast<ptrdiff_t>(gone));
    for (auto& row : fewer.drive) row.erase(row.begin() + static_cast<ptrdiff_t>(gone));
    // What a search that finds nothing costs belongs to the neighbourhood, not to the candidates.
    std::vector<double> parks;
    for (const CostInputs& o : more.options) parks.push_back(o.walk_ms + o.price_ms);
    const double no_space = NoSpaceMs(parks, Params());
    auto best = [&](const City& c) {
      const auto costs = ExpectedCosts(c.options, c.Between(), Params(), no_space);
      const auto first = std::min_element(costs.begin(), costs.end(),
                                          [](const ExpectedCost& x, const ExpectedCost& y) {
                                            return std::pair(!x.worth_taking, x.cost.total_ms) <
                                                   std::pair(!y.worth_taking, y.cost.total_ms);
                                          });
      return first->cost.total_ms;
    };
    ASSERT_LE(best(more), best(fewer) + kRounding) << "with option " << gone << " and without it\n"
                                                   << more.Describe();
  }
}

}  // namespace
}  // namespace pg::guidance

// Deterministic random numbers for the simulation: the same bits on every machine and standard
// library (std::*_distribution is not specified to the bit), split into independent streams by
// name so that one policy's extra draws never shift another's (common random numbers: every
// policy of one seed meets the same drivers and the same background cars).
//
// Thread-safety: a Rng is a plain value used by one thread.
#pragma once

#include <cmath>
#include <cstdint>
#include <string_view>

namespace pg::simulation {

class Rng {
 public:
  // A stream of `seed` named `stream` (and numbered `index`, e.g. a facility).
  Rng(uint64_t seed, std::string_view stream, uint64_t index = 0) {
    uint64_t h = 1469598103934665603ull;  // FNV-1a of the stream name
    for (char c : stream) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    state_ = Mix(seed ^ Mix(h ^ Mix(index + 0x9e3779b97f4a7c15ull)));
  }
  uint64_t Next() {  // splitmix64
    state_ += 0x9e3779b97f4a7c15ull;
    return Mix(state_);
  }
  // Uniform in (0, 1): never 0, so logarithms are safe.
  double Uniform() { return (static_cast<double>(Next() >> 11) + 0.5) * 0x1.0p-53; }
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  // Uniform integer in [0, n). REQUIRES: n > 0.
  uint64_t Below(uint64_t n) { return static_cast<uint64_t>(Uniform() * static_cast<double>(n)); }
  double Normal() {  // Box–Muller, one of the pair
    return std::sqrt(-2 * std::log(Uniform())) * std::cos(6.283185307179586 * Uniform());
  }
  double Exponential(double mean) { return -mean * std::log(Uniform()); }
  bool Chance(double p) { return Uniform() < p; }

 private:
  static uint64_t Mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  uint64_t state_;
};

}  // namespace pg::simulation

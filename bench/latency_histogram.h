// Fixed-size latency histograms for the soak load tool (bench/soak.cc): log-linear buckets in the
// manner of HdrHistogram — exact below 128 µs, then 64 sub-buckets per power of two (every value
// within 1.6 % of its bucket's top) up to 2^40 µs (12 days). Memory is the same after an hour as
// after a second.
//
//   AtomicHistogram h;            // recorded into by any thread
//   h.Record(std::chrono::microseconds(250));
//   Histogram interval = h.Take();  // the reporter: this interval's counts, h starts again
//   total.Add(interval);
//   double p99_ms = interval.PercentileMs(0.99);
//
// Thread-safety: AtomicHistogram::Record may be called concurrently with everything; Take by one
// thread at a time. Histogram is a plain value.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <chrono>
#include <cstdint>

namespace pg::bench {

inline constexpr int kSubBucketBits = 6;
inline constexpr int64_t kLinearLimitUs = int64_t{2} << kSubBucketBits;  // 128
inline constexpr int kMaxExponent = 39;
inline constexpr size_t kBucketCount =
    kLinearLimitUs + (kMaxExponent - kSubBucketBits) * (size_t{1} << kSubBucketBits);

inline size_t BucketOf(int64_t us) {
  if (us < kLinearLimitUs) return static_cast<size_t>(std::max<int64_t>(us, 0));
  us = std::min<int64_t>(us, (int64_t{1} << (kMaxExponent + 1)) - 1);
  const int exponent = 63 - std::countl_zero(static_cast<uint64_t>(us));  // ≥ 7
  const int64_t sub = (us >> (exponent - kSubBucketBits)) & ((1 << kSubBucketBits) - 1);
  return static_cast<size_t>(kLinearLimitUs + (exponent - kSubBucketBits - 1) * 64 + sub);
}

// The highest value a bucket holds (what a percentile reports: never below the true value).
inline int64_t BucketTopUs(size_t bucket) {
  if (bucket < static_cast<size_t>(kLinearLimitUs)) return static_cast<int64_t>(bucket);
  const size_t above = bucket - static_cast<size_t>(kLinearLimitUs);
  const int exponent = static_cast<int>(above / 64) + kSubBucketBits + 1;
  const int64_t sub = static_cast<int64_t>(above % 64);
  const int shift = exponent - kSubBucketBits;
  return ((64 + sub) << shift) + (int64_t{1} << shift) - 1;
}

class Histogram {
 public:
  void Add(const Histogram& other) {
    for (size_t i = 0; i < kBucketCount; ++i) counts_[i] += other.counts_[i];
    count_ += other.count_;
    max_us_ = std::max(max_us_, other.max_us_);
  }
  void AddBucket(size_t bucket, uint64_t n) {
    counts_[bucket] += n;
    count_ += n;
  }
  void NoteMax(int64_t us) { max_us_ = std::max(max_us_, us); }

  uint64_t count() const { return count_; }
  double MaxMs() const { return static_cast<double>(max_us_) / 1000.0; }
  // The value below which a share `p` (0–1) of the samples lie, in ms; 0 without samples.
  double PercentileMs(double p) const {
    if (count_ == 0) return 0.0;
    const auto rank = static_cast<uint64_t>(p * static_cast<double>(count_ - 1)) + 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < kBucketCount; ++i) {
      seen += counts_[i];
      if (seen >= rank) return static_cast<double>(std::min(BucketTopUs(i), max_us_)) / 1000.0;
    }
    return MaxMs();
  }

 private:
  std::array<uint64_t, kBucketCount> counts_{};
  uint64_t count_ = 0;
  int64_t max_us_ = 0;
};

class AtomicHistogram {
 public:
  void Record(std::chrono::microseconds latency) {
    const int64_t us = latency.count();
    counts_[BucketOf(us)].fetch_add(1, std::memory_order_relaxed);
    int64_t seen = max_us_.load(std::memory_order_relaxed);
    while (us > seen && !max_us_.compare_exchange_weak(seen, us, std::memory_order_relaxed)) {
    }
  }
  // The counts recorded since the last Take; a sample recorded meanwhile lands in this or the
  // next interval, never in none.
  Histogram Take() {
    Histogram out;
    for (size_t i = 0; i < kBucketCount; ++i) {
      if (uint64_t n = counts_[i].exchange(0, std::memory_order_relaxed)) out.AddBucket(i, n);
    }
    out.NoteMax(max_us_.exchange(0, std::memory_order_relaxed));
    return out;
  }

 private:
  std::array<std::atomic<uint64_t>, kBucketCount> counts_{};
  std::atomic<int64_t> max_us_{0};
};

}  // namespace pg::bench

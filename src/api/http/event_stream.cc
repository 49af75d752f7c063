#include "api/http/event_stream.h"

#include <algorithm>
#include <utility>

#include "core/status.h"

namespace pg::api::http {
namespace {

void AppendEvent(std::string& out, std::string_view event_name, std::string_view data,
                 std::optional<uint64_t> id) {
  if (id) {
    out += "id: ";
    out += std::to_string(*id);
    out += '\n';
  }
  if (!event_name.empty()) {
    out += "event: ";
    for (char c : event_name) {
      if (c != '\r' && c != '\n') out += c;
    }
    out += '\n';
  }
  // Every line terminator the SSE grammar accepts ends a data line, so a bare '\r' in the data
  // cannot leak into the next field.
  while (true) {
    size_t end = data.find_first_of("\r\n");
    out += "data: ";
    out.append(data.substr(0, end));
    out += '\n';
    if (end == std::string_view::npos) break;
    size_t next = end + 1;
    if (data[end] == '\r' && next < data.size() && data[next] == '\n') ++next;
    data.remove_prefix(next);
  }
  out += '\n';
}

// The heap memory a string holds: its capacity (strings grow by doubling), none while it fits in
// the string itself.
size_t HeapBytes(const std::string& s) {
  static const size_t inline_capacity = std::string().capacity();
  return s.capacity() > inline_capacity ? s.capacity() : 0;
}

}  // namespace

std::string FormatEvent(std::string_view event_name, std::string_view data,
                        std::optional<uint64_t> id) {
  std::string out;
  AppendEvent(out, event_name, data, id);
  return out;
}

bool StreamBudget::OverShare(size_t queued) const {
  const size_t total = queued_.load(std::memory_order_relaxed);
  if (total <= budget_) return false;
  return queued > budget_ / std::max<size_t>(1, streams_.load(std::memory_order_relaxed));
}

// What the budget counts is memory, not queue lengths.
void EventStream::Recharge() {
  const size_t now = HeapBytes(queue_) + in_flight_capacity_;
  if (budget_ != nullptr && now != charged_) {
    if (now > charged_) {
      budget_->queued_.fetch_add(now - charged_, std::memory_order_relaxed);
    } else {
      budget_->queued_.fetch_sub(charged_ - now, std::memory_order_relaxed);
    }
  }
  charged_ = budget_ != nullptr ? now : 0;
}

bool EventStream::OverBound() const {
  return queue_.size() + in_flight_bytes_ > max_queued_bytes_ ||
         (budget_ != nullptr && budget_->OverShare(charged_));
}

void EventStream::DropQueue() {
  state_ = State::kDropped;
  std::string().swap(queue_);
  Recharge();
}

// `wake_` is called with mu_ held: it only posts to the connection's strand, and holding the
// lock guarantees it is never called after Detach() returns — the connection, and the io_context
// the callback posts to, may be gone by then.
template <typename AppendFn>
bool EventStream::Enqueue(AppendFn append) {
  std::lock_guard lock(mu_);
  if (state_ != State::kOpen) return false;
  append(queue_);
  Recharge();
  if (OverBound()) {
    // The client has fallen behind by more than its bound: drop it rather than grow.
    DropQueue();
    if (wake_) wake_();
    return false;
  }
  if (!wake_pending_ && wake_) {
    wake_pending_ = true;
    wake_();
  }
  return true;
}

bool EventStream::Push(std::string_view event_name, std::string_view data,
                       std::optional<uint64_t> id) {
  return Enqueue([&](std::string& out) { AppendEvent(out, event_name, data, id); });
}

bool EventStream::PushFramed(std::string_view framed) {
  return Enqueue([&](std::string& out) { out.append(framed); });
}

bool EventStream::PushComment(std::string_view text) {
  return Enqueue([&](std::string& out) {
    out += ": ";
    out.append(text);
    out += "\n\n";
  });
}

void EventStream::Close() {
  std::lock_guard lock(mu_);
  if (state_ != State::kOpen) return;
  state_ = State::kClosing;
  if (wake_) wake_();
}

bool EventStream::closed() const {
  std::lock_guard lock(mu_);
  return state_ != State::kOpen;
}

void EventStream::Attach(size_t max_queued_bytes, StreamBudget* budget,
                         std::function<void()> wake) {
  std::lock_guard lock(mu_);
  PG_ASSERT(!wake_ && "an EventStream can be returned in only one Response");
  max_queued_bytes_ = max_queued_bytes;
  if (budget != nullptr && state_ != State::kDropped) {
    budget_ = budget;
    budget_->streams_.fetch_add(1, std::memory_order_relaxed);
    Recharge();
  }
  if (state_ == State::kOpen && OverBound()) DropQueue();
  if (state_ != State::kDropped) wake_ = std::move(wake);
  // The connection writes right after attaching, so no wake-up is owed for what is queued.
  wake_pending_ = true;
}

EventStream::State EventStream::Take(std::string& out) {
  std::lock_guard lock(mu_);
  out.clear();
  wake_pending_ = false;
  if (state_ == State::kDropped) return state_;
  out.swap(queue_);
  if (queue_.capacity() > kRetainedBufferBytes) std::string().swap(queue_);
  in_flight_bytes_ = out.size();
  in_flight_capacity_ = HeapBytes(out);
  Recharge();
  return state_;
}

bool EventStream::dropped() const {
  std::lock_guard lock(mu_);
  return state_ == State::kDropped;
}

void EventStream::WriteDone() {
  std::lock_guard lock(mu_);
  in_flight_bytes_ = 0;
  in_flight_capacity_ = 0;
  Recharge();
}

void EventStream::Detach() {
  std::function<void()> wake;
  {
    std::lock_guard lock(mu_);
    state_ = State::kDropped;
    std::string().swap(queue_);
    in_flight_bytes_ = 0;
    in_flight_capacity_ = 0;
    Recharge();
    if (budget_ != nullptr) {
      budget_->streams_.fetch_sub(1, std::memory_order_relaxed);
      budget_ = nullptr;
    }
    wake.swap(wake_);
  }
  // `wake` is destroyed here, outside the lock.
}

}  // namespace pg::api::http

#include "events/event_bus.h"

#include <fmt/format.h>

namespace pg::events {

std::string FrameEvent(const Event& e) {
  if (!e.resumable) return fmt::format("event: {}\ndata: {}\n\n", e.type, e.data);
  return fmt::format("id: {}\nevent: {}\ndata: {}\n\n", e.id, e.type, e.data);
}

EventBus::EventBus(size_t history, Renderer render)
    : history_limit_(history), render_(std::move(render)), thread_([this] { Run(); }) {}

EventBus::~EventBus() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void EventBus::Publish(std::vector<Event> events) {
  if (events.empty()) return;
  // Rendered and framed outside the lock: subscribers and resuming clients never wait on it.
  for (auto& e : events) {
    if (e.data.empty() && render_) e.data = render_(e);
    if (e.framed.empty()) e.framed = FrameEvent(e);
  }
  {
    std::lock_guard lock(mu_);
    for (auto& e : events) {
      if (!e.resumable) {
        if (!subscribers_.empty()) pending_.push_back(std::make_shared<const Event>(std::move(e)));
        continue;
      }
      if (e.id != last_id_ + 1) history_.clear();
      last_id_ = e.id;
      auto ptr = std::make_shared<const Event>(std::move(e));
      history_.push_back(ptr);
      if (history_.size() > history_limit_) history_.pop_front();
      if (!subscribers_.empty()) pending_.push_back(std::move(ptr));
    }
  }
  cv_.notify_one();
}

bool EventBus::HasSubscribers() const {
  std::lock_guard lock(mu_);
  return !subscribers_.empty();
}

uint64_t EventBus::last_id() const {
  std::lock_guard lock(mu_);
  return last_id_;
}

size_t EventBus::subscribers() const {
  std::lock_guard lock(mu_);
  return subscribers_.size();
}

uint64_t EventBus::SubscribeFrom(std::optional<uint64_t> after_id, Callback callback,
                                 std::optional<std::vector<EventPtr>>* missed) {
  std::lock_guard lock(mu_);
  auto sub = std::make_shared<Subscriber>();
  sub->callback = std::move(callback);
  sub->delivered_up_to = last_id_;
  if (after_id && missed) {
    if (*after_id >= last_id_) {
      *missed = std::vector<EventPtr>{};
    } else if (history_.empty() || history_.front()->id > *after_id + 1) {
      *missed = std::nullopt;
    } else {
      std::vector<EventPtr> out;
      for (const auto& e : history_) {
        if (e->id > *after_id) out.push_back(e);
      }
      *missed = std::move(out);
    }
  }
  uint64_t id = next_subscription_++;
  subscribers_.emplace(id, std::move(sub));
  return id;
}

void EventBus::Unsubscribe(uint64_t subscription) {
  std::lock_guard lock(mu_);
  subscribers_.erase(subscription);
}

void EventBus::Run() {
  std::vector<EventPtr> batch;
  std::vector<std::pair<uint64_t, std::shared_ptr<Subscriber>>> subs;
  while (true) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !pending_.empty(); });
      if (stop_) return;
      batch.assign(pending_.begin(), pending_.end());
      pending_.clear();
      subs.assign(subscribers_.begin(), subscribers_.end());
    }
    std::vector<uint64_t> ended;
    for (auto& [id, sub] : subs) {
      for (const auto& e : batch) {
        if (e->resumable) {
          if (e->id <= sub->delivered_up_to) continue;
          sub->delivered_up_to = e->id;
        }
        if (!sub->callback(e)) {
          ended.push_back(id);
          break;
        }
      }
    }
    subs.clear();
    if (!ended.empty()) {
      std::lock_guard lock(mu_);
      for (uint64_t id : ended) subscribers_.erase(id);
    }
  }
}

}  // namespace pg::events

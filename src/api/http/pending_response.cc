#include "api/http/pending_response.h"

#include "core/status.h"

namespace pg::api::http {

PendingResponse::PendingResponse(std::chrono::milliseconds timeout, Response fallback)
    : timeout_(timeout), fallback_(std::move(fallback)) {}

bool PendingResponse::Settle(std::optional<Response> response) {
  std::function<void()> wake;
  {
    std::lock_guard lock(mu_);
    if (settled_) return false;
    settled_ = true;
    response_ = std::move(response);
    wake = std::move(wake_);
    wake_ = nullptr;
  }
  if (wake) wake();
  return true;
}

bool PendingResponse::Complete(Response response) {
  PG_ASSERT(!response.stream && !response.pending);
  return Settle(std::move(response));
}

bool PendingResponse::done() const {
  std::lock_guard lock(mu_);
  return settled_;
}

void PendingResponse::Attach(std::function<void()> wake) {
  {
    std::lock_guard lock(mu_);
    if (!settled_) {
      wake_ = std::move(wake);
      return;
    }
  }
  wake();
}

std::optional<Response> PendingResponse::Take() {
  std::lock_guard lock(mu_);
  return std::exchange(response_, std::nullopt);
}

void PendingResponse::Expire() {
  Response fallback;
  {
    std::lock_guard lock(mu_);
    if (settled_) return;
    fallback = fallback_;
  }
  Settle(std::move(fallback));
}

void PendingResponse::Abandon() { Settle(std::nullopt); }

}  // namespace pg::api::http

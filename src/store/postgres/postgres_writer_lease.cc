// The PostgreSQL store's writer lease: a session advisory lock, keyed by the city's schema, held
// on a connection of its own. PostgreSQL releases it when that session ends — the node stopped,
// crashed or lost the server — and another node's next try takes it. The holder checks its
// connection every second: a lease whose connection failed is reported lost at once (the
// server may already have given it to another node).
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "store/postgres/postgres_store_impl.h"

namespace pg::store::postgres {
namespace {

constexpr std::chrono::seconds kTryEvery{1};

class AdvisoryLease final : public WriterLease {
 public:
  explicit AdvisoryLease(std::string uri) : uri_(std::move(uri)) {
    Try();
    thread_ = std::thread([this] { Loop(); });
  }
  ~AdvisoryLease() override {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  bool held() const override { return held_.load(); }

 private:
  void Loop() {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, kTryEvery, [this] { return stop_; })) {
      lock.unlock();
      Try();
      lock.lock();
    }
  }

  // Takes the lock when free, or checks that the session holding it is alive.
  void Try() {
    try {
      if (connection_ && ClosedWhileIdle(*connection_)) {
        throw pqxx::broken_connection("the server closed the lease's connection");
      }
      if (!connection_) connection_ = std::make_unique<pqxx::connection>(uri_);
      pqxx::nontransaction tx{*connection_};
      if (held_) {
        tx.exec("SELECT 1");
        return;
      }
      const bool taken = tx.exec(
                               "SELECT pg_try_advisory_lock(hashtextextended(current_schema() || "
                               "'.parkguide-writer', 0))")[0][0]
                             .as<bool>();
      if (taken) {
        held_ = true;
        PG_LOG_INFO("store: this node holds the city's writer lease");
      }
    } catch (const std::exception& e) {
      if (held_.exchange(false)) {
        PG_LOG_ERROR("store: the writer lease is lost ({}); another node may take it",
                     WithoutPassword(e.what()));
      }
      connection_.reset();  // its session, and any lock it held, are gone
    }
  }

  const std::string uri_;
  std::unique_ptr<pqxx::connection> connection_;  // the lease thread's (and the constructor's)
  std::atomic<bool> held_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace

std::unique_ptr<WriterLease> PostgresStore::AcquireWriterLease() {
  return std::make_unique<AdvisoryLease>(pool_.uri());
}

}  // namespace pg::store::postgres

// QueryPool: RouteQuery objects for concurrent callers such as the HTTP io threads. A caller
// borrows one for the length of a request; the pool keeps the objects, so their O(nodes) arrays
// are allocated once per thread that ever needed one, never per request.
//
//   QueryPool pool(network, Mode::kCar);
//   { auto query = pool.Acquire(); RouteCost c = query->Cost(a, b); }   // returned here
//
// Thread-safety: Acquire() may be called from any thread; a lease is used by one thread. The
// pool keeps the network alive; leases must end before the pool does.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "routing/route_query.h"

namespace pg::routing {

class QueryPool {
 public:
  QueryPool(std::shared_ptr<const RoadNetwork> network, Mode mode)
      : network_(std::move(network)), mode_(mode) {}

  class Lease {
   public:
    Lease(QueryPool& pool, std::unique_ptr<RouteQuery> query)
        : pool_(&pool), query_(std::move(query)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = default;
    ~Lease() {
      if (query_) pool_->Release(std::move(query_));
    }
    RouteQuery& operator*() const { return *query_; }
    RouteQuery* operator->() const { return query_.get(); }

   private:
    QueryPool* pool_;
    std::unique_ptr<RouteQuery> query_;
  };

  Lease Acquire() {
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        auto query = std::move(idle_.back());
        idle_.pop_back();
        return Lease(*this, std::move(query));
      }
    }
    return Lease(*this, std::make_unique<RouteQuery>(*network_, mode_));
  }

  const RoadNetwork& network() const { return *network_; }

 private:
  void Release(std::unique_ptr<RouteQuery> query) {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(query));
  }

  std::shared_ptr<const RoadNetwork> network_;
  Mode mode_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<RouteQuery>> idle_;
};

}  // namespace pg::routing

#include "store/store.h"

namespace pg::store {
namespace {

class AlwaysHeld final : public WriterLease {
 public:
  bool held() const override { return true; }
};

}  // namespace

std::unique_ptr<WriterLease> Store::AcquireWriterLease() { return std::make_unique<AlwaysHeld>(); }

}  // namespace pg::store

#include "core/thread_priority.h"

#include <sys/resource.h>
#include <unistd.h>

#include "core/log.h"

namespace pg {

bool LowerThisThreadsPriority(int nice) {
  if (::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), nice) != 0) {
    PG_LOG_DEBUG("could not lower a thread's priority to nice {}", nice);
    return false;
  }
  return true;
}

}  // namespace pg

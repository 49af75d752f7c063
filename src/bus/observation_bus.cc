#include "bus/observation_bus.h"

#include <fmt/format.h>
#include <nats/nats.h>

#include <mutex>
#include <thread>

#include "core/log.h"

namespace pg::bus {
namespace {

int64_t Nanoseconds(std::chrono::nanoseconds d) { return d.count(); }

std::string Describe(natsStatus s, jsErrCode je = static_cast<jsErrCode>(0)) {
  std::string text = natsStatus_GetText(s);
  if (const char* last = nats_GetLastError(nullptr); last != nullptr && *last != '\0') {
    text += fmt::format(" ({})", last);
  }
  if (je != 0) text += fmt::format(" [JetStream error {}]", static_cast<int>(je));
  return text;
}

Status StatusOf(natsStatus s, jsErrCode je, std::string_view what) {
  const std::string message = fmt::format("NATS: {}: {}", what, Describe(s, je));
  if (je == JSStreamStoreFailedErr || je == JSInsufficientResourcesErr || s == NATS_MAX_PAYLOAD) {
    return ResourceExhausted(message);
  }
  return Unavailable(message);
}

class NatsBus final : public ObservationBus {
 public:
  explicit NatsBus(BusOptions options)
      : options_(std::move(options)),
        stream_(StreamName(options_.city)),
        subject_(SubjectName(options_.city)) {}

  ~NatsBus() override {
    if (sub_ != nullptr) {
      natsSubscription_Unsubscribe(sub_);
      natsSubscription_Destroy(sub_);
    }
    if (js_ != nullptr) jsCtx_Destroy(js_);
    if (nc_ != nullptr) {
      natsConnection_Close(nc_);
      natsConnection_Destroy(nc_);
    }
    if (opts_ != nullptr) natsOptions_Destroy(opts_);
  }

  Status Open() {
    if (options_.servers.empty()) return InvalidArgument("no NATS server given", "bus");
    std::vector<const char*> servers;
    for (const auto& s : options_.servers) servers.push_back(s.c_str());
    natsStatus s = natsOptions_Create(&opts_);
    if (s == NATS_OK)
      s = natsOptions_SetServers(opts_, servers.data(), static_cast<int>(servers.size()));
    if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts_, -1);  // forever
    if (s == NATS_OK) s = natsOptions_SetReconnectWait(opts_, 250);
    if (s == NATS_OK) s = natsOptions_SetTimeout(opts_, 2'000);
    // A server gone without closing the socket is noticed within seconds, not minutes.
    if (s == NATS_OK) s = natsOptions_SetPingInterval(opts_, 2'000);
    if (s == NATS_OK) s = natsOptions_SetMaxPingsOut(opts_, 2);
    if (s == NATS_OK) s = natsOptions_SetRetryOnFailedConnect(opts_, true, nullptr, nullptr);
    if (s != NATS_OK) return StatusOf(s, {}, "options");
    s = natsConnection_Connect(&nc_, opts_);
    if (s != NATS_OK && s != NATS_NOT_YET_CONNECTED) return StatusOf(s, {}, "connecting");
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = options_.publish_timeout.count();
    s = natsConnection_JetStream(&js_, nc_, &jo);
    if (s != NATS_OK) return StatusOf(s, {}, "JetStream");
    return EnsureStream();
  }

  Result<uint64_t> Publish(std::string_view payload, const std::string& id) override {
    if (!connected()) {
      return Unavailable("NATS: not connected to any server of the bus; reconnecting");
    }
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MsgId = id.c_str();
    po.MaxWait = options_.publish_timeout.count();
    jsPubAck* ack = nullptr;
    jsErrCode je = static_cast<jsErrCode>(0);
    natsStatus s = js_Publish(&ack, js_, subject_.c_str(), payload.data(),
                              static_cast<int>(payload.size()), &po, &je);
    if (s != NATS_OK) return StatusOf(s, je, "publishing");
    const uint64_t seq = ack->Sequence;
    jsPubAck_Destroy(ack);
    return seq;
  }

  Status Follow(uint64_t from_seq, Apply apply) override {
    std::lock_guard lock(follow_mu_);
    if (sub_ != nullptr) {
      natsSubscription_Unsubscribe(sub_);
      natsSubscription_Destroy(sub_);  // a callback running now keeps it alive until it returns
      sub_ = nullptr;
    }
    {
      std::lock_guard apply_lock(apply_mu_);
      apply_ = std::move(apply);
    }
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = stream_.c_str();
    so.Ordered = true;  // in order, none missed: the client restarts the consumer past a gap
    so.Config.DeliverPolicy = from_seq <= 1 ? js_DeliverAll : js_DeliverByStartSequence;
    so.Config.OptStartSeq = from_seq <= 1 ? 0 : from_seq;
    jsErrCode je = static_cast<jsErrCode>(0);
    natsStatus s =
        js_Subscribe(&sub_, js_, subject_.c_str(), &NatsBus::OnMessage, this, nullptr, &so, &je);
    if (s != NATS_OK) return StatusOf(s, je, "following the stream");
    // Catching up from far behind must not drop messages as a slow consumer: flow control
    // paces the server; these limits only bound the client's buffer.
    natsSubscription_SetPendingLimits(sub_, 1'000'000, 1 << 30);
    return Status::Ok();
  }

  Result<Range> Sequences() override {
    jsStreamInfo* info = nullptr;
    jsErrCode je = static_cast<jsErrCode>(0);
    natsStatus s = js_GetStreamInfo(&info, js_, stream_.c_str(), nullptr, &je);
    if (s != NATS_OK) return StatusOf(s, je, "reading the stream's state");
    const Range range{info->State.FirstSeq, info->State.LastSeq};
    jsStreamInfo_Destroy(info);
    return range;
  }

  bool connected() const override {
    return natsConnection_Status(nc_) == NATS_CONN_STATUS_CONNECTED;
  }

 private:
  static void OnMessage(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
    auto* self = static_cast<NatsBus*>(closure);
    jsMsgMetaData* meta = nullptr;
    if (natsMsg_GetMetaData(&meta, msg) == NATS_OK) {
      const char* id = nullptr;
      if (natsMsgHeader_Get(msg, "Nats-Msg-Id", &id) != NATS_OK || id == nullptr) id = "";
      Apply apply;
      {
        std::lock_guard lock(self->apply_mu_);
        apply = self->apply_;
      }
      apply(
          meta->Sequence.Stream, id,
          std::string_view(natsMsg_GetData(msg), static_cast<size_t>(natsMsg_GetDataLength(msg))));
      jsMsgMetaData_Destroy(meta);
    } else {
      PG_LOG_ERROR("bus: a message without stream metadata on {}: skipped", self->subject_);
    }
    natsMsg_Destroy(msg);
  }

  // Makes the stream, or brings an existing one to the options; retried while the cluster
  // elects its leaders (a restarted cluster takes seconds).
  Status EnsureStream() {
    const char* subjects[] = {subject_.c_str()};
    jsStreamConfig sc;
    jsStreamConfig_Init(&sc);
    sc.Name = stream_.c_str();
    sc.Subjects = subjects;
    sc.SubjectsLen = 1;
    sc.Storage = js_FileStorage;
    sc.Retention = js_LimitsPolicy;
    sc.Replicas = options_.replicas;
    sc.MaxAge = Nanoseconds(options_.max_age);
    sc.Duplicates = Nanoseconds(options_.duplicate_window);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    Status last;
    while (std::chrono::steady_clock::now() < deadline) {
      jsErrCode je = static_cast<jsErrCode>(0);
      natsStatus s = js_AddStream(nullptr, js_, &sc, nullptr, &je);
      if (s != NATS_OK && je == JSStreamNameExistErr)
        s = js_UpdateStream(nullptr, js_, &sc, nullptr, &je);
      if (s == NATS_OK) return Status::Ok();
      last = StatusOf(s, je, fmt::format("making the stream {}", stream_));
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    return last;
  }

  const BusOptions options_;
  const std::string stream_;
  const std::string subject_;
  natsOptions* opts_ = nullptr;
  natsConnection* nc_ = nullptr;
  jsCtx* js_ = nullptr;
  std::mutex follow_mu_;             // one Follow at a time
  natsSubscription* sub_ = nullptr;  // guarded by follow_mu_
  std::mutex apply_mu_;
  Apply apply_;  // guarded by apply_mu_
};

std::string Sanitized(const std::string& city) {
  std::string out;
  for (char c : city) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-';
    out += keep ? c : '_';
  }
  return out.empty() ? "city" : out;
}

}  // namespace

std::string StreamName(const std::string& city) { return "PARKGUIDE_" + Sanitized(city); }
std::string SubjectName(const std::string& city) {
  return "parkguide." + Sanitized(city) + ".observations";
}

Result<std::unique_ptr<ObservationBus>> ObservationBus::Connect(BusOptions options) {
  auto bus = std::make_unique<NatsBus>(std::move(options));
  PG_RETURN_IF_ERROR(bus->Open());
  return std::unique_ptr<ObservationBus>(std::move(bus));
}

}  // namespace pg::bus

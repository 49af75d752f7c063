#include "api/http/client.h"

#include <fmt/format.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <deque>
#include <limits>

#include "core/strings.h"

namespace pg::api::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

std::string_view ToStd(beast::string_view s) { return {s.data(), s.size()}; }
beast::string_view ToBeast(std::string_view s) { return {s.data(), s.size()}; }

std::string FindHeader(const HeaderList& headers, std::string_view lowercase_name) {
  for (const auto& [name, value] : headers) {
    if (name == lowercase_name) return value;
  }
  return {};
}

template <typename Fields>
HeaderList CollectHeaders(const Fields& fields) {
  HeaderList out;
  for (const auto& f : fields) {
    out.emplace_back(ToLowerAscii(ToStd(f.name_string())), std::string(ToStd(f.value())));
  }
  return out;
}

// Runs the io_context until the one operation started by `start` completes, and returns its
// error. Deadlines come from the tcp_stream's expiry, which closes the socket when it passes.
template <typename Start>
beast::error_code RunOne(net::io_context& io, Start start) {
  beast::error_code result;
  start([&result](beast::error_code ec, auto&&...) { result = ec; });
  io.restart();
  io.run();
  return result;
}

Status NetworkError(std::string_view what, std::string_view host, uint16_t port,
                    const beast::error_code& ec) {
  return Unavailable(fmt::format("{} {}:{}: {}", what, host, port, ec.message()));
}

Status ConnectStream(net::io_context& io, beast::tcp_stream& stream, std::string_view host,
                     uint16_t port, std::chrono::milliseconds timeout) {
  tcp::resolver resolver(io);
  beast::error_code ec;
  auto endpoints = resolver.resolve(std::string(host), std::to_string(port), ec);
  if (ec) return NetworkError("cannot resolve", host, port, ec);
  stream.expires_after(timeout);
  ec = RunOne(io, [&](auto handler) { stream.async_connect(endpoints, std::move(handler)); });
  if (ec) return NetworkError("cannot connect to", host, port, ec);
  beast::error_code ignored;
  stream.socket().set_option(tcp::no_delay(true), ignored);
  return Status::Ok();
}

bhttp::request<bhttp::string_body> BuildRequest(std::string_view method, std::string_view host,
                                                uint16_t port, std::string_view target,
                                                std::string_view body, const HeaderList& headers,
                                                bool keep_alive) {
  bhttp::request<bhttp::string_body> req;
  req.method_string(ToBeast(method));
  req.target(ToBeast(target));
  req.version(11);
  req.set(bhttp::field::host, fmt::format("{}:{}", host, port));
  for (const auto& [name, value] : headers) req.insert(ToBeast(name), ToBeast(value));
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    req.body() = std::string(body);
    req.prepare_payload();
  }
  req.keep_alive(keep_alive);
  return req;
}

}  // namespace

std::string ClientResponse::Header(std::string_view lowercase_name) const {
  return FindHeader(headers, lowercase_name);
}

struct HttpConnection::Impl {
  net::io_context io{1};
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;
  std::string host;
  uint16_t port = 0;
  std::chrono::milliseconds timeout{};
  uint64_t max_body_bytes = std::numeric_limits<std::uint64_t>::max();
  bool usable = true;

  Result<ClientResponse> RoundTrip(std::string_view method, std::string_view target,
                                   std::string_view body, const HeaderList& headers,
                                   bool keep_alive) {
    if (!usable) return FailedPrecondition("the connection is closed");
    auto req = BuildRequest(method, host, port, target, body, headers, keep_alive);
    stream.expires_after(timeout);
    beast::error_code ec =
        RunOne(io, [&](auto handler) { bhttp::async_write(stream, req, std::move(handler)); });
    if (ec) {
      usable = false;
      return NetworkError("cannot send to", host, port, ec);
    }
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(max_body_bytes);
    parser.skip(method == "HEAD");
    stream.expires_after(timeout);
    // The head first: a declared length over the limit is refused before any of the body comes.
    ec = RunOne(io, [&](auto handler) {
      bhttp::async_read_header(stream, buffer, parser, std::move(handler));
    });
    if (!ec && parser.content_length() && *parser.content_length() > max_body_bytes) {
      ec = bhttp::error::body_limit;
    }
    if (!ec && !parser.is_done()) {
      ec = RunOne(
          io, [&](auto handler) { bhttp::async_read(stream, buffer, parser, std::move(handler)); });
    }
    if (ec) {
      usable = false;
      if (ec == bhttp::error::body_limit) {
        return ResourceExhausted(
            fmt::format("the response of {}:{} is over {} bytes", host, port, max_body_bytes));
      }
      if (ec.category() == bhttp::make_error_code(bhttp::error::bad_version).category() &&
          ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
        return InvalidArgument(fmt::format("unparsable response: {}", ec.message()));
      }
      return NetworkError("no response from", host, port, ec);
    }
    auto res = parser.release();
    if (!res.keep_alive()) usable = false;
    ClientResponse out;
    out.status = static_cast<int>(res.result_int());
    out.headers = CollectHeaders(res);
    out.body = std::move(res.body());
    return out;
  }
};

HttpConnection::HttpConnection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpConnection::~HttpConnection() = default;

Result<std::unique_ptr<HttpConnection>> HttpConnection::Open(std::string_view host, uint16_t port,
                                                             std::chrono::milliseconds timeout) {
  auto impl = std::make_unique<Impl>();
  impl->host = std::string(host);
  impl->port = port;
  impl->timeout = timeout;
  PG_RETURN_IF_ERROR(ConnectStream(impl->io, impl->stream, host, port, timeout));
  return std::unique_ptr<HttpConnection>(new HttpConnection(std::move(impl)));
}

Result<ClientResponse> HttpConnection::Request(std::string_view method, std::string_view target,
                                               std::string_view body, const HeaderList& headers) {
  return impl_->RoundTrip(method, target, body, headers, /*keep_alive=*/true);
}

bool HttpConnection::open() const { return impl_->usable; }

Result<ClientResponse> HttpRequest(std::string_view method, std::string_view host, uint16_t port,
                                   std::string_view target, std::string_view body,
                                   const HeaderList& headers, std::chrono::milliseconds timeout,
                                   uint64_t max_body_bytes) {
  HttpConnection::Impl impl;
  impl.host = std::string(host);
  impl.port = port;
  impl.timeout = timeout;
  impl.max_body_bytes = max_body_bytes;
  PG_RETURN_IF_ERROR(ConnectStream(impl.io, impl.stream, host, port, timeout));
  return impl.RoundTrip(method, target, body, headers, /*keep_alive=*/false);
}

Result<ClientResponse> HttpGet(std::string_view host, uint16_t port, std::string_view target,
                               const HeaderList& headers, std::chrono::milliseconds timeout,
                               uint64_t max_body_bytes) {
  return HttpRequest("GET", host, port, target, {}, headers, timeout, max_body_bytes);
}

// Raw bytes are read from the socket and fed to the parser by hand, so a read that times out
// can be cancelled without leaving the parser half-way through anything.
struct SseClient::Impl {
  net::io_context io{1};
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  std::string host;
  uint16_t port = 0;
  int status = 0;
  HeaderList headers;
  std::string body;
  bool ended = false;
  bool failed = false;
  size_t comments = 0;

  // The parser keeps a reference to this: chunk data goes to `text` instead of the body.
  std::function<size_t(std::uint64_t, beast::string_view, beast::error_code&)> on_chunk;
  std::string text;  // chunk data not yet split into lines
  SseEvent current;
  bool current_has_data = false;
  std::deque<SseEvent> ready;

  // Reads once from the socket, waiting at most until `deadline`. Returns false on timeout.
  Result<bool> ReadSome(std::chrono::steady_clock::time_point deadline) {
    std::array<char, 8192> chunk{};
    size_t got = 0;
    beast::error_code result = net::error::would_block;
    stream.socket().async_read_some(net::buffer(chunk), [&](beast::error_code ec, size_t n) {
      result = ec;
      got = n;
    });
    io.restart();
    io.run_until(deadline);
    if (result == net::error::would_block) {
      stream.socket().cancel();
      io.restart();
      io.run();
      if (result == net::error::operation_aborted) return false;
    }
    if (result && result != net::error::eof) {
      failed = true;
      return NetworkError("lost the event stream from", host, port, result);
    }
    if (got > 0) {
      auto dst = buffer.prepare(got);
      net::buffer_copy(dst, net::buffer(chunk.data(), got));
      buffer.commit(got);
    }
    PG_RETURN_IF_ERROR(Parse());
    if (result == net::error::eof && !parser.is_done()) {
      failed = true;
      return Unavailable(
          fmt::format("{}:{} closed the event stream without ending it", host, port));
    }
    return true;
  }

  Status Parse() {
    while (buffer.size() > 0 && !parser.is_done()) {
      beast::error_code ec;
      size_t used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (ec == bhttp::error::need_more) break;
      if (ec) {
        failed = true;
        return InvalidArgument(fmt::format("unparsable event stream: {}", ec.message()));
      }
    }
    if (parser.is_done()) ended = true;
    SplitEvents();
    return Status::Ok();
  }

  // The SSE grammar: lines end with CRLF, LF or CR; a blank line dispatches the event.
  void SplitEvents() {
    size_t start = 0;
    while (true) {
      size_t end = text.find_first_of("\r\n", start);
      if (end == std::string::npos) break;
      // A CR at the very end may be the first half of a CRLF still in flight.
      if (text[end] == '\r' && end + 1 == text.size() && !ended) break;
      std::string_view line(text.data() + start, end - start);
      size_t next = end + 1;
      if (text[end] == '\r' && next < text.size() && text[next] == '\n') ++next;
      OnLine(line);
      start = next;
    }
    text.erase(0, start);
  }

  void OnLine(std::string_view line) {
    if (line.empty()) {
      if (current_has_data) ready.push_back(std::move(current));
      current = SseEvent();
      current_has_data = false;
      return;
    }
    if (line.front() == ':') {
      ++comments;
      return;
    }
    size_t colon = line.find(':');
    std::string_view field = line.substr(0, colon);
    std::string_view value;
    if (colon != std::string_view::npos) {
      value = line.substr(colon + 1);
      if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    }
    if (field == "data") {
      if (current_has_data) current.data += '\n';
      current.data.append(value);
      current_has_data = true;
    } else if (field == "event") {
      current.event = std::string(value);
    } else if (field == "id") {
      current.id = std::string(value);
    }
  }
};

SseClient::SseClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SseClient::~SseClient() = default;

Result<std::unique_ptr<SseClient>> SseClient::Connect(std::string_view host, uint16_t port,
                                                      std::string_view target,
                                                      const HeaderList& headers,
                                                      std::chrono::milliseconds timeout) {
  auto impl = std::make_unique<Impl>();
  impl->host = std::string(host);
  impl->port = port;
  PG_RETURN_IF_ERROR(ConnectStream(impl->io, impl->stream, host, port, timeout));
  HeaderList all = {{"Accept", "text/event-stream"}};
  all.insert(all.end(), headers.begin(), headers.end());
  auto req = BuildRequest("GET", host, port, target, {}, all, /*keep_alive=*/true);
  impl->stream.expires_after(timeout);
  beast::error_code ec = RunOne(
      impl->io, [&](auto handler) { bhttp::async_write(impl->stream, req, std::move(handler)); });
  if (ec) return NetworkError("cannot send to", host, port, ec);
  impl->stream.expires_never();

  // Not boost::none: Boost 1.74 compares a Content-Length with an empty optional as over it.
  impl->parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  impl->on_chunk = [raw = impl.get()](std::uint64_t, beast::string_view data, beast::error_code&) {
    raw->text.append(data.data(), data.size());
    return data.size();
  };
  impl->parser.on_chunk_body(impl->on_chunk);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!impl->parser.is_header_done()) {
    PG_ASSIGN_OR_RETURN(bool got, impl->ReadSome(deadline));
    if (!got) return Unavailable(fmt::format("no response header from {}:{}", host, port));
  }
  const auto& res = impl->parser.get();
  impl->status = static_cast<int>(res.result_int());
  impl->headers = CollectHeaders(res);
  bool is_stream = impl->status >= 200 && impl->status < 300 &&
                   ToStd(res[bhttp::field::content_type]).starts_with("text/event-stream");
  if (!is_stream) {
    // Read the whole (short) body of an error answer.
    while (!impl->parser.is_done()) {
      PG_ASSIGN_OR_RETURN(bool got, impl->ReadSome(deadline));
      if (!got) return Unavailable(fmt::format("incomplete response from {}:{}", host, port));
    }
    impl->body = impl->parser.get().body() + impl->text;
    impl->text.clear();
  }
  return std::unique_ptr<SseClient>(new SseClient(std::move(impl)));
}

int SseClient::status() const { return impl_->status; }
const HeaderList& SseClient::headers() const { return impl_->headers; }
std::string SseClient::Header(std::string_view lowercase_name) const {
  return FindHeader(impl_->headers, lowercase_name);
}
const std::string& SseClient::body() const { return impl_->body; }
bool SseClient::ended() const { return impl_->ended; }
size_t SseClient::comments() const { return impl_->comments; }

Result<std::optional<SseEvent>> SseClient::Next(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (impl_->ready.empty()) {
    if (impl_->ended) return Unavailable("the server ended the event stream");
    if (impl_->failed || !impl_->stream.socket().is_open()) {
      return Unavailable("the event stream connection is closed");
    }
    PG_ASSIGN_OR_RETURN(bool got, impl_->ReadSome(deadline));
    if (!got) return std::optional<SseEvent>();
  }
  SseEvent e = std::move(impl_->ready.front());
  impl_->ready.pop_front();
  return std::optional<SseEvent>(std::move(e));
}

void SseClient::Close() {
  beast::error_code ignored;
  impl_->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  impl_->stream.close();
}

Result<SseCapture> ReadEvents(std::string_view host, uint16_t port, std::string_view target,
                              const std::function<bool(const std::vector<SseEvent>&)>& done,
                              std::chrono::milliseconds timeout, const HeaderList& headers) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  PG_ASSIGN_OR_RETURN(auto client, SseClient::Connect(host, port, target, headers, timeout));
  SseCapture capture;
  capture.status = client->status();
  capture.headers = client->headers();
  capture.body = client->body();
  if (capture.status < 200 || capture.status >= 300) return capture;
  while (!(capture.done = done(capture.events))) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    auto next = client->Next(left);
    if (!next.ok()) {
      if (client->ended()) {
        capture.ended = true;
        break;
      }
      return next.status();
    }
    if (!next->has_value()) break;  // timed out
    capture.events.push_back(std::move(**next));
  }
  client->Close();
  return capture;
}

}  // namespace pg::api::http

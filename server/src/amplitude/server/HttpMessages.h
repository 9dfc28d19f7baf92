#pragma once
// The HTTP vocabulary every handler speaks. Handlers take a Request and return a Response; they
// never see a socket, so they are tested as plain functions (see Router.h).
#include <boost/beast/core/file.hpp>
#include <boost/beast/http.hpp>
#include <boost/optional.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace amplitude::server {

namespace http = boost::beast::http;

using Request = http::request<http::string_body>;
using RequestHeader = http::request_header<>;
using StringResponse = http::response<http::string_body>;
/// Static files are streamed from disk by Beast, never read whole into memory.
using FileResponse = http::response<http::file_body>;

/// A byte range of a file, streamed like file_body (which can only send a whole file): what a
/// 206 Partial Content answer to a Range request carries.
struct FileRangeBody {
  struct value_type {
    boost::beast::file file;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
  };
  static std::uint64_t size(const value_type& body) { return body.length; }

  class writer {
  public:
    using const_buffers_type = boost::asio::const_buffer;
    template <bool isRequest, class Fields>
    writer(http::header<isRequest, Fields>&, value_type& body) : body_(body) {}
    void init(boost::beast::error_code& error) {
      body_.file.seek(body_.offset, error);
      remaining_ = body_.length;
    }
    boost::optional<std::pair<const_buffers_type, bool>> get(boost::beast::error_code& error) {
      const auto amount = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, sizeof buffer_));
      if (amount == 0) {
        error = {};
        return boost::none;
      }
      const auto got = body_.file.read(buffer_, amount, error);
      if (error) return boost::none;
      if (got == 0) {
        error = http::error::short_read;
        return boost::none;
      }
      remaining_ -= got;
      return {{const_buffers_type{buffer_, got}, remaining_ > 0}};
    }

  private:
    value_type& body_;
    std::uint64_t remaining_ = 0;
    char buffer_[64 * 1024];
  };
};
using FileRangeResponse = http::response<FileRangeBody>;

using Response = std::variant<StringResponse, FileResponse, FileRangeResponse>;

/// What the network side knows about a request that the request itself does not say.
struct RequestContext {
  std::string remoteAddress;  ///< "127.0.0.1"; the key for per-address rate limits
};

/// Headers on every response, errors included. COOP + COEP make the page cross-origin isolated,
/// which is what unlocks SharedArrayBuffer (the engine's shared memory); CORP lets our own
/// resources load under require-corp while refusing them to other origins.
void applyStandardHeaders(http::response_header<>& header);

StringResponse makeTextResponse(http::status status, std::string_view body, unsigned version = 11,
                                bool keepAlive = true);

/// A JSON error body: {"error": {"code": ..., "message": ...}}. Used for everything under /api.
StringResponse makeJsonError(http::status status, std::string_view code, std::string_view message,
                             unsigned version = 11, bool keepAlive = true);

StringResponse makeJsonResponse(http::status status, std::string body, unsigned version = 11,
                                bool keepAlive = true);

/// What message::keep_alive() says, for a header alone (HTTP/1.1 unless "close", HTTP/1.0 only
/// with "keep-alive").
bool wantsKeepAlive(const RequestHeader& header);

http::status statusOf(const Response& response);
http::response_header<>& headerOf(Response& response);
const http::response_header<>& headerOf(const Response& response);

}  // namespace amplitude::server

#pragma once
// The /api endpoints: accounts and sessions, projects with revisions and sharing, audio assets,
// health. Handlers are plain functions of (request, caller) over the Repository: no sockets, so
// most of them are tested by calling handle() directly; HttpServer runs every call on the
// worker pool, never on an I/O thread, because they block on the database and on hashing.
//
// Every error is JSON {"error": {"code", "message"}} with the right 4xx; a database that cannot
// be reached is a 503 "database_unavailable"; nothing a client sends can make a 5xx.
#include "amplitude/server/HttpMessages.h"
#include "amplitude/server/api/BlobStore.h"
#include "amplitude/server/api/Credentials.h"
#include "amplitude/server/api/JsonBody.h"
#include "amplitude/server/api/LoginThrottle.h"
#include "amplitude/server/live/LiveIdentity.h"
#include "amplitude/server/render/RenderService.h"
#include "amplitude/server/store/Repository.h"

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace amplitude::server::api {

struct ApiConfig {
  std::chrono::milliseconds sessionLifetime{std::chrono::hours{24 * 30}};
  /// Adds Secure to the session cookie: set it whenever clients reach us through TLS.
  bool secureCookies = false;
  std::size_t maxJsonBodyBytes = 64 * 1024;
  std::size_t maxDocumentBytes = 4 * 1024 * 1024;
  std::uint64_t maxUploadBytes = 512ull * 1024 * 1024;
  ThrottleLimits throttle;
  /// Origins accepted on state-changing requests besides the request's own Host
  /// (e.g. "https://amplitude.example" behind a proxy that rewrites Host).
  std::vector<std::string> allowedOrigins;
  /// Renders stored revisions (POST .../revisions/{n}/render); none: 503 on those endpoints.
  render::RenderService* renderer = nullptr;
  /// Called after a REST save or restore committed a revision, so live clients of the project get
  /// it (live::LiveHub::revisionCommitted). Runs on the worker that saved.
  std::function<void(std::int64_t projectId)> onRevisionSaved;
  /// Milliseconds since the Unix epoch; tests replace it to move time forward.
  std::function<std::int64_t()> clock;
};

/// What a handler throws to answer with an error. Anything else escaping a handler is a bug (500).
using ApiError = BadInput;

class Api {
public:
  Api(store::Repository& repository, BlobStore& blobs, PasswordHasher& passwords, ApiConfig config);

  /// Any /api request except uploads. `path` is the target without query.
  Response handle(const Request& request, std::string_view path, const RequestContext& context);

  /// Uploads are the one kind of request whose body goes to a file, not memory.
  static bool isUpload(const RequestHeader& header);
  /// The body limit for a non-upload request: documents get more than the other JSON bodies.
  std::uint64_t bodyLimitFor(const RequestHeader& header) const;
  std::uint64_t maxUploadBytes() const { return config_.maxUploadBytes; }
  /// Checks an upload before its body is read (session, CSRF, role, declared size), so nobody
  /// can make us stream to disk without being allowed to: nullopt to go ahead.
  std::optional<Response> admitUpload(const RequestHeader& header, const RequestContext& context);
  /// Finishes an upload whose body is in `bodyFile` (from newUploadPath()).
  Response handleUpload(const RequestHeader& header, const std::filesystem::path& bodyFile,
                        const RequestContext& context);
  std::filesystem::path newUploadPath() const { return blobs_.newUploadPath(); }

  /// GET /api/projects/{id}/live (the live channel; HttpServer upgrades it to a WebSocket).
  static bool isLiveChannel(const RequestHeader& header);
  /// Checks an upgrade to the live channel before it is accepted: same origin, a live session
  /// cookie (no CSRF token: a browser cannot add headers to a WebSocket handshake, which is why
  /// the Origin check is mandatory here), and any role on the project (404 for strangers).
  std::variant<live::LiveIdentity, StringResponse> admitLive(const RequestHeader& header, const RequestContext& context);

  /// A JSON error response for the network side (e.g. the parser's 413).
  static StringResponse errorResponse(const RequestHeader& header, const ApiError& error);

private:
  /// One request as the handlers see it.
  struct Call {
    const RequestHeader& header;
    std::string_view body;
    std::vector<std::string> segments;  ///< path after /api/, split at '/', percent-decoded
    std::string_view query;
    const RequestContext& context;
    http::verb method() const { return header.method(); }
  };
  struct Caller {
    store::Session session;
    const store::Account& account() const { return session.account; }
  };

  Response dispatch(Call& call);
  Response health(Call& call);

  // Accounts and sessions (AccountRoutes.cpp).
  Response accounts(Call& call);
  Response sessions(Call& call);
  Response registerAccount(Call& call);
  Response logIn(Call& call);
  Response changePassword(Call& call, const Caller& caller);

  // Projects, revisions, members (ProjectRoutes.cpp).
  Response projects(Call& call);
  Response project(Call& call, const Caller& caller, std::int64_t projectId);
  Response revisions(Call& call, const Caller& caller, const store::Project& project);
  Response renders(Call& call, const store::Project& project, const store::Revision& revision);
  Response members(Call& call, const Caller& caller, const store::Project& project);

  // Audio assets (AssetRoutes.cpp).
  Response assets(Call& call, const Caller& caller, const store::Project& project);
  Response downloadAsset(Call& call, const store::Project& project, const std::string& sha256);
  /// A file with ETag/304, Range/206/416 and HEAD; `notFound` when it cannot be opened.
  Response sendFile(Call& call, const std::filesystem::path& path, std::string_view contentType, const std::string& tag,
                    std::string_view cacheControl, const ApiError& notFound);
  /// Where an upload goes, after the checks shared by admitUpload and handleUpload.
  struct UploadTarget {
    Caller caller;
    store::Project project;
    std::string name;
  };
  UploadTarget checkUpload(Call& call);
  /// Sniffs, stores and attaches a finished upload (the file is consumed either way).
  Response finishUpload(Call& call, const std::filesystem::path& bodyFile);
  /// Runs `work`, turning ApiError, DatabaseUnavailable and anything else into JSON answers.
  static Response guarded(const RequestHeader& header, const std::function<Response()>& work);
  /// The Call for a request: path split into decoded segments (400 for bad escapes).
  static Call makeCall(const RequestHeader& header, std::string_view body, const RequestContext& context);

  // Guards (Api.cpp).
  /// Throws 405 (with Allow) unless the method is listed; OPTIONS answers 204 with Allow; HEAD
  /// counts as GET.
  static void requireMethod(const Call& call, std::initializer_list<http::verb> allowed);
  Caller authenticate(const Call& call);
  /// For state-changing requests: the X-CSRF-Token header must be the session's token.
  static void requireCsrf(const Call& call, const Caller& caller);
  void requireSameOrigin(const Call& call) const;
  nlohmann::json jsonBody(const Call& call) const;
  /// The project if the caller may see it (404 otherwise, whether it exists or not) and holds at
  /// least `minimum` (403 otherwise). Deleted projects are 404 unless `allowDeleted` and owner.
  store::Project requireProject(const Caller& caller, std::int64_t projectId, store::Role minimum,
                                bool allowDeleted = false);

  // Responses.
  static StringResponse reply(const Call& call, http::status status, const nlohmann::json& body);
  static StringResponse replyRaw(const Call& call, http::status status, std::string body);
  static StringResponse noContent(const Call& call);
  std::string sessionCookie(const std::string& token, std::chrono::milliseconds maxAge) const;

  std::int64_t now() const { return config_.clock(); }

  store::Repository& repository_;
  BlobStore& blobs_;
  PasswordHasher& passwords_;
  ApiConfig config_;
  LoginThrottle throttle_;
};

/// JSON views of stored records (what the API returns).
nlohmann::json toJson(const store::Account& account);
nlohmann::json toJson(const store::Project& project);
nlohmann::json toJson(const store::Revision& revision);
nlohmann::json toJson(const store::Member& member);
nlohmann::json toJson(const store::Asset& asset);

/// Percent-decodes a path segment or query value; nullopt for malformed escapes or NUL.
std::optional<std::string> percentDecode(std::string_view text, bool plusIsSpace = false);
/// The value of `name` in a query string ("a=1&name=x"), decoded.
std::optional<std::string> queryParameter(std::string_view query, std::string_view name);

/// A parsed single "bytes=" range against a file of `size` bytes.
struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t length = 0;
};
struct UnsatisfiableRange {};
/// nullopt: no usable Range header (serve everything); UnsatisfiableRange: 416.
std::variant<std::monostate, ByteRange, UnsatisfiableRange> parseRange(std::string_view header, std::uint64_t size);

}  // namespace amplitude::server::api

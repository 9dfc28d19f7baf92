// The API's front door: routing to the resource handlers, the guards every handler uses
// (method, session, CSRF, origin, role), and the JSON shapes of responses and errors.
#include "amplitude/server/api/Api.h"

#include <amplitude/protocol/Protocol.generated.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

namespace amplitude::server::api {

using nlohmann::json;

namespace {

constexpr std::string_view kSessionCookie = "amp_session";

std::string lower(std::string_view text) {
  std::string out{text};
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool isSafeMethod(http::verb method) {
  return method == http::verb::get || method == http::verb::head || method == http::verb::options;
}

std::optional<std::string_view> cookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto semicolon = header.find(';');
    auto pair = header.substr(0, semicolon);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=')
      return pair.substr(name.size() + 1);
    if (semicolon == std::string_view::npos) break;
    header.remove_prefix(semicolon + 1);
  }
  return std::nullopt;
}

std::optional<int> hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return std::nullopt;
}

std::optional<std::uint64_t> parseDigits(std::string_view text) {
  std::uint64_t value = 0;
  if (text.empty()) return std::nullopt;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

// ---- entry points --------------------------------------------------------------------------

Api::Api(store::Repository& repository, BlobStore& blobs, PasswordHasher& passwords, ApiConfig config)
    : repository_(repository), blobs_(blobs), passwords_(passwords), config_(std::move(config)),
      throttle_(config_.throttle) {
  if (!config_.clock)
    config_.clock = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
}

Api::Call Api::makeCall(const RequestHeader& header, std::string_view body, const RequestContext& context) {
  const std::string_view target = header.target();
  const auto question = target.find('?');
  Call call{header, body, {}, question == std::string_view::npos ? std::string_view{} : target.substr(question + 1),
            context};
  auto path = target.substr(0, std::min(question, target.find('#')));
  std::string_view rest = path.starts_with("/api/") ? path.substr(5) : std::string_view{};
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const auto segment = rest.substr(0, slash);
    if (!segment.empty()) {
      auto decoded = percentDecode(segment);
      if (!decoded) throw ApiError("invalid_path", "Malformed percent-escape in the path");
      call.segments.push_back(std::move(*decoded));
    }
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return call;
}

Response Api::guarded(const RequestHeader& header, const std::function<Response()>& work) {
  try {
    return work();
  } catch (const ApiError& error) {
    return errorResponse(header, error);
  } catch (const store::DatabaseUnavailable& error) {
    spdlog::warn("database unavailable: {}", error.what());
    ApiError unavailable{"database_unavailable", "The database is unreachable; nothing was saved. Try again shortly.",
                         503};
    unavailable.headers.emplace_back("Retry-After", "2");
    return errorResponse(header, unavailable);
  } catch (const std::exception& error) {
    spdlog::error("handler failed for {} {}: {}", std::string_view{header.method_string()},
                  std::string_view{header.target()}.substr(0, 200), error.what());
    return errorResponse(header, ApiError{"internal_error", "Internal server error", 500});
  }
}

Response Api::handle(const Request& request, std::string_view, const RequestContext& context) {
  Response response = guarded(request.base(), [&]() -> Response {
    auto call = makeCall(request.base(), request.body(), context);
    return dispatch(call);
  });
  if (request.method() == http::verb::head) {
    // Handlers that know HEAD (downloads) already sent an empty body with the real length.
    if (auto* text = std::get_if<StringResponse>(&response); text && !text->body().empty()) {
      const auto length = text->body().size();
      text->body().clear();
      text->content_length(length);
    }
  }
  return response;
}

StringResponse Api::errorResponse(const RequestHeader& header, const ApiError& error) {
  if (error.status == 204) {  // OPTIONS: only the Allow header
    StringResponse allow{http::status::no_content, header.version()};
    applyStandardHeaders(allow.base());
    for (const auto& [name, value] : error.headers) allow.set(name, value);
    allow.keep_alive(wantsKeepAlive(header));
    allow.prepare_payload();
    return allow;
  }
  json body{{"error", {{"code", error.code}, {"message", error.what()}}}};
  for (const auto& [key, value] : error.details.items()) body["error"][key] = value;
  auto response = makeJsonResponse(static_cast<http::status>(error.status),
                                   body.dump(-1, ' ', false, json::error_handler_t::replace),
                                   header.version(), wantsKeepAlive(header));
  for (const auto& [name, value] : error.headers) response.set(name, value);
  return response;
}

bool Api::isLiveChannel(const RequestHeader& header) {
  if (header.method() != http::verb::get) return false;
  std::string_view target = header.target();
  target = target.substr(0, target.find_first_of("?#"));
  if (!target.starts_with("/api/projects/") || !target.ends_with("/live")) return false;
  const auto id = target.substr(14, target.size() - 14 - 5);
  return !id.empty() && id.size() <= 18 && id.find_first_not_of("0123456789") == std::string_view::npos;
}

std::variant<live::LiveIdentity, StringResponse> Api::admitLive(const RequestHeader& header,
                                                               const RequestContext& context) {
  std::optional<live::LiveIdentity> admitted;
  auto refusal = guarded(header, [&]() -> Response {
    const auto call = makeCall(header, {}, context);
    // Browsers send Origin on every WebSocket handshake and CORS does not apply to them: without
    // this check any site could open a socket riding on our cookie.
    requireSameOrigin(call);
    const auto caller = authenticate(call);
    const auto project = requireProject(caller, std::stoll(call.segments.at(1)), store::Role::viewer);
    admitted = live::LiveIdentity{project.id, caller.account().id, caller.account().username, project.role};
    return StringResponse{};
  });
  if (admitted) return *admitted;
  return std::get<StringResponse>(std::move(refusal));
}

Response Api::dispatch(Call& call) {
  if (!isSafeMethod(call.method())) requireSameOrigin(call);
  const auto& s = call.segments;
  if (s.size() == 1 && s[0] == "health") return health(call);
  if (!s.empty() && s[0] == "accounts") return accounts(call);
  if (!s.empty() && s[0] == "sessions") return sessions(call);
  if (!s.empty() && s[0] == "projects") return projects(call);
  throw ApiError("not_found", fmt::format("No API endpoint at /api/{}", fmt::join(s, "/")), 404);
}

Response Api::health(Call& call) {
  requireMethod(call, {http::verb::get});
  const auto engine = repository_.database().dialect() == store::SqlDialect::sqlite ? "sqlite" : "postgresql";
  json body{{"service", "amplitude-server"},
            {"version", AMPLITUDE_VERSION},
            {"protocolSchemaVersion", protocol::kSchemaVersion}};
  try {
    repository_.database().ping();
    body["status"] = "ok";
    body["database"] = {{"engine", engine}, {"status", "ok"}};
    return reply(call, http::status::ok, body);
  } catch (const store::DatabaseUnavailable& error) {
    body["status"] = "degraded";
    body["database"] = {{"engine", engine}, {"status", "unreachable"}};
    body["error"] = {{"code", "database_unavailable"}, {"message", "The database is unreachable"}};
    spdlog::warn("health: database unreachable: {}", error.what());
    auto response = reply(call, http::status::service_unavailable, body);
    response.set(http::field::retry_after, "2");
    return response;
  }
}

// ---- guards ----------------------------------------------------------------------------------

void Api::requireMethod(const Call& call, std::initializer_list<http::verb> allowed) {
  const auto method = call.method() == http::verb::head ? http::verb::get : call.method();
  if (std::find(allowed.begin(), allowed.end(), method) != allowed.end()) return;
  std::vector<std::string> names;
  for (const auto verb : allowed) {
    names.emplace_back(http::to_string(verb));
    if (verb == http::verb::get) names.emplace_back("HEAD");
  }
  names.emplace_back("OPTIONS");
  const auto allow = fmt::format("{}", fmt::join(names, ", "));
  if (call.method() == http::verb::options) {
    ApiError options{"", "", 204};
    options.headers.emplace_back("Allow", allow);
    throw options;
  }
  ApiError refused{"method_not_allowed",
                   fmt::format("{} is not supported here; use {}", std::string_view{call.header.method_string()}, allow),
                   405};
  refused.headers.emplace_back("Allow", allow);
  throw refused;
}

Api::Caller Api::authenticate(const Call& call) {
  const auto token = cookieValue(call.header[http::field::cookie], kSessionCookie);
  // Forged, expired and revoked sessions all get the same answer.
  const ApiError refused{"unauthenticated", "Log in first: the session is missing, expired or revoked", 401};
  if (!token || !looksLikeToken(*token)) throw refused;
  auto session = repository_.findLiveSession(sha256Hex(*token), now());
  if (!session) throw refused;
  return Caller{std::move(*session)};
}

void Api::requireCsrf(const Call& call, const Caller& caller) {
  if (isSafeMethod(call.method())) return;
  const auto sent = call.header["X-CSRF-Token"];
  if (sent.empty())
    throw ApiError("csrf_token_missing", "State-changing requests need the X-CSRF-Token header from log-in", 403);
  if (!equalSecrets(sent, caller.session.csrfToken))
    throw ApiError("csrf_token_invalid", "The X-CSRF-Token header does not match this session", 403);
}

void Api::requireSameOrigin(const Call& call) const {
  // Browsers label cross-site requests; non-browser clients send neither header (and cannot
  // ride on a victim's cookies, which is what CSRF is about).
  if (lower(call.header["Sec-Fetch-Site"]) == "cross-site")
    throw ApiError("origin_not_allowed", "Cross-site requests are not allowed", 403);
  const auto origin = lower(call.header[http::field::origin]);
  if (origin.empty()) return;
  const auto host = lower(call.header[http::field::host]);
  if (!host.empty() && (origin == "http://" + host || origin == "https://" + host)) return;
  for (const auto& allowed : config_.allowedOrigins)
    if (origin == lower(allowed)) return;
  throw ApiError("origin_not_allowed", "Requests from another origin are not allowed", 403);
}

json Api::jsonBody(const Call& call) const {
  // Requiring application/json also keeps plain HTML forms (which cannot send it without a
  // CORS preflight we never grant) from posting to us.
  const auto type = lower(call.header[http::field::content_type]);
  if (!type.starts_with("application/json"))
    throw ApiError("unsupported_media_type", "Send the body as Content-Type: application/json", 415);
  return parseJson(call.body, 128);
}

store::Project Api::requireProject(const Caller& caller, std::int64_t projectId, store::Role minimum,
                                   bool allowDeleted) {
  auto project = repository_.findProject(projectId, caller.account().id);
  // Someone else's project and no project at all look the same: 404.
  if (!project || (project->deletedAt && !(allowDeleted && project->role == store::Role::owner)))
    throw ApiError("project_not_found", "No such project", 404);
  if (project->role < minimum)
    throw ApiError("forbidden",
                   minimum == store::Role::owner ? "Only the project's owner can do that"
                                                 : "Viewers cannot change this project",
                   403);
  return *project;
}

// ---- responses -------------------------------------------------------------------------------

StringResponse Api::reply(const Call& call, http::status status, const json& body) {
  return replyRaw(call, status, body.dump(-1, ' ', false, json::error_handler_t::replace));
}

StringResponse Api::replyRaw(const Call& call, http::status status, std::string body) {
  return makeJsonResponse(status, std::move(body), call.header.version(), wantsKeepAlive(call.header));
}

StringResponse Api::noContent(const Call& call) {
  StringResponse response{http::status::no_content, call.header.version()};
  applyStandardHeaders(response.base());
  response.set(http::field::cache_control, "no-store");
  response.keep_alive(wantsKeepAlive(call.header));
  response.prepare_payload();
  return response;
}

std::string Api::sessionCookie(const std::string& token, std::chrono::milliseconds maxAge) const {
  // HttpOnly: page scripts never see it. SameSite=Strict: other sites cannot make the browser
  // send it. Secure: only over TLS (a flag, since TLS ends at a proxy in front of us).
  return fmt::format("{}={}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{}", kSessionCookie, token,
                     std::chrono::duration_cast<std::chrono::seconds>(maxAge).count(),
                     config_.secureCookies ? "; Secure" : "");
}

json toJson(const store::Account& account) {
  return {{"id", account.id}, {"username", account.username}, {"email", account.email}, {"createdAt", account.createdAt}};
}

json toJson(const store::Project& project) {
  return {{"id", project.id},
          {"name", project.name},
          {"owner", {{"id", project.ownerId}, {"username", project.ownerName}}},
          {"role", store::roleName(project.role)},
          {"headRevision", project.headRevision},
          {"createdAt", project.createdAt},
          {"updatedAt", project.updatedAt},
          {"deletedAt", project.deletedAt ? json(*project.deletedAt) : json(nullptr)}};
}

json toJson(const store::Revision& revision) {
  return {{"number", revision.number},
          {"author", {{"id", revision.authorId}, {"username", revision.authorName}}},
          {"createdAt", revision.createdAt},
          {"restoredFrom", revision.restoredFrom ? json(*revision.restoredFrom) : json(nullptr)},
          {"documentLength", revision.documentLength},
          {"message", revision.message ? json(*revision.message) : json(nullptr)}};
}

json toJson(const store::Member& member) {
  return {{"accountId", member.accountId}, {"username", member.username}, {"role", store::roleName(member.role)}};
}

json toJson(const store::Asset& asset) {
  return {{"sha256", asset.sha256}, {"size", asset.size},       {"format", asset.format},
          {"name", asset.name},     {"addedBy", asset.addedBy}, {"addedAt", asset.addedAt}};
}

// ---- small parsers -------------------------------------------------------------------------

std::optional<std::string> percentDecode(std::string_view text, bool plusIsSpace) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      const auto high = i + 2 < text.size() ? hexDigit(text[i + 1]) : std::nullopt;
      const auto low = high ? hexDigit(text[i + 2]) : std::nullopt;
      if (!high || !low) return std::nullopt;
      c = static_cast<char>(*high * 16 + *low);
      i += 2;
    } else if (c == '+' && plusIsSpace) {
      c = ' ';
    }
    if (c == '\0') return std::nullopt;
    out.push_back(c);
  }
  return out;
}

std::optional<std::string> queryParameter(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    const auto equals = pair.find('=');
    if (pair.substr(0, equals) == name)
      return percentDecode(equals == std::string_view::npos ? std::string_view{} : pair.substr(equals + 1), true);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

std::variant<std::monostate, ByteRange, UnsatisfiableRange> parseRange(std::string_view header, std::uint64_t size) {
  // One range only; a list (multipart) or anything malformed is ignored: the whole file is a
  // valid answer to any Range request.
  if (!header.starts_with("bytes=") || header.find(',') != std::string_view::npos) return std::monostate{};
  const auto spec = header.substr(6);
  const auto dash = spec.find('-');
  if (dash == std::string_view::npos) return std::monostate{};
  const auto firstText = spec.substr(0, dash), lastText = spec.substr(dash + 1);
  if (firstText.empty()) {  // "-N": the last N bytes
    const auto suffix = parseDigits(lastText);
    if (!suffix) return std::monostate{};
    if (*suffix == 0 || size == 0) return UnsatisfiableRange{};
    const auto length = std::min(*suffix, size);
    return ByteRange{size - length, length};
  }
  const auto first = parseDigits(firstText);
  if (!first) return std::monostate{};
  std::uint64_t last = size == 0 ? 0 : size - 1;
  if (!lastText.empty()) {
    const auto parsed = parseDigits(lastText);
    if (!parsed || *parsed < *first) return std::monostate{};
    last = std::min(last, *parsed);
  }
  if (*first >= size) return UnsatisfiableRange{};
  return ByteRange{*first, last - *first + 1};
}

}  // namespace amplitude::server::api

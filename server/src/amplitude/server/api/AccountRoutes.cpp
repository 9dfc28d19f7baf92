// Accounts and sessions: register, log in, who am I, log out, change password.
//
//   POST   /api/accounts                 register            201, 400, 409, 415
//   GET    /api/accounts/me              the caller          200, 401
//   POST   /api/accounts/me/password     change password     204, 400, 401, 403
//   POST   /api/sessions                 log in              201, 400, 401, 415, 429
//   GET    /api/sessions/current         session + CSRF      200, 401
//   DELETE /api/sessions/current         log out             204, 401, 403
#include "amplitude/server/api/Api.h"

#include <fmt/format.h>

namespace amplitude::server::api {

using nlohmann::json;

namespace {

constexpr std::size_t kMinPasswordChars = 12;
constexpr std::size_t kMaxPasswordBytes = 1024;  // argon2 takes any length; bound our work anyway

void checkPassword(const std::string& password, std::string_view field) {
  const auto chars = utf8Length(password);
  if (!chars) throw ApiError("invalid_field", fmt::format("'{}' must be valid UTF-8", field));
  if (*chars < kMinPasswordChars)
    throw ApiError("weak_password", fmt::format("Passwords need at least {} characters", kMinPasswordChars));
  if (password.size() > kMaxPasswordBytes)
    throw ApiError("invalid_field", fmt::format("Passwords may have at most {} bytes", kMaxPasswordBytes));
}

void checkUsername(const std::string& username) {
  const bool valid = username.size() >= 3 && username.size() <= 32 && std::isalnum(static_cast<unsigned char>(username[0])) &&
                     std::all_of(username.begin(), username.end(), [](unsigned char c) {
                       return std::isalnum(c) || c == '_' || c == '-' || c == '.';
                     });
  if (!valid)
    throw ApiError("invalid_username",
                   "Usernames have 3 to 32 characters: letters, digits, '_', '-' or '.', starting with a letter or digit");
}

void checkEmail(const std::string& email) {
  const auto at = email.find('@');
  const bool valid = email.size() >= 3 && email.size() <= 254 && at != std::string::npos && at > 0 &&
                     at + 1 < email.size() && email.find('@', at + 1) == std::string::npos && utf8Length(email) &&
                     std::none_of(email.begin(), email.end(), [](unsigned char c) { return c <= 0x20 || c == 0x7f; });
  if (!valid) throw ApiError("invalid_email", "That does not look like an email address");
}

}  // namespace

Response Api::accounts(Call& call) {
  const auto& s = call.segments;
  if (s.size() == 1) {
    requireMethod(call, {http::verb::post});
    return registerAccount(call);
  }
  if (s.size() >= 2 && s[1] == "me") {
    if (s.size() == 2) {
      requireMethod(call, {http::verb::get});
      return reply(call, http::status::ok, {{"account", toJson(authenticate(call).account())}});
    }
    if (s.size() == 3 && s[2] == "password") {
      requireMethod(call, {http::verb::post});
      const auto caller = authenticate(call);
      requireCsrf(call, caller);
      return changePassword(call, caller);
    }
  }
  throw ApiError("not_found", "No such accounts endpoint", 404);
}

Response Api::sessions(Call& call) {
  const auto& s = call.segments;
  if (s.size() == 1) {
    requireMethod(call, {http::verb::post});
    return logIn(call);
  }
  if (s.size() == 2 && s[1] == "current") {
    requireMethod(call, {http::verb::get, http::verb::delete_});
    const auto caller = authenticate(call);
    if (call.method() == http::verb::delete_) {
      requireCsrf(call, caller);
      repository_.revokeSession(caller.session.id, now());
      auto response = noContent(call);
      response.set(http::field::set_cookie, sessionCookie("", std::chrono::milliseconds{0}));
      return response;
    }
    return reply(call, http::status::ok,
                 {{"account", toJson(caller.account())},
                  {"csrfToken", caller.session.csrfToken},
                  {"expiresAt", caller.session.expiresAt}});
  }
  throw ApiError("not_found", "No such sessions endpoint", 404);
}

Response Api::registerAccount(Call& call) {
  const auto body = jsonBody(call);
  requireObject(body);
  const auto username = requireString(body, "username");
  const auto email = requireString(body, "email");
  const auto password = requireString(body, "password");
  checkUsername(username);
  checkEmail(email);
  checkPassword(password, "password");
  const auto account = repository_.createAccount(username, email, passwords_.hash(password), now());
  if (!account) throw ApiError("account_exists", "That username or email is already registered", 409);
  return reply(call, http::status::created, {{"account", toJson(*account)}});
}

Response Api::logIn(Call& call) {
  const auto body = jsonBody(call);
  requireObject(body);
  const auto login = requireString(body, "login");
  const auto password = requireString(body, "password");
  if (login.size() > 254 || password.size() > kMaxPasswordBytes)
    throw ApiError("invalid_credentials", "Wrong username, email or password", 401);

  // One key per account whichever name it is logged in by (unknown names count by name).
  const auto account = repository_.findAccountByLogin(store::loginKey(login));
  const auto key = account ? fmt::format("account:{}", account->id) : "login:" + store::loginKey(login);
  const auto& address = call.context.remoteAddress;
  if (const auto waitMs = throttle_.retryAfterMs(key, address, now()); waitMs > 0) {
    ApiError limited{"too_many_attempts", "Too many failed log-in attempts; try again later", 429};
    const auto seconds = (waitMs + 999) / 1000;
    limited.headers.emplace_back("Retry-After", std::to_string(seconds));
    limited.details["retryAfterSeconds"] = seconds;
    throw limited;
  }
  // Unknown accounts are checked against a dummy hash: the same work, the same answer.
  if (!passwords_.verify(account ? &account->passwordHash : nullptr, password)) {
    throttle_.recordFailure(key, address, now());
    throw ApiError("invalid_credentials", "Wrong username, email or password", 401);
  }
  throttle_.recordSuccess(key);
  if (passwords_.needsRehash(account->passwordHash))
    repository_.updatePasswordHash(account->id, passwords_.hash(password));

  const auto token = randomToken();
  const auto issuedAt = now();
  const auto session = repository_.createSession(*account, sha256Hex(token), randomToken(), issuedAt,
                                                 issuedAt + config_.sessionLifetime.count());
  auto response = reply(call, http::status::created,
                        {{"account", toJson(*account)},
                         {"csrfToken", session.csrfToken},
                         {"expiresAt", session.expiresAt}});
  response.set(http::field::set_cookie, sessionCookie(token, config_.sessionLifetime));
  return response;
}

Response Api::changePassword(Call& call, const Caller& caller) {
  const auto body = jsonBody(call);
  requireObject(body);
  const auto current = requireString(body, "currentPassword");
  const auto next = requireString(body, "newPassword");
  checkPassword(next, "newPassword");
  const auto key = fmt::format("account:{}", caller.account().id);
  if (const auto waitMs = throttle_.retryAfterMs(key, call.context.remoteAddress, now()); waitMs > 0) {
    ApiError limited{"too_many_attempts", "Too many failed attempts; try again later", 429};
    limited.headers.emplace_back("Retry-After", std::to_string((waitMs + 999) / 1000));
    throw limited;
  }
  if (current.size() > kMaxPasswordBytes || !passwords_.verify(&caller.account().passwordHash, current)) {
    throttle_.recordFailure(key, call.context.remoteAddress, now());
    throw ApiError("invalid_credentials", "The current password is wrong", 403);
  }
  // Other sessions may belong to whoever learnt the old password: end them all but this one.
  repository_.changePassword(caller.account().id, passwords_.hash(next), caller.session.id, now());
  return noContent(call);
}

}  // namespace amplitude::server::api

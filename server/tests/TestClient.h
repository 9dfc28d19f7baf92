#pragma once
// A real HTTP client (Boost.Beast, synchronous) for the API tests, behind a Beast-free header so
// the test files compile quickly. It keeps the session cookie and CSRF token like a browser tab.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace amplitude::server::testing {

struct CaseInsensitiveLess {
  bool operator()(const std::string& a, const std::string& b) const;
};

struct HttpReply {
  int status = 0;
  std::map<std::string, std::string, CaseInsensitiveLess> headers;
  std::string body;
  std::string header(const std::string& name) const;
  /// The body as JSON (a test failure if it is not).
  nlohmann::json json() const;
  std::string errorCode() const;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

class TestClient {
public:
  explicit TestClient(std::uint16_t port) : port_(port) {}

  /// One request on a fresh connection; nothing added but Host (and a Content-Length).
  HttpReply send(const std::string& method, const std::string& target, const std::string& body = {},
                 const Headers& headers = {}) const;
  /// Raw bytes in, the parsed reply out (for requests a well-behaved client cannot make).
  HttpReply sendRaw(const std::string& bytes) const;
  /// Sends only `head` (request line and headers) and reads the reply without sending a body.
  HttpReply sendHeadOnly(const std::string& head) const;

  /// As a logged-in browser tab: the cookie, and for writes the CSRF token and a JSON type.
  HttpReply get(const std::string& target, const Headers& extra = {}) const;
  HttpReply post(const std::string& target, const nlohmann::json& body = nlohmann::json::object()) const;
  HttpReply put(const std::string& target, const nlohmann::json& body) const;
  HttpReply patch(const std::string& target, const nlohmann::json& body) const;
  HttpReply del(const std::string& target) const;
  HttpReply upload(const std::string& target, const std::string& bytes) const;

  HttpReply registerAccount(const std::string& username, const std::string& password,
                            const std::string& email = {}) const;
  /// Logs in and keeps the cookie and CSRF token on success.
  HttpReply logIn(const std::string& login, const std::string& password);

  std::string sessionCookie;  ///< "amp_session=..."
  std::string csrfToken;

private:
  Headers session(bool write) const;
  std::uint16_t port_;
};

}  // namespace amplitude::server::testing

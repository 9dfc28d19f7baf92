#include "TestClient.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>

#include <sstream>
#include <strings.h>

namespace amplitude::server::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

bool CaseInsensitiveLess::operator()(const std::string& a, const std::string& b) const {
  return strcasecmp(a.c_str(), b.c_str()) < 0;
}

std::string HttpReply::header(const std::string& name) const {
  const auto found = headers.find(name);
  return found == headers.end() ? std::string{} : found->second;
}

nlohmann::json HttpReply::json() const {
  try {
    return nlohmann::json::parse(body);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not JSON (status " << status << "): " << body.substr(0, 300);
    return nullptr;
  }
}

std::string HttpReply::errorCode() const {
  const auto parsed = json();
  if (!parsed.is_object() || !parsed.contains("error")) return {};
  return parsed["error"].value("code", "");
}

namespace {

HttpReply toReply(http::response<http::string_body>& response) {
  HttpReply reply;
  reply.status = response.result_int();
  for (const auto& field : response) {
    auto& value = reply.headers[std::string{field.name_string()}];
    value = value.empty() ? std::string{field.value()} : value + ", " + std::string{field.value()};
  }
  reply.body = std::move(response.body());
  return reply;
}

HttpReply exchangeRaw(std::uint16_t port, const std::string& bytes, bool head = false) {
  net::io_context context;
  tcp::socket socket{context};
  socket.connect({net::ip::make_address("127.0.0.1"), port});
  beast::error_code ignored;
  net::write(socket, net::buffer(bytes), ignored);  // the server may refuse before reading it all
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  parser.skip(head);  // a reply to HEAD has a length but no body
  beast::error_code error;
  http::read(socket, buffer, parser, error);
  if (error) {
    ADD_FAILURE() << "no reply: " << error.message();
    return {};
  }
  return toReply(parser.get());
}

}  // namespace

HttpReply TestClient::send(const std::string& method, const std::string& target, const std::string& body,
                           const Headers& headers) const {
  http::request<http::string_body> request{http::string_to_verb(method), target, 11};
  if (request.method() == http::verb::unknown) request.method_string(method);
  request.set(http::field::host, "127.0.0.1:" + std::to_string(port_));
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = body;
  request.prepare_payload();
  std::ostringstream bytes;
  bytes << request;
  return exchangeRaw(port_, bytes.str(), method == "HEAD");
}

HttpReply TestClient::sendRaw(const std::string& bytes) const { return exchangeRaw(port_, bytes); }

HttpReply TestClient::sendHeadOnly(const std::string& head) const { return exchangeRaw(port_, head); }

Headers TestClient::session(bool write) const {
  Headers headers;
  if (!sessionCookie.empty()) headers.emplace_back("Cookie", sessionCookie);
  if (write) {
    headers.emplace_back("X-CSRF-Token", csrfToken);
    headers.emplace_back("Content-Type", "application/json");
  }
  return headers;
}

HttpReply TestClient::get(const std::string& target, const Headers& extra) const {
  auto headers = session(false);
  headers.insert(headers.end(), extra.begin(), extra.end());
  return send("GET", target, {}, headers);
}

HttpReply TestClient::post(const std::string& target, const nlohmann::json& body) const {
  return send("POST", target, body.dump(), session(true));
}

HttpReply TestClient::put(const std::string& target, const nlohmann::json& body) const {
  return send("PUT", target, body.dump(), session(true));
}

HttpReply TestClient::patch(const std::string& target, const nlohmann::json& body) const {
  return send("PATCH", target, body.dump(), session(true));
}

HttpReply TestClient::del(const std::string& target) const { return send("DELETE", target, {}, session(true)); }

HttpReply TestClient::upload(const std::string& target, const std::string& bytes) const {
  auto headers = session(true);
  headers.back() = {"Content-Type", "application/octet-stream"};
  return send("POST", target, bytes, headers);
}

HttpReply TestClient::registerAccount(const std::string& username, const std::string& password,
                                      const std::string& email) const {
  const nlohmann::json body{{"username", username},
                            {"email", email.empty() ? username + "@example.com" : email},
                            {"password", password}};
  return send("POST", "/api/accounts", body.dump(), {{"Content-Type", "application/json"}});
}

HttpReply TestClient::logIn(const std::string& login, const std::string& password) {
  const nlohmann::json body{{"login", login}, {"password", password}};
  auto reply = send("POST", "/api/sessions", body.dump(), {{"Content-Type", "application/json"}});
  if (reply.status == 201) {
    const auto cookie = reply.header("Set-Cookie");
    sessionCookie = cookie.substr(0, cookie.find(';'));
    csrfToken = reply.json().at("csrfToken");
  }
  return reply;
}

}  // namespace amplitude::server::testing

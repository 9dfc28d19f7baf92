// The server over real sockets: a Beast client talks to an HttpServer running on its own threads.
#include "amplitude/server/HttpServer.h"
#include "WebRootFixture.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <thread>

namespace amplitude::server {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;
using ClientResponse = http::response<http::string_body>;

class HttpServerTest : public ::testing::Test {
protected:
  HttpServerTest() {
    spdlog::set_level(spdlog::level::warn);  // keep per-request access lines out of test output
    ServerLimits limits;
    limits.headerBytes = 8 * 1024;
    limits.bodyBytes = 64 * 1024;
    limits.readTimeout = std::chrono::milliseconds{300};
    server = std::make_unique<HttpServer>(router, "127.0.0.1", 0, limits);
    serving = std::jthread{[this] { server->run(2); }};
  }
  ~HttpServerTest() override {
    if (!server) return;
    server->stop();
    serving.join();
  }

  tcp::socket connect() {
    tcp::socket socket{client};
    socket.connect({net::ip::make_address("127.0.0.1"), server->port()});
    return socket;
  }

  ClientResponse exchange(tcp::socket& socket, http::request<http::string_body> request) {
    request.set(http::field::host, "127.0.0.1");
    request.prepare_payload();
    http::write(socket, request);
    ClientResponse response;
    http::read(socket, buffer, response);
    return response;
  }

  ClientResponse get(std::string_view target) {
    auto socket = connect();
    return exchange(socket, {http::verb::get, target, 11});
  }

  /// Sends raw bytes and returns the parsed reply, for requests a well-behaved client cannot make.
  ClientResponse sendRaw(const std::string& bytes) {
    auto socket = connect();
    net::write(socket, net::buffer(bytes));
    ClientResponse response;
    http::read(socket, buffer, response);
    return response;
  }

  static void expectIsolationHeaders(const ClientResponse& response) {
    EXPECT_EQ(response["Cross-Origin-Opener-Policy"], "same-origin");
    EXPECT_EQ(response["Cross-Origin-Embedder-Policy"], "require-corp");
    EXPECT_EQ(response["Cross-Origin-Resource-Policy"], "same-origin");
  }

  testing::WebRootFixture webRoot;
  Router router{StaticFiles{webRoot.root()}};
  std::unique_ptr<HttpServer> server;
  std::jthread serving;
  net::io_context client;
  beast::flat_buffer buffer;
};

TEST_F(HttpServerTest, ServesThePageWithIsolationHeaders) {
  const auto response = get("/");
  EXPECT_EQ(response.result(), http::status::ok);
  EXPECT_EQ(response.body(), testing::WebRootFixture::kIndex);
  EXPECT_EQ(response[http::field::content_type], "text/html; charset=utf-8");
  expectIsolationHeaders(response);
}

TEST_F(HttpServerTest, ServesWasmBytesExactly) {
  const auto response = get("/engine.wasm");
  EXPECT_EQ(response[http::field::content_type], "application/wasm");
  EXPECT_EQ(response.body(), std::string("\0asm\1\0\0\0", 8));
}

TEST_F(HttpServerTest, HealthIsJson) {
  const auto response = get("/api/health");
  EXPECT_EQ(response.result(), http::status::ok);
  EXPECT_EQ(nlohmann::json::parse(response.body()).at("status"), "ok");
  expectIsolationHeaders(response);
}

TEST_F(HttpServerTest, MissingFileIsAClear404) {
  const auto response = get("/assets/gone.js");
  EXPECT_EQ(response.result(), http::status::not_found);
  EXPECT_EQ(response.body(), "Not found: /assets/gone.js\n");
  expectIsolationHeaders(response);
}

TEST_F(HttpServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  auto socket = connect();
  for (int i = 0; i < 5; ++i) {
    const auto response = exchange(socket, {http::verb::get, i % 2 ? "/api/health" : "/", 11});
    EXPECT_EQ(response.result(), http::status::ok) << i;
    EXPECT_TRUE(response.keep_alive());
  }
}

TEST_F(HttpServerTest, HttpOneZeroClosesAfterTheResponse) {
  auto socket = connect();
  const auto response = exchange(socket, {http::verb::get, "/api/health", 10});
  EXPECT_EQ(response.result(), http::status::ok);
  char byte;
  beast::error_code error;
  net::read(socket, net::buffer(&byte, 1), error);
  EXPECT_EQ(error, net::error::eof);
}

TEST_F(HttpServerTest, OversizedHeadersGet431) {
  const auto response = sendRaw("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(10'000, 'a') + "\r\n\r\n");
  EXPECT_EQ(response.result(), http::status::request_header_fields_too_large);
  expectIsolationHeaders(response);
}

TEST_F(HttpServerTest, OversizedBodyGets413BeforeItIsSent) {
  const auto response = sendRaw("POST /api/health HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n");
  EXPECT_EQ(response.result(), http::status::payload_too_large);
}

TEST_F(HttpServerTest, GarbageGets400) {
  for (const std::string garbage : {"NOT A REQUEST\r\n\r\n", "GET / HTTP/9.9\r\n\r\n",
                                    "GET / HTTP/1.1\r\nBad Header Line\r\n\r\n"}) {
    const auto response = sendRaw(garbage);
    EXPECT_EQ(response.result(), http::status::bad_request) << garbage;
    EXPECT_FALSE(response.body().empty());
  }
}

TEST_F(HttpServerTest, TraversalOverTheWireIsRefused) {
  const auto response = sendRaw("GET /%2e%2e/secret.txt HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(response.result(), http::status::bad_request);
  EXPECT_EQ(response.body().find("outside"), std::string::npos);
}

TEST_F(HttpServerTest, AClientThatStallsIsDisconnected) {
  auto socket = connect();
  net::write(socket, net::buffer(std::string{"GET / HTTP/1.1\r\nHost: x\r\n"}));  // never finishes
  char byte;
  beast::error_code error;
  net::read(socket, net::buffer(&byte, 1), error);  // returns once the server gives up on us
  EXPECT_TRUE(error == net::error::eof || error == net::error::connection_reset) << error.message();
}

TEST_F(HttpServerTest, StopEndsRunEvenWithAnOpenConnection) {
  auto socket = connect();
  server->stop();
  serving.join();
  server.reset();  // what main() does after run() returns: the sockets close with it
  char byte;
  beast::error_code error;
  net::read(socket, net::buffer(&byte, 1), error);
  EXPECT_TRUE(error) << "the connection must be closed once the server stopped";
}

TEST(HttpServerStartup, APortInUseIsAClearError) {
  testing::WebRootFixture webRoot;
  const Router router{StaticFiles{webRoot.root()}};
  HttpServer first{router, "127.0.0.1", 0};
  try {
    HttpServer second{router, "127.0.0.1", first.port()};
    FAIL() << "binding a port twice must fail";
  } catch (const std::system_error& e) {
    EXPECT_NE(std::string{e.what()}.find(std::to_string(first.port())), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace amplitude::server

#pragma once
// Limits failed log-in attempts per account and per client address in a fixed window, so a
// password cannot be guessed faster than limit/window from one place, nor from many places
// against one account. While a key is over its limit every attempt (right password or not) is
// refused with 429 and Retry-After. Thread-safe; in memory (per server process).
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace amplitude::server::api {

struct ThrottleLimits {
  int failuresPerAccount = 5;
  int failuresPerAddress = 20;
  std::chrono::milliseconds window{std::chrono::minutes{15}};
};

class LoginThrottle {
public:
  explicit LoginThrottle(ThrottleLimits limits = {}) : limits_(limits) {}

  /// Milliseconds to wait before trying again; 0 when an attempt may be made now.
  std::int64_t retryAfterMs(const std::string& accountKey, const std::string& address, std::int64_t now);
  void recordFailure(const std::string& accountKey, const std::string& address, std::int64_t now);
  /// A successful log-in clears the account's count (not the address's: one success must not
  /// reset a spray across many accounts).
  void recordSuccess(const std::string& accountKey);

private:
  struct Window {
    std::int64_t startedAt = 0;
    int failures = 0;
  };
  std::int64_t blockedFor(std::unordered_map<std::string, Window>& windows, const std::string& key,
                          int limit, std::int64_t now) const;
  void count(std::unordered_map<std::string, Window>& windows, const std::string& key, std::int64_t now);

  ThrottleLimits limits_;
  std::mutex mutex_;
  std::unordered_map<std::string, Window> accounts_;
  std::unordered_map<std::string, Window> addresses_;
};

}  // namespace amplitude::server::api

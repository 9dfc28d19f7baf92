#include "amplitude/server/api/LoginThrottle.h"

#include <algorithm>
#include <iterator>

namespace amplitude::server::api {

namespace {
// Bounds memory against a flood of made-up account names: expired windows are dropped first.
constexpr std::size_t kMaxTrackedKeys = 100'000;
}  // namespace

std::int64_t LoginThrottle::blockedFor(std::unordered_map<std::string, Window>& windows, const std::string& key,
                                       int limit, std::int64_t now) const {
  const auto found = windows.find(key);
  if (found == windows.end()) return 0;
  const auto endsAt = found->second.startedAt + limits_.window.count();
  if (now >= endsAt) {
    windows.erase(found);
    return 0;
  }
  return found->second.failures >= limit ? endsAt - now : 0;
}

void LoginThrottle::count(std::unordered_map<std::string, Window>& windows, const std::string& key,
                          std::int64_t now) {
  if (windows.size() >= kMaxTrackedKeys) {
    std::erase_if(windows, [&](const auto& entry) { return now >= entry.second.startedAt + limits_.window.count(); });
    if (windows.size() >= kMaxTrackedKeys) windows.erase(windows.begin());
  }
  auto& window = windows[key];
  if (window.failures == 0 || now >= window.startedAt + limits_.window.count()) window = Window{now, 0};
  ++window.failures;
}

std::int64_t LoginThrottle::retryAfterMs(const std::string& accountKey, const std::string& address,
                                         std::int64_t now) {
  std::lock_guard lock{mutex_};
  return std::max(blockedFor(accounts_, accountKey, limits_.failuresPerAccount, now),
                  blockedFor(addresses_, address, limits_.failuresPerAddress, now));
}

void LoginThrottle::recordFailure(const std::string& accountKey, const std::string& address, std::int64_t now) {
  std::lock_guard lock{mutex_};
  count(accounts_, accountKey, now);
  count(addresses_, address, now);
}

void LoginThrottle::recordSuccess(const std::string& accountKey) {
  std::lock_guard lock{mutex_};
  accounts_.erase(accountKey);
}

}  // namespace amplitude::server::api

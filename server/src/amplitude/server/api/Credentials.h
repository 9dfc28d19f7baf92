#pragma once
// Passwords and tokens, all through libsodium.
//
// Passwords: argon2id (crypto_pwhash_str) on a small dedicated pool, never on an I/O thread.
// Tokens: 32 random bytes, base64url; the server stores only their SHA-256.
#include "amplitude/server/api/WorkQueue.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace amplitude::server::api {

struct PasswordCost {
  /// argon2id passes and memory. The floor is 2 passes and 19 MiB (OWASP's minimum for
  /// argon2id); raising either makes stored hashes "need rehash" at their next log-in.
  unsigned long long passes = 2;
  std::size_t memoryBytes = 19u * 1024 * 1024;
};

class PasswordHasher {
public:
  explicit PasswordHasher(PasswordCost cost = {}, unsigned threads = 2);

  /// Blocks the calling (worker) thread until the pool has hashed it.
  std::string hash(std::string_view password);
  /// Verifies against `storedHash`, or against a dummy hash when the account does not exist
  /// (pass nullptr), so both cases take the same time.
  bool verify(const std::string* storedHash, std::string_view password);
  bool needsRehash(const std::string& storedHash) const;
  /// argon2id verifications run so far: the log-in path must run exactly one whether or not
  /// the account exists (the work, not a clock, is what the tests compare).
  std::uint64_t verificationsRun() const { return verificationsRun_.load(std::memory_order_relaxed); }

private:
  PasswordCost cost_;
  WorkQueue pool_;
  std::string dummyHash_;
  std::atomic<std::uint64_t> verificationsRun_{0};
};

/// 32 random bytes as unpadded base64url (43 characters).
std::string randomToken();
/// Lower-case hex SHA-256 of `bytes`.
std::string sha256Hex(std::string_view bytes);
/// Constant-time equality for secrets of possibly different lengths.
bool equalSecrets(std::string_view a, std::string_view b);
/// Whether `text` could be a randomToken() (43 base64url characters).
bool looksLikeToken(std::string_view text);

}  // namespace amplitude::server::api

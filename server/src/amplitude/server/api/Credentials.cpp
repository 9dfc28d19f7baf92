#include "amplitude/server/api/Credentials.h"

#include <sodium.h>

#include <stdexcept>

namespace amplitude::server::api {

namespace {

void initialiseSodium() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

}  // namespace

PasswordHasher::PasswordHasher(PasswordCost cost, unsigned threads)
    : cost_(cost), pool_(threads, 1024) {
  initialiseSodium();
  if (cost_.passes < 2 || cost_.memoryBytes < 19u * 1024 * 1024)
    throw std::invalid_argument("argon2id needs at least 2 passes and 19 MiB");
  dummyHash_ = hash(randomToken());
}

std::string PasswordHasher::hash(std::string_view password) {
  return pool_
      .submit([this, password] {
        char out[crypto_pwhash_STRBYTES];
        if (crypto_pwhash_str(out, password.data(), password.size(), cost_.passes, cost_.memoryBytes) != 0)
          throw std::runtime_error("out of memory while hashing a password");
        return std::string{out};
      })
      .get();
}

bool PasswordHasher::verify(const std::string* storedHash, std::string_view password) {
  const std::string& against = storedHash ? *storedHash : dummyHash_;
  const bool matches = pool_
                           .submit([this, &against, password] {
                             verificationsRun_.fetch_add(1, std::memory_order_relaxed);
                             return crypto_pwhash_str_verify(against.c_str(), password.data(),
                                                             password.size()) == 0;
                           })
                           .get();
  return storedHash && matches;
}

bool PasswordHasher::needsRehash(const std::string& storedHash) const {
  return crypto_pwhash_str_needs_rehash(storedHash.c_str(), cost_.passes, cost_.memoryBytes) != 0;
}

std::string randomToken() {
  initialiseSodium();
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  char out[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(out, sizeof out, bytes, sizeof bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return out;
}

std::string sha256Hex(std::string_view bytes) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

bool equalSecrets(std::string_view a, std::string_view b) {
  // Compare digests: equal length always, so the time does not depend on where they differ.
  unsigned char da[crypto_hash_sha256_BYTES], db[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(da, reinterpret_cast<const unsigned char*>(a.data()), a.size());
  crypto_hash_sha256(db, reinterpret_cast<const unsigned char*>(b.data()), b.size());
  return sodium_memcmp(da, db, sizeof da) == 0;
}

bool looksLikeToken(std::string_view text) {
  if (text.size() != 43) return false;
  for (const char c : text)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
      return false;
  return true;
}

}  // namespace amplitude::server::api

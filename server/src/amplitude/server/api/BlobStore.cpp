#include "amplitude/server/api/BlobStore.h"

#include "amplitude/server/api/Credentials.h"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <fmt/format.h>

#include <fstream>
#include <stdexcept>
#include <system_error>

namespace amplitude::server::api {

namespace fs = std::filesystem;

namespace {

/// Closes a file descriptor however the scope ends.
struct Descriptor {
  int fd;
  ~Descriptor() {
    if (fd >= 0) ::close(fd);
  }
};

void syncDirectory(const fs::path& directory) {
  // The rename is durable only once the directory entry itself reaches the disk.
  Descriptor dir{::open(directory.c_str(), O_RDONLY | O_DIRECTORY)};
  if (dir.fd >= 0) ::fsync(dir.fd);
}

}  // namespace

bool isSha256Hex(std::string_view text) {
  if (text.size() != 64) return false;
  for (const char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::string readHead(const fs::path& file, std::size_t limit) {
  std::ifstream in{file, std::ios::binary};
  std::string head(limit, '\0');
  in.read(head.data(), static_cast<std::streamsize>(limit));
  head.resize(static_cast<std::size_t>(in.gcount()));
  return head;
}

BlobStore::BlobStore(const fs::path& root) : root_(root) {
  fs::create_directories(root_ / "blobs");
  fs::create_directories(root_ / "tmp");
  for (const auto& entry : fs::directory_iterator{root_ / "tmp"}) {
    std::error_code ignored;
    fs::remove(entry.path(), ignored);
  }
}

fs::path BlobStore::newUploadPath() const { return root_ / "tmp" / ("upload-" + randomToken()); }

BlobStore::Stored BlobStore::adopt(const fs::path& upload) {
  Descriptor file{::open(upload.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) throw std::system_error(errno, std::generic_category(), "cannot open the upload");
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  std::vector<unsigned char> buffer(256 * 1024);
  Stored stored;
  for (;;) {
    const auto got = ::read(file.fd, buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw std::system_error(errno, std::generic_category(), "cannot read the upload");
    if (got == 0) break;
    crypto_hash_sha256_update(&state, buffer.data(), static_cast<unsigned long long>(got));
    stored.size += static_cast<std::uint64_t>(got);
  }
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, digest);
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  stored.sha256 = hex;

  const auto target = *pathOf(stored.sha256);
  std::error_code error;
  if (fs::exists(target, error)) {
    stored.alreadyStored = true;
    fs::remove(upload, error);
    return stored;
  }
  if (::fsync(file.fd) != 0) throw std::system_error(errno, std::generic_category(), "cannot sync the upload");
  fs::create_directories(target.parent_path());
  // Same bytes, same name: if another upload of them wins the race, rename just replaces an
  // identical file.
  fs::rename(upload, target);
  syncDirectory(target.parent_path());
  return stored;
}

std::optional<fs::path> BlobStore::pathOf(std::string_view sha256) const {
  if (!isSha256Hex(sha256)) return std::nullopt;
  return root_ / "blobs" / std::string{sha256.substr(0, 2)} / std::string{sha256};
}

}  // namespace amplitude::server::api

#pragma once
// Who is on the other end of a live connection, as checked once at the upgrade (session cookie,
// Origin, role). No Beast here: the API produces it, the live sessions carry it.
#include "amplitude/server/store/Repository.h"

#include <cstdint>
#include <string>

namespace amplitude::server::live {

struct LiveIdentity {
  std::int64_t projectId = 0;
  std::int64_t accountId = 0;
  std::string username;
  store::Role role = store::Role::viewer;
};

}  // namespace amplitude::server::live

#pragma once
#include "amplitude/server/store/Database.h"

namespace amplitude::server::store {

/// PostgreSQL through libpqxx 6.4. libpqxx does not reconnect by itself: a connection that
/// breaks is dropped from the pool and the next transaction opens a new one.
std::unique_ptr<Database> openPostgresDatabase(const std::string& url, unsigned maxConnections);

}  // namespace amplitude::server::store

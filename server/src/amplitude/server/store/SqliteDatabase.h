#pragma once
#include "amplitude/server/store/Database.h"

namespace amplitude::server::store {

/// Opens (creating if needed) the SQLite file at `path` in WAL mode with synchronous=FULL,
/// foreign keys on and a 5 s busy timeout. Throws DatabaseUnavailable if it cannot.
std::unique_ptr<Database> openSqliteDatabase(const std::string& path, unsigned maxConnections);

}  // namespace amplitude::server::store

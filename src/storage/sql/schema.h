// storage/sql/schema: the numbered migrations of the SQL schema, shared by SQLite and PostgreSQL
// (both accept this dialect: TEXT and BIGINT columns, foreign keys with ON DELETE CASCADE). A
// migration that only one of them can run gives each its own text.
//
// Rules: a migration, once released, never changes; a change is a new, higher-numbered entry.
#pragma once

#include <string_view>
#include <vector>

namespace authgent::storage::sql {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;           // run on both, unless the next is set
  std::string_view postgres_sql;  // when set: run instead of `sql` on PostgreSQL
};

const std::vector<Migration>& Migrations();

}  // namespace authgent::storage::sql

// core/sortable_token: the secrets written on every grant (authorization codes, refresh tokens)
// and refresh-family ids, made so that their store keys sort by issue time.
//
// Why: the store finds a code or refresh token by a key derived from the secret. A bare hash is
// uniformly random, so each insert lands on a random leaf of the key's B-tree: under load every
// grant dirtied pages of its own all over the index, SQLite wrote each of them to the WAL and
// copied it back at checkpoint, and page splits in the middle of an index cost far more than
// appends. With the issue time in front, new keys go to the right-hand edge of the index, where
// one batch of grants shares a page or two. Lookups stay exact-match; nothing orders by the key.
//
// Token: base64url(6-byte big-endian Unix milliseconds || 32 random bytes), 51 characters.
// Its 256 random bits are the secret; the issue time in it is no secret (the client knows when
// it got the token). Key: the 12 hex digits of those milliseconds, then TokenHash(token).
// Anything else (the 43-character tokens issued before this format, or garbage) keys as
// TokenHash(token), so tokens issued before an upgrade keep working.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/random.h"

namespace authgent {

// `unix_millis` (Clock::NowMillis) is only a locality hint for keys: a clock step backwards costs
// some locality, never correctness (the random part keeps keys unique).
std::string NewSortableToken(Random& random, int64_t unix_millis);
// The token with this issue time and these 32 secret bytes (for a secret derived rather than
// drawn: a refresh token's successor, oauth/token_service). Empty if `secret` is not 32 bytes.
std::string SortableTokenOf(int64_t unix_millis, std::string_view secret);
// The issue time in a key that SortableTokenKey made from a sortable token, or -1 for any other
// key (a plain TokenHash).
int64_t SortableKeyMillis(std::string_view key);
// The store key of a token from NewSortableToken (or of any other presented string).
std::string SortableTokenKey(std::string_view token);
// 32 lower-case hex digits: 12 of Unix milliseconds, 20 of random bits (80).
std::string NewSortableId(Random& random, int64_t unix_millis);

}  // namespace authgent

// storage/account_store: local users and their login sessions. Part of the Store
// (storage/store.h).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "storage/records.h"

namespace authgent::storage {

class AccountStore {
 public:
  virtual ~AccountStore() = default;

  virtual Status CreateUser(const User& user) = 0;
  virtual StatusOr<User> GetUser(const std::string& user_id) = 0;
  virtual StatusOr<User> GetUserByUsername(const std::string& username) = 0;
  virtual StatusOr<User> GetUserByUpstream(const std::string& issuer,
                                           const std::string& subject) = 0;
  virtual Status UpdateUser(const User& user) = 0;
  virtual Status DeleteUser(const std::string& user_id) = 0;
  virtual StatusOr<std::vector<User>> ListUsers() = 0;
  virtual StatusOr<int64_t> CountUsers() = 0;


  // Login sessions.
  virtual Status CreateSession(const LoginSession& session) = 0;
  // kNotFound too when the session's user is disabled.
  virtual StatusOr<LoginSession> GetSession(const std::string& session_hash, int64_t now) = 0;
  virtual Status DeleteSession(const std::string& session_hash) = 0;
  // Live sessions of `user_id` (every user's when empty), newest first, with the user's name.
  virtual StatusOr<std::vector<LoginSession>> ListSessions(const std::string& user_id,
                                                           int64_t now) = 0;
  // Ends every session of `user_id`; returns how many there were.
  virtual StatusOr<int64_t> DeleteUserSessions(const std::string& user_id) = 0;
  // Ends everything the user holds now, in one transaction: deletes their login sessions and
  // unredeemed authorization codes, revokes their refresh families and denies the unexpired
  // access tokens issued in them. For a password change or a disabled account.
  virtual Status RevokeUserAccess(const std::string& user_id, int64_t now) = 0;
};

}  // namespace authgent::storage

#include "server/client_cache.h"

namespace authgent::server {

std::optional<storage::Client> ClientCache::Find(const std::string& client_id, int64_t now,
                                                 int64_t ttl) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(client_id);
  if (it == entries_.end() || now - it->second.read_at >= ttl || now < it->second.read_at) {
    return std::nullopt;
  }
  return it->second.client;
}

std::optional<storage::Client> ClientCache::Peek(const std::string& client_id, int64_t now) {
  return Find(client_id, now, ttl_);
}

StatusOr<storage::Client> ClientCache::Get(storage::ClientStore& store, const std::string& client_id,
                                           int64_t now) {
  if (auto cached = Peek(client_id, now)) return *std::move(cached);
  StatusOr<storage::Client> read = store.GetClient(client_id);
  if (read.ok()) Put(*read, now);
  if (read.status().code() == StatusCode::kUnavailable) {
    if (auto kept = Find(client_id, now, outage_ttl_)) return *std::move(kept);
  }
  return read;
}

void ClientCache::Put(const storage::Client& client, int64_t now) {
  if (ttl_ <= 0 || capacity_ == 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (entries_.size() >= capacity_) entries_.clear();  // simpler than an eviction order; rare
  entries_[client.client_id] = Entry{client, now};
}

void ClientCache::MarkUsed(const std::string& client_id, int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(client_id);
  if (it != entries_.end()) it->second.client.last_used_at = now;
}

void ClientCache::Forget(const std::string& client_id) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.erase(client_id);
}

void ClientCache::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.clear();
}

}  // namespace authgent::server

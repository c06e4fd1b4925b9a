// federation/address_policy: which IP addresses authgent may connect to when a stranger chose the
// URL (a client ID metadata document, a client's jwks_uri). Such a fetch must not reach what
// only authgent's own network can: loopback services, the private network, a cloud's metadata
// service (169.254.169.254), a carrier's shared space, or the same through an IPv6 spelling of an
// IPv4 address (mapped, compatible, NAT64, 6to4, Teredo). docs/security.md has the threat model.
//
// Only literal addresses are classified here, with no I/O: the fetcher resolves the name,
// classifies every address it got, and connects to the one it checked.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace authgent::federation {

enum class AddressClass {
  kPublic,        // globally routable: the only class a stranger's URL may reach
  kUnspecified,   // 0.0.0.0/8, ::
  kLoopback,      // 127.0.0.0/8, ::1
  kPrivate,       // 10/8, 172.16/12, 192.168/16, fc00::/7, fec0::/10
  kLinkLocal,     // 169.254/16 (cloud metadata), fe80::/10
  kSharedCgnat,   // 100.64.0.0/10 (RFC 6598)
  kMulticast,     // 224/4, ff00::/8, and the broadcast address
  kEmbeddedIpv4,  // ::ffff:0:0/96, ::/96, 64:ff9b::/96, 2002::/16, 2001::/32: IPv4 in disguise
  kReserved,      // documentation, benchmarking, IETF protocol and future-use ranges
};

// The class of a literal IPv4 ("192.0.2.1") or IPv6 ("2001:db8::1", without brackets or zone)
// address; nullopt when `literal` is not one.
std::optional<AddressClass> ClassifyAddress(std::string_view literal);

// A short name for logs and error pages: "public", "loopback", "private", ...
std::string_view AddressClassName(AddressClass c);

// What a fetch may connect to: public addresses, and loopback too when the operator's test-only
// setting admits it (a document server on this machine in the tests).
struct AddressPolicy {
  bool allow_loopback = false;
  bool Allows(AddressClass c) const {
    return c == AddressClass::kPublic || (allow_loopback && c == AddressClass::kLoopback);
  }
};

}  // namespace authgent::federation

#include "federation/address_policy.h"

#include <arpa/inet.h>

#include <array>
#include <cstdint>
#include <cstring>

namespace authgent::federation {
namespace {

// An IPv4 range: the address's top `bits` bits equal `prefix`'s.
struct V4Range {
  uint32_t prefix;
  int bits;
  AddressClass cls;
};

constexpr uint32_t V4(int a, int b, int c, int d) {
  return (static_cast<uint32_t>(a) << 24) | (static_cast<uint32_t>(b) << 16) |
         (static_cast<uint32_t>(c) << 8) | static_cast<uint32_t>(d);
}

// IANA's special-purpose IPv4 registry, less the ranges that are globally reachable.
constexpr V4Range kV4Ranges[] = {
    {V4(0, 0, 0, 0), 8, AddressClass::kUnspecified},
    {V4(10, 0, 0, 0), 8, AddressClass::kPrivate},
    {V4(100, 64, 0, 0), 10, AddressClass::kSharedCgnat},
    {V4(127, 0, 0, 0), 8, AddressClass::kLoopback},
    {V4(169, 254, 0, 0), 16, AddressClass::kLinkLocal},
    {V4(172, 16, 0, 0), 12, AddressClass::kPrivate},
    {V4(192, 0, 0, 0), 24, AddressClass::kReserved},    // IETF protocol assignments
    {V4(192, 0, 2, 0), 24, AddressClass::kReserved},    // TEST-NET-1
    {V4(192, 88, 99, 0), 24, AddressClass::kReserved},  // 6to4 relay anycast
    {V4(192, 168, 0, 0), 16, AddressClass::kPrivate},
    {V4(198, 18, 0, 0), 15, AddressClass::kReserved},    // benchmarking
    {V4(198, 51, 100, 0), 24, AddressClass::kReserved},  // TEST-NET-2
    {V4(203, 0, 113, 0), 24, AddressClass::kReserved},   // TEST-NET-3
    {V4(224, 0, 0, 0), 4, AddressClass::kMulticast},
    {V4(255, 255, 255, 255), 32, AddressClass::kMulticast},  // broadcast (before 240/4)
    {V4(240, 0, 0, 0), 4, AddressClass::kReserved},
};

AddressClass ClassifyV4(uint32_t a) {
  for (const V4Range& r : kV4Ranges) {
    uint32_t mask = r.bits == 0 ? 0 : ~uint32_t{0} << (32 - r.bits);
    if ((a & mask) == r.prefix) return r.cls;
  }
  return AddressClass::kPublic;
}

// True when the first `bits` bits of `a` equal those of `prefix` (16 bytes each).
bool InPrefix(const std::array<uint8_t, 16>& a, const std::array<uint8_t, 16>& prefix, int bits) {
  for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    uint8_t mask = bits >= 8 ? 0xFF : static_cast<uint8_t>(0xFF << (8 - bits));
    if ((a[i] & mask) != (prefix[i] & mask)) return false;
  }
  return true;
}

struct V6Range {
  std::array<uint8_t, 16> prefix;
  int bits;
  AddressClass cls;
};

// Checked in order: the exact addresses before the /96 that contains them.
const V6Range kV6Ranges[] = {
    {{}, 128, AddressClass::kUnspecified},                                             // ::
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128, AddressClass::kLoopback},  // ::1
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF}, 96, AddressClass::kEmbeddedIpv4},     // mapped
    {{}, 96, AddressClass::kEmbeddedIpv4},                           // IPv4-compatible
    {{0, 0x64, 0xFF, 0x9B}, 96, AddressClass::kEmbeddedIpv4},        // NAT64
    {{0, 0x64, 0xFF, 0x9B, 0, 1}, 48, AddressClass::kEmbeddedIpv4},  // local-use NAT64
    {{0x20, 0x02}, 16, AddressClass::kEmbeddedIpv4},                 // 6to4
    {{0x20, 0x01, 0, 0}, 32, AddressClass::kEmbeddedIpv4},           // Teredo
    {{0x20, 0x01, 0x0D, 0xB8}, 32, AddressClass::kReserved},         // documentation
    {{0x20, 0x01}, 23, AddressClass::kReserved},                     // IETF protocol assignments
    {{0x01, 0x00}, 64, AddressClass::kReserved},                     // discard-only
    {{0xFC}, 7, AddressClass::kPrivate},                             // unique local
    {{0xFE, 0x80}, 10, AddressClass::kLinkLocal},
    {{0xFE, 0xC0}, 10, AddressClass::kPrivate},  // site-local (deprecated)
    {{0xFF}, 8, AddressClass::kMulticast},
    {{}, 8, AddressClass::kReserved},  // the rest of ::/8
};

AddressClass ClassifyV6(const std::array<uint8_t, 16>& a) {
  for (const V6Range& r : kV6Ranges) {
    if (InPrefix(a, r.prefix, r.bits)) return r.cls;
  }
  // Only 2000::/3 is allocated for global unicast; the rest is reserved by IANA.
  if ((a[0] & 0xE0) != 0x20) return AddressClass::kReserved;
  return AddressClass::kPublic;
}

}  // namespace

std::optional<AddressClass> ClassifyAddress(std::string_view literal) {
  if (literal.size() > INET6_ADDRSTRLEN) return std::nullopt;
  std::string text(literal);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) return ClassifyV4(ntohl(v4.s_addr));
  std::array<uint8_t, 16> v6{};
  if (inet_pton(AF_INET6, text.c_str(), v6.data()) == 1) return ClassifyV6(v6);
  return std::nullopt;
}

std::string_view AddressClassName(AddressClass c) {
  switch (c) {
    case AddressClass::kPublic:
      return "public";
    case AddressClass::kUnspecified:
      return "unspecified";
    case AddressClass::kLoopback:
      return "loopback";
    case AddressClass::kPrivate:
      return "private";
    case AddressClass::kLinkLocal:
      return "link-local";
    case AddressClass::kSharedCgnat:
      return "shared (CGNAT)";
    case AddressClass::kMulticast:
      return "multicast or broadcast";
    case AddressClass::kEmbeddedIpv4:
      return "IPv4 embedded in IPv6";
    case AddressClass::kReserved:
      return "reserved";
  }
  return "reserved";
}

}  // namespace authgent::federation

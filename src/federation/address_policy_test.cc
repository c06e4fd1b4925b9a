#include "federation/address_policy.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace authgent::federation {
namespace {

// Literal addresses only: nothing here connects anywhere.
void ExpectClass(const std::vector<std::string>& literals, AddressClass expected) {
  for (const std::string& literal : literals) {
    EXPECT_EQ(ClassifyAddress(literal), expected) << literal;
  }
}

TEST(AddressPolicy, PublicAddressesArePublic) {
  ExpectClass({"8.8.8.8", "1.1.1.1", "93.184.216.34", "172.15.255.255", "172.32.0.0",
               "100.63.255.255", "100.128.0.0", "169.253.255.255", "192.0.3.1", "223.255.255.255",
               "2606:4700:4700::1111", "2a00:1450:4001:80b::200e", "2001:4860::8888"},
              AddressClass::kPublic);
}

TEST(AddressPolicy, LoopbackAndUnspecified) {
  ExpectClass({"127.0.0.1", "127.255.255.254", "::1"}, AddressClass::kLoopback);
  ExpectClass({"0.0.0.0", "0.1.2.3", "::"}, AddressClass::kUnspecified);
}

TEST(AddressPolicy, PrivateNetworks) {
  ExpectClass({"10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.255", "192.168.0.1",
               "192.168.255.255", "fc00::1", "fd12:3456:789a::1", "fec0::1"},
              AddressClass::kPrivate);
}

TEST(AddressPolicy, LinkLocalIncludesTheCloudMetadataService) {
  ExpectClass({"169.254.169.254", "169.254.0.1", "fe80::1", "febf::1"}, AddressClass::kLinkLocal);
}

TEST(AddressPolicy, CarrierGradeNat) {
  ExpectClass({"100.64.0.1", "100.127.255.255"}, AddressClass::kSharedCgnat);
}

TEST(AddressPolicy, MulticastAndBroadcast) {
  ExpectClass({"224.0.0.1", "239.255.255.250", "255.255.255.255", "ff02::1", "ff0e::101"},
              AddressClass::kMulticast);
}

TEST(AddressPolicy, Ipv4InIpv6SpellingsAreRefusedWhateverTheyHide) {
  ExpectClass({"::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:8.8.8.8", "::ffff:7f00:1",
               "::127.0.0.1", "::a9fe:a9fe", "64:ff9b::a9fe:a9fe", "64:ff9b:1::1", "2002:7f00:1::1",
               "2001:0:4136:e378:8000:63bf:3fff:fdd2"},
              AddressClass::kEmbeddedIpv4);
}

TEST(AddressPolicy, ReservedRanges) {
  ExpectClass({"192.0.0.8", "192.0.2.1", "198.51.100.7", "203.0.113.9", "198.18.0.1",
               "198.19.255.255", "192.88.99.1", "240.0.0.1", "254.1.2.3", "2001:db8::1",
               "2001:2::1", "100::1", "::1:0:0:1", "4000::1", "e000::1"},
              AddressClass::kReserved);
}

TEST(AddressPolicy, OnlyLiteralAddressesAreClassified) {
  for (const char* text :
       {"", "localhost", "example.com", "127.1", "0x7f000001", "2130706433", "127.0.0.1.", "[::1]",
        "fe80::1%eth0", "1.2.3.4/8", "::ffff:999.0.0.1"}) {
    EXPECT_EQ(ClassifyAddress(text), std::nullopt) << text;
  }
}

TEST(AddressPolicy, OnlyPublicAddressesAreAllowedUnlessLoopbackIsAdmitted) {
  AddressPolicy strict;
  EXPECT_TRUE(strict.Allows(AddressClass::kPublic));
  EXPECT_FALSE(strict.Allows(AddressClass::kLoopback));
  EXPECT_FALSE(strict.Allows(AddressClass::kPrivate));
  AddressPolicy testing{.allow_loopback = true};
  EXPECT_TRUE(testing.Allows(AddressClass::kLoopback));
  EXPECT_FALSE(testing.Allows(AddressClass::kLinkLocal));
  EXPECT_FALSE(testing.Allows(AddressClass::kEmbeddedIpv4));
  EXPECT_EQ(AddressClassName(AddressClass::kLinkLocal), "link-local");
}

}  // namespace
}  // namespace authgent::federation

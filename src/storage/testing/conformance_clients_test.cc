// Conformance, ClientStore: clients, what deleting one takes with it, and reaping the abandoned.
#include "storage/testing/store_conformance.h"

namespace authgent::storage::testing {
namespace {

TEST_P(StoreConformance, ClientCrud) {
  Client c = MakeClient("c1");
  c.secret_hash = "hash";
  c.scope = "mcp:read";
  c.metadata_json = R"({"logo_uri":"https://app.example/logo.png"})";
  ASSERT_TRUE(CreateClientAndWait(*store_, c).ok());
  EXPECT_EQ(CreateClientAndWait(*store_, c).code(), StatusCode::kAlreadyExists);

  auto got = store_->GetClient("c1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->client_name, "Client c1 (test)");
  EXPECT_EQ(got->redirect_uris, c.redirect_uris);
  EXPECT_EQ(got->grant_types, c.grant_types);
  EXPECT_EQ(got->response_types, c.response_types);
  EXPECT_EQ(got->secret_hash, "hash");
  EXPECT_EQ(got->scope, "mcp:read");
  EXPECT_EQ(got->metadata_json, c.metadata_json);
  EXPECT_EQ(got->created_at, now_);
  EXPECT_TRUE(got->resources.empty());
  EXPECT_FALSE(got->may_introspect);

  Client privileged = MakeClient("c2");
  privileged.resources = {"https://mcp.example.com/mcp", "https://other.example.com/"};
  privileged.may_introspect = true;
  privileged.redirect_uris = {"cursor://anysphere.cursor-mcp/oauth/callback"};
  ASSERT_TRUE(CreateClientAndWait(*store_, privileged).ok());
  EXPECT_EQ(store_->GetClient("c2")->redirect_uris, privileged.redirect_uris);
  EXPECT_EQ(store_->GetClient("c2")->resources, privileged.resources);
  EXPECT_TRUE(store_->GetClient("c2")->may_introspect);
  ASSERT_TRUE(TouchClientAndWait(*store_, "c1", now_ + 5).ok());
  EXPECT_EQ(store_->GetClient("c1")->last_used_at, now_ + 5);
  EXPECT_EQ(TouchClientAndWait(*store_, "nope", now_).code(), StatusCode::kNotFound);

  ASSERT_TRUE(store_->DeleteClient("c1").ok());
  EXPECT_EQ(store_->GetClient("c1").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->DeleteClient("c1").code(), StatusCode::kNotFound);
}

TEST_P(StoreConformance, ADocumentsClientIsSavedThenRefreshedKeepingItsUseAndGrants) {
  const std::string id = "https://app.example.com/client.json";
  Client doc = MakeClient(id);
  doc.source = "cimd";
  doc.token_endpoint_auth_method = "none";
  doc.metadata_json = R"({"jwks_uri":"https://app.example.com/jwks"})";
  doc.document_fetched_at = now_;
  doc.document_expires_at = now_ + 600;
  ASSERT_TRUE(store_->SaveDocumentClient(doc).ok());
  auto got = store_->GetClient(id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->source, "cimd");
  EXPECT_EQ(got->secret_hash, "");
  EXPECT_EQ(got->redirect_uris, doc.redirect_uris);
  EXPECT_EQ(got->metadata_json, doc.metadata_json);
  EXPECT_EQ(got->created_at, now_);
  EXPECT_EQ(got->document_fetched_at, now_);
  EXPECT_EQ(got->document_expires_at, now_ + 600);

  ASSERT_TRUE(TouchClientAndWait(*store_, id, now_ + 5).ok());
  ASSERT_TRUE(store_->CreateUser(MakeUser("u1", "alice")).ok());
  ASSERT_TRUE(store_->CreateFamily(MakeFamily("f1", id, "u1"), MakeToken("rt", "j1")).ok());
  Client refetched = doc;
  refetched.client_name = "Renamed";
  refetched.redirect_uris = {"https://app.example.com/new-callback"};
  refetched.created_at = now_ + 100;  // a refetch does not move the creation time
  refetched.document_fetched_at = now_ + 100;
  refetched.document_expires_at = now_ + 700;
  ASSERT_TRUE(store_->SaveDocumentClient(refetched).ok());
  got = store_->GetClient(id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->client_name, "Renamed");
  EXPECT_EQ(got->redirect_uris, refetched.redirect_uris);
  EXPECT_EQ(got->created_at, now_);
  EXPECT_EQ(got->last_used_at, now_ + 5);
  EXPECT_EQ(got->document_fetched_at, now_ + 100);
  EXPECT_EQ(got->document_expires_at, now_ + 700);
  EXPECT_TRUE(store_->GetRefreshToken("rt").ok());  // an update in place: nothing cascades
}

TEST_P(StoreConformance, ADocumentNeverOverwritesAnotherKindOfClient) {
  Client registered = MakeClient("https://app.example.com/client.json");
  registered.secret_hash = "hash";
  ASSERT_TRUE(CreateClientAndWait(*store_, registered).ok());
  Client doc = registered;
  doc.source = "cimd";
  doc.secret_hash = "";
  doc.client_name = "Impostor";
  EXPECT_EQ(store_->SaveDocumentClient(doc).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->GetClient(registered.client_id)->client_name, registered.client_name);
  EXPECT_EQ(store_->GetClient(registered.client_id)->secret_hash, "hash");
  EXPECT_EQ(store_->SaveDocumentClient(MakeClient("plain")).code(), StatusCode::kInvalidArgument);
}

TEST_P(StoreConformance, ClientListPagesInIdOrder) {
  for (const char* id : {"b", "a", "d", "c"})
    ASSERT_TRUE(CreateClientAndWait(*store_, MakeClient(id)).ok());
  auto first = store_->ListClients("", 3);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 3u);
  EXPECT_EQ((*first)[0].client_id, "a");
  EXPECT_EQ((*first)[2].client_id, "c");
  auto rest = store_->ListClients("c", 3);
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0].client_id, "d");
}

TEST_P(StoreConformance, DeletingAClientCascadesToItsGrants) {
  ASSERT_TRUE(CreateClientAndWait(*store_, MakeClient("c1")).ok());
  ASSERT_TRUE(store_->CreateUser(MakeUser("u1", "alice")).ok());
  ASSERT_TRUE(store_->CreateCode(MakeCode("code", "c1", "u1")).ok());
  ASSERT_TRUE(store_->CreateFamily(MakeFamily("f1", "c1", "u1"), MakeToken("rt", "j1")).ok());
  ASSERT_TRUE(store_->CreateSession(MakeSession("sh", "u1", now_ + 3600)).ok());
  ASSERT_TRUE(CreateTransactionAndWait(*store_, MakeTransaction("th", now_)).ok());
  ASSERT_TRUE(
      Approve("th", now_, {"u1", "c1", "r", "s", now_, now_}, MakeCode("k", "c1", "u1")).ok());
  ASSERT_TRUE(store_->DeleteClient("c1").ok());
  EXPECT_EQ(RedeemCodeAndWait(*store_, "code", now_, nullptr, nullptr)->outcome,
            CodeRedemption::Outcome::kNotFound);
  EXPECT_EQ(store_->GetRefreshToken("rt").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetConsent("u1", "c1", "r").status().code(), StatusCode::kNotFound);
  // The token's row went too, not only its family: a family of the same id does not bring it back.
  ASSERT_TRUE(CreateClientAndWait(*store_, MakeClient("c1")).ok());
  ASSERT_TRUE(store_->CreateFamily(MakeFamily("f1", "c1", "u1"), MakeToken("rt-new", "j2")).ok());
  EXPECT_EQ(store_->GetRefreshToken("rt").status().code(), StatusCode::kNotFound);
}

TEST_P(StoreConformance, DeletingAUserDeletesTheirGrantsOnly) {
  ASSERT_TRUE(CreateClientAndWait(*store_, MakeClient("c1")).ok());
  ASSERT_TRUE(store_->CreateUser(MakeUser("u1", "alice")).ok());
  ASSERT_TRUE(store_->CreateUser(MakeUser("u2", "bob")).ok());
  ASSERT_TRUE(store_->CreateCode(MakeCode("code", "c1", "u1")).ok());
  ASSERT_TRUE(store_->CreateCode(MakeCode("code2", "c1", "u2")).ok());
  ASSERT_TRUE(store_->CreateSession(MakeSession("sh", "u1", now_ + 3600)).ok());
  ASSERT_TRUE(CreateTransactionAndWait(*store_, MakeTransaction("th", now_)).ok());
  ASSERT_TRUE(
      Approve("th", now_, {"u1", "c1", "r", "s", now_, now_}, MakeCode("k", "c1", "u1")).ok());
  ASSERT_TRUE(store_->DeleteUser("u1").ok());
  EXPECT_EQ(RedeemCodeAndWait(*store_, "code", now_, nullptr, nullptr)->outcome,
            CodeRedemption::Outcome::kNotFound);
  EXPECT_EQ(RedeemCodeAndWait(*store_, "k", now_, nullptr, nullptr)->outcome,
            CodeRedemption::Outcome::kNotFound);
  EXPECT_EQ(store_->GetConsent("u1", "c1", "r").status().code(), StatusCode::kNotFound);
  // A user of the same id later starts with nothing.
  ASSERT_TRUE(store_->CreateUser(MakeUser("u1", "alice")).ok());
  EXPECT_EQ(store_->GetConsent("u1", "c1", "r").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(RedeemCodeAndWait(*store_, "code2", now_, nullptr, nullptr)->outcome,
            CodeRedemption::Outcome::kRedeemed);
}

TEST_P(StoreConformance, ReapingRemovesOnlyAbandonedDynamicAndDocumentClients) {
  ASSERT_TRUE(store_->CreateUser(MakeUser("u1", "alice")).ok());
  Client never_used = MakeClient("never-used");
  Client idle = MakeClient("idle");
  idle.last_used_at = now_ - 100 * 86400;
  Client fresh = MakeClient("fresh");
  fresh.created_at = now_;
  Client operator_added = MakeClient("cli");
  operator_added.source = "cli";
  Client with_grant = MakeClient("with-grant");
  Client document = MakeClient("https://app.example/client.json");
  document.source = "cimd";
  for (Client* c : {&never_used, &idle, &operator_added, &with_grant, &document})
    c->created_at = now_ - 100 * 86400;
  for (const Client& c : {never_used, idle, fresh, operator_added, with_grant, document}) {
    ASSERT_TRUE(CreateClientAndWait(*store_, c).ok());
  }
  ASSERT_TRUE(store_->CreateFamily(MakeFamily("f", "with-grant", "u1"), MakeToken("rt", "j")).ok());
  RefreshFamily dead = MakeFamily("f-dead", "idle", "u1");
  dead.revoked_at = now_ - 50 * 86400;
  ASSERT_TRUE(store_->CreateFamily(dead, MakeToken("rt-dead", "j-dead")).ok());
  auto reaped = store_->ReapClients(now_ - 86400, now_ - 30 * 86400, now_);
  ASSERT_TRUE(reaped.ok()) << reaped.status().ToString();
  EXPECT_EQ(*reaped, 3);
  EXPECT_EQ(store_->GetClient("never-used").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetClient("https://app.example/client.json").status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store_->GetClient("idle").status().code(), StatusCode::kNotFound);
  for (const char* kept : {"fresh", "cli", "with-grant"})
    EXPECT_TRUE(store_->GetClient(kept).ok()) << kept;
  EXPECT_TRUE(store_->GetRefreshToken("rt").ok());
  // The reaped client's revoked family went with it, and its token (not only unreachable: a
  // family of the same id does not bring it back).
  ASSERT_TRUE(CreateClientAndWait(*store_, idle).ok());
  ASSERT_TRUE(store_->CreateFamily(dead, MakeToken("rt-new", "j-new")).ok());
  EXPECT_EQ(store_->GetRefreshToken("rt-dead").status().code(), StatusCode::kNotFound);
}

TEST_P(StoreConformance, APolicyIsReadWithItsClientAndMayPrecedeIt) {
  const std::string url = "https://app.example/client.json";
  ClientPolicy policy;
  policy.client_id = url;
  policy.blocked = true;
  policy.resources = {"https://mcp.example/mcp"};
  policy.scope = "mcp:read";
  policy.access_token_ttl = 600;
  policy.updated_at = now_;
  ASSERT_TRUE(store_->SetClientPolicy(policy).ok());  // before the client exists
  EXPECT_EQ(store_->GetClient(url).status().code(), StatusCode::kNotFound);
  Client document = MakeClient(url);
  document.source = "cimd";
  ASSERT_TRUE(CreateClientAndWait(*store_, document).ok());
  auto read = store_->GetClient(url);
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(read->policy.blocked);
  EXPECT_FALSE(read->policy.trusted);
  EXPECT_EQ(read->policy.resources, std::vector<std::string>{"https://mcp.example/mcp"});
  EXPECT_EQ(read->policy.scope, "mcp:read");
  EXPECT_EQ(read->policy.access_token_ttl, 600);
  policy.blocked = false;
  policy.trusted = true;
  ASSERT_TRUE(store_->SetClientPolicy(policy).ok());
  auto listed = store_->ListClients("", 10);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_FALSE((*listed)[0].policy.blocked);
  EXPECT_TRUE((*listed)[0].policy.trusted);
  // A client without a policy reads the defaults; so does GetClientPolicy.
  ASSERT_TRUE(CreateClientAndWait(*store_, MakeClient("plain")).ok());
  EXPECT_FALSE(store_->GetClient("plain")->policy.blocked);
  EXPECT_EQ(store_->GetClientPolicy("plain")->access_token_ttl, 0);
  EXPECT_TRUE(store_->GetClientPolicy(url)->trusted);
}

TEST_P(StoreConformance, RevokingAClientsAccessEndsEveryGrantItHolds) {
  ASSERT_TRUE(CreateClientAndWait(*store_, MakeClient("c1")).ok());
  ASSERT_TRUE(CreateClientAndWait(*store_, MakeClient("c2")).ok());
  ASSERT_TRUE(store_->CreateUser(MakeUser("u1", "alice")).ok());
  ASSERT_TRUE(store_->CreateCode(MakeCode("code", "c1", "u1")).ok());
  ASSERT_TRUE(store_->CreateFamily(MakeFamily("f1", "c1", "u1"), MakeToken("rt1", "j1")).ok());
  ASSERT_TRUE(store_->CreateFamily(MakeFamily("f2", "c2", "u1"), MakeToken("rt2", "j2")).ok());
  EXPECT_EQ(*store_->CountLiveGrants("c1", now_), 1);
  ASSERT_TRUE(store_->RevokeClientAccess("c1", now_).ok());
  EXPECT_EQ(*store_->CountLiveGrants("c1", now_), 0);
  EXPECT_EQ(*store_->CountLiveGrants("c2", now_), 1);  // another client's grant is untouched
  EXPECT_EQ(RedeemCodeAndWait(*store_, "code", now_, nullptr, nullptr)->outcome,
            CodeRedemption::Outcome::kNotFound);
  EXPECT_NE(store_->GetRefreshToken("rt1")->second.revoked_at, 0);
  EXPECT_TRUE(*store_->IsAccessTokenRevoked("j1"));
  EXPECT_FALSE(*store_->IsAccessTokenRevoked("j2"));
}

TEST_P(StoreConformance, OnlyADynamicClientsMetadataIsUpdated) {
  Client dcr = MakeClient("dcr1");
  dcr.registration_token_hash = "token-hash";
  ASSERT_TRUE(CreateClientAndWait(*store_, dcr).ok());
  EXPECT_EQ(store_->GetClient("dcr1")->registration_token_hash, "token-hash");
  Client changed = dcr;
  changed.client_name = "Renamed";
  changed.redirect_uris = {"https://new.example/cb"};
  changed.secret_hash = "must-not-change";
  ASSERT_TRUE(store_->UpdateClientMetadata(changed).ok());
  auto read = store_->GetClient("dcr1");
  EXPECT_EQ(read->client_name, "Renamed");
  EXPECT_EQ(read->redirect_uris, std::vector<std::string>{"https://new.example/cb"});
  EXPECT_EQ(read->secret_hash, dcr.secret_hash);
  Client operator_added = MakeClient("cli1");
  operator_added.source = "cli";
  ASSERT_TRUE(CreateClientAndWait(*store_, operator_added).ok());
  EXPECT_EQ(store_->UpdateClientMetadata(operator_added).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->UpdateClientMetadata(MakeClient("absent")).code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace authgent::storage::testing

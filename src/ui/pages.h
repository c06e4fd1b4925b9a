// ui/pages: the server-rendered HTML pages (login, consent, account, messages). Logic-less mustache
// templates with inline CSS: no JavaScript, readable on a phone, every value HTML-escaped.
#pragma once

#include <string>
#include <vector>

namespace authgent::ui {

struct LoginPage {
  std::string service_name;
  std::string client_name;  // who asks, as the client registered it; empty: the account page
  std::string transaction;  // hidden field carrying the pending authorization
  std::string username;     // pre-filled after a failed attempt
  std::string error;        // a generic message, or empty
};

struct ScopeLine {
  std::string name;
  std::string description;
  std::vector<std::string> tools = {};  // what it unlocks (CONFIG_FILE "tools"), listed under it
  bool required = false;                // consent: shown ticked and cannot be unticked
};

struct ConsentPage {
  std::string service_name;
  std::string user_name;
  std::string client_name;
  std::string client_id;
  std::string redirect_host;
  std::string resource;
  // The scopes asked about, each a checkbox named "allow:SCOPE" (ticked; a required one cannot
  // be unticked), and a field "scopes_shown" that says the form had them. When
  // the client already holds consent for some (step-up), only the added ones are asked about and
  // those already granted are listed apart.
  std::vector<ScopeLine> scopes;
  std::string transaction;
  std::string csrf_token;
  std::string sign_out_token;  // for the "Not you? Sign out" form (POST /oauth/logout)
  // A client ID metadata document's client: the host that vouches for it (its client_id's), shown
  // first; and whether every redirect URI is loopback (any local program could claim it). Empty
  // and false for registered clients.
  std::string client_host;
  bool loopback_only = false;
  std::vector<ScopeLine> granted = {};  // already granted to this client for this resource
};

// GET /oauth/logout for a signed-in browser: who is signed in, and the button that signs out.
struct SignOutPage {
  std::string service_name;
  std::string user_name;
  std::string sign_out_token;
};

// GET /account: the applications holding access to the signed-in user's account.
struct ConnectedApp {
  std::string client_name;
  std::string client_id;
  std::string host;  // the metadata document's host, or where it redirects
  std::string resource;
  std::vector<ScopeLine> scopes;
  std::string granted;    // when first approved, as shown
  std::string last_used;  // as shown
  bool offline = false;   // holds a refresh token: keeps access while the user is away
};

struct AccountPage {
  std::string service_name;
  std::string user_name;
  std::string notice;  // after a revocation, or empty
  std::vector<ConnectedApp> apps;
  std::string csrf_token;      // for the revoke forms
  std::string sign_out_token;  // for the sign-out form (POST /oauth/logout)
};

struct MessagePage {
  std::string service_name;
  std::string title;
  std::string message;
};

// An authorization error for a client whose redirect URI the user has no reason to trust yet
// (RFC 9700 §4.11.2): who asked, where it would send them, and a link they may choose to follow.
struct ClientErrorPage {
  std::string service_name;
  std::string client_name;
  std::string redirect_host;
  std::string message;       // the error's client-safe description
  std::string return_url;    // the error redirect (error, error_description, state, iss)
};

std::string RenderLogin(const LoginPage& page);
std::string RenderClientError(const ClientErrorPage& page);
std::string RenderSignOut(const SignOutPage& page);
std::string RenderConsent(const ConsentPage& page);
std::string RenderMessage(const MessagePage& page);
std::string RenderAccount(const AccountPage& page);

}  // namespace authgent::ui

#include "ui/pages.h"

#include <kainjow/mustache.hpp>

#include <memory>
#include <unordered_map>

namespace authgent::ui {
namespace {

using kainjow::mustache::data;
using kainjow::mustache::mustache;

// One layout: a centred card, system fonts, large tap targets.
constexpr char kLayoutHead[] = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{title}} · {{service_name}}</title>
<style>
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;
background:#f4f5f7;color:#1d2330;font:16px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,
"Helvetica Neue",Arial,sans-serif}
main{width:100%;max-width:420px;margin:24px;background:#fff;border-radius:14px;
box-shadow:0 1px 3px rgba(16,24,40,.1),0 8px 24px rgba(16,24,40,.08);padding:32px 28px;
overflow-wrap:anywhere}
@media (max-width:480px){main{margin:12px;padding:24px 18px}}
.brand{font-weight:600;letter-spacing:.02em;color:#4a5468;font-size:14px;margin-bottom:20px}
h1{font-size:22px;line-height:1.3;margin:0 0 8px}
p{margin:0 0 16px;color:#3b4456}
.muted{color:#6b7385;font-size:14px}
label{display:block;font-weight:600;font-size:14px;margin:14px 0 6px}
input[type=text],input[type=password]{width:100%;padding:12px 14px;font-size:16px;
border:1px solid #c9ced8;border-radius:8px}
input:focus{outline:2px solid #3056d3;border-color:#3056d3}
button{width:100%;padding:13px 16px;font-size:16px;font-weight:600;border-radius:8px;
border:1px solid transparent;cursor:pointer;margin-top:18px}
.primary{background:#3056d3;color:#fff}
.secondary{background:#fff;color:#1d2330;border-color:#c9ced8;margin-top:10px}
.error{background:#fdecec;color:#9b1c1c;border-radius:8px;padding:10px 12px;font-size:14px;
margin-bottom:8px}
ul.scopes{list-style:none;padding:0;margin:8px 0 16px}
ul.scopes>li{padding:10px 12px;border:1px solid #e3e6ec;border-radius:8px;margin-bottom:8px}
ul.scopes code{font-size:13px;color:#4a5468}
label.scope{display:flex;gap:10px;align-items:flex-start;font-weight:400;font-size:16px;margin:0;
cursor:pointer}
label.scope input{width:20px;height:20px;margin:2px 0 0;flex:none}
ul.tools{margin:6px 0 0 30px;padding-left:16px;font-size:14px;color:#3b4456}
ul.granted>li{background:#f7f8fa}
dl{display:grid;grid-template-columns:auto 1fr;gap:4px 12px;font-size:14px;margin:0 0 8px}
dt{color:#6b7385}dd{margin:0;word-break:break-all}
.tag{font-size:12px;color:#6b7385;font-weight:400}
.identity{font-size:18px;margin:0 0 4px}
.notice{background:#e8f5ec;color:#1b5e35;border-radius:8px;padding:10px 12px;font-size:14px;
margin-bottom:16px}
ul.apps{list-style:none;padding:0;margin:8px 0 16px}
ul.apps>li{padding:14px;border:1px solid #e3e6ec;border-radius:10px;margin-bottom:12px}
ul.apps h2{font-size:17px;margin:0 0 6px;overflow-wrap:anywhere}
ul.apps ul{margin:4px 0 10px;padding-left:20px;font-size:14px}
ul.apps ul li{margin-bottom:4px}
ul.apps button{margin-top:6px}
button.link{width:auto;padding:0;margin:0;border:0;background:none;color:#3056d3;font-weight:400;
font-size:inherit;text-decoration:underline}
</style></head><body><main><div class="brand">{{service_name}}</div>
)";
constexpr char kLayoutFoot[] = "</main></body></html>\n";

constexpr char kLogin[] = R"(<h1>Sign in</h1>
{{#client_name}}<p>to continue to <strong>{{client_name}}</strong> <span class="tag">(name supplied by the application)</span></p>
{{/client_name}}{{^client_name}}<p>to see and manage the applications connected to your account</p>
{{/client_name}}{{#error}}<div class="error" role="alert">{{error}}</div>{{/error}}
<form method="post" action="/oauth/login">
<input type="hidden" name="txn" value="{{transaction}}">
<label for="username">Username</label>
<input type="text" id="username" name="username" value="{{username}}" autocomplete="username" autocapitalize="none" required autofocus>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit" class="primary">Sign in</button>
</form>
)";

constexpr char kConsent[] =
    R"({{#client_host}}<p class="identity"><strong>{{client_host}}</strong> wants to access your account</p>
{{/client_host}}<h1>Allow {{client_name}} <span class="tag">(name supplied by the application)</span> to access your account?</h1>
<p class="muted">Signed in as {{user_name}}</p>
<dl>
<dt>Redirects to</dt><dd>{{redirect_host}}</dd>
<dt>Resource</dt><dd>{{resource}}</dd>
<dt>Client ID</dt><dd>{{client_id}}</dd>
</dl>
{{#loopback_only}}<div class="error" role="alert">This application returns only to addresses on your own computer, so any program on it could present itself as {{client_host}}. Allow it only if you started this yourself from a program you trust.</div>
{{/loopback_only}}{{#has_granted}}<p>It can already:</p>
<ul class="scopes granted">{{#granted}}<li>{{description}}<br><code>{{name}}</code>{{#has_tools}}<ul class="tools">{{#tools}}<li>{{.}}</li>{{/tools}}</ul>{{/has_tools}}</li>{{/granted}}</ul>
<p>It asks for more. It will also be able to:</p>
{{/has_granted}}{{^has_granted}}<p>It will be able to:</p>
{{/has_granted}}<form method="post" action="/oauth/consent">
<ul class="scopes">{{#scopes}}<li><label class="scope"><input type="checkbox" name="allow:{{name}}" value="1" checked{{#required}} disabled{{/required}}><span>{{description}}{{#required}} <span class="tag">(required)</span>{{/required}}<br><code>{{name}}</code></span></label>{{#has_tools}}<ul class="tools">{{#tools}}<li>{{.}}</li>{{/tools}}</ul>{{/has_tools}}</li>{{/scopes}}</ul>
{{#granted}}<input type="hidden" name="allow:{{name}}" value="1">
{{/granted}}<input type="hidden" name="scopes_shown" value="1">
<p class="muted">Untick what you do not want to allow. Only allow applications you trust. You are sent back to {{redirect_host}} either way.</p>
<input type="hidden" name="txn" value="{{transaction}}">
<input type="hidden" name="csrf_token" value="{{csrf_token}}">
<button type="submit" name="decision" value="approve" class="primary">Allow</button>
<button type="submit" name="decision" value="deny" class="secondary">Deny</button>
</form>
<form method="post" action="/oauth/logout">
<input type="hidden" name="txn" value="{{transaction}}">
<input type="hidden" name="csrf_token" value="{{sign_out_token}}">
<p class="muted">Not {{user_name}}? <button type="submit" class="link">Sign out</button></p>
</form>
)";

constexpr char kSignOut[] = R"(<h1>Sign out</h1>
<p>Signed in as <strong>{{user_name}}</strong>.</p>
<form method="post" action="/oauth/logout">
<input type="hidden" name="csrf_token" value="{{sign_out_token}}">
<button type="submit" class="primary">Sign out</button>
</form>
)";

constexpr char kClientError[] = R"(<h1>This request could not be completed</h1>
<p><strong>{{client_name}}</strong> <span class="tag">(name supplied by the application)</span> asked for access, but its request is invalid:</p>
<div class="error" role="alert">{{message}}</div>
<dl>
<dt>Redirects to</dt><dd>{{redirect_host}}</dd>
</dl>
<p class="muted">You were not sent back automatically because you have not approved this application before. Continue only if you started this and trust {{redirect_host}}.</p>
<p><a href="{{return_url}}" rel="noreferrer">Return to {{redirect_host}}</a></p>
)";

constexpr char kAccount[] = R"(<h1>Connected applications</h1>
<p class="muted">Signed in as {{user_name}}</p>
{{#notice}}<div class="notice" role="status">{{notice}}</div>
{{/notice}}{{^apps}}<p>No application has access to your account.</p>
{{/apps}}{{#has_apps}}<p>These applications can act on your behalf. Revoking one ends its access at once; it must ask you again to come back.</p>
<ul class="apps">{{#apps}}<li>
<h2>{{client_name}} <span class="tag">(name supplied by the application)</span></h2>
<dl>
<dt>Host</dt><dd>{{host}}</dd>
<dt>Resource</dt><dd>{{resource}}</dd>
<dt>Client ID</dt><dd>{{client_id}}</dd>
<dt>Allowed</dt><dd>{{granted}}</dd>
<dt>Last used</dt><dd>{{last_used}}</dd>
<dt>Offline</dt><dd>{{#offline}}Yes: keeps access while you are away{{/offline}}{{^offline}}No{{/offline}}</dd>
</dl>
<p class="muted">It can:</p>
<ul>{{#scopes}}<li>{{description}} <code>{{name}}</code></li>{{/scopes}}</ul>
<form method="post" action="/account/revoke">
<input type="hidden" name="csrf_token" value="{{csrf_token}}">
<input type="hidden" name="client_id" value="{{client_id}}">
<input type="hidden" name="resource" value="{{resource}}">
<button type="submit" class="secondary">Revoke access</button>
</form>
</li>{{/apps}}</ul>
<form method="post" action="/account/revoke-all">
<input type="hidden" name="csrf_token" value="{{csrf_token}}">
<button type="submit" class="secondary">Revoke all</button>
</form>
{{/has_apps}}<form method="post" action="/oauth/logout">
<input type="hidden" name="csrf_token" value="{{sign_out_token}}">
<button type="submit" class="primary">Sign out</button>
</form>
)";

constexpr char kMessage[] = R"(<h1>{{title}}</h1>
<p>{{message}}</p>
)";

std::string Render(const char* body, data& d) {
  // Parsing a page costs more than rendering it (measured: 10% of the server's CPU in a whole
  // first-connection flow), so each page is parsed once per thread and kept. Per thread, because
  // render() is not const: the parsed tree is not documented as safe to share.
  thread_local std::unordered_map<const char*, std::unique_ptr<mustache>> parsed;
  std::unique_ptr<mustache>& page = parsed[body];
  if (!page) page = std::make_unique<mustache>(std::string(kLayoutHead) + body + kLayoutFoot);
  return page->render(d);
}

data ScopeList(const std::vector<ScopeLine>& lines) {
  data scopes{data::type::list};
  for (const ScopeLine& s : lines) {
    data item;
    item.set("name", s.name);
    item.set("description", s.description);
    if (s.required) item.set("required", data::type::bool_true);
    if (!s.tools.empty()) {
      data tools{data::type::list};
      for (const std::string& t : s.tools) tools.push_back(data(t));
      item.set("tools", tools);
      item.set("has_tools", data::type::bool_true);
    }
    scopes.push_back(item);
  }
  return scopes;
}

}  // namespace

std::string RenderLogin(const LoginPage& p) {
  data d;
  d.set("title", "Sign in");
  d.set("service_name", p.service_name);
  if (!p.client_name.empty()) d.set("client_name", p.client_name);
  d.set("transaction", p.transaction);
  d.set("username", p.username);
  if (!p.error.empty()) d.set("error", p.error);
  return Render(kLogin, d);
}

std::string RenderConsent(const ConsentPage& p) {
  data d;
  d.set("title", "Allow access");
  d.set("service_name", p.service_name);
  d.set("user_name", p.user_name);
  d.set("client_name", p.client_name);
  d.set("client_id", p.client_id);
  d.set("redirect_host", p.redirect_host);
  if (!p.client_host.empty()) d.set("client_host", p.client_host);
  if (p.loopback_only) d.set("loopback_only", data::type::bool_true);
  d.set("resource", p.resource);
  d.set("transaction", p.transaction);
  d.set("csrf_token", p.csrf_token);
  d.set("sign_out_token", p.sign_out_token);
  d.set("scopes", ScopeList(p.scopes));
  d.set("granted", ScopeList(p.granted));
  if (!p.granted.empty()) d.set("has_granted", data::type::bool_true);
  return Render(kConsent, d);
}

std::string RenderClientError(const ClientErrorPage& p) {
  data d;
  d.set("title", "Request not completed");
  d.set("service_name", p.service_name);
  d.set("client_name", p.client_name);
  d.set("redirect_host", p.redirect_host);
  d.set("message", p.message);
  d.set("return_url", p.return_url);
  return Render(kClientError, d);
}

std::string RenderSignOut(const SignOutPage& p) {
  data d;
  d.set("title", "Sign out");
  d.set("service_name", p.service_name);
  d.set("user_name", p.user_name);
  d.set("sign_out_token", p.sign_out_token);
  return Render(kSignOut, d);
}

std::string RenderAccount(const AccountPage& p) {
  data d;
  d.set("title", "Connected applications");
  d.set("service_name", p.service_name);
  d.set("user_name", p.user_name);
  if (!p.notice.empty()) d.set("notice", p.notice);
  d.set("csrf_token", p.csrf_token);
  d.set("sign_out_token", p.sign_out_token);
  data apps{data::type::list};
  for (const ConnectedApp& a : p.apps) {
    data item;
    item.set("client_name", a.client_name);
    item.set("client_id", a.client_id);
    item.set("host", a.host);
    item.set("resource", a.resource);
    item.set("granted", a.granted);
    item.set("last_used", a.last_used);
    if (a.offline) item.set("offline", data::type::bool_true);
    item.set("scopes", ScopeList(a.scopes));
    apps.push_back(item);
  }
  d.set("apps", apps);
  if (!p.apps.empty()) d.set("has_apps", data::type::bool_true);
  return Render(kAccount, d);
}

std::string RenderMessage(const MessagePage& p) {
  data d;
  d.set("title", p.title);
  d.set("service_name", p.service_name);
  d.set("message", p.message);
  return Render(kMessage, d);
}

}  // namespace authgent::ui

// An OAuthClientProvider for the MCP TypeScript SDK that keeps everything in memory, as a
// command-line MCP client would keep it in a file: what the SDK saves is what it reads back.
// `clientMetadataUrl` (optional) is the client's metadata document: the SDK uses it as the client
// ID when the server advertises client_id_metadata_document_supported, and registers otherwise.
export class MemoryProvider {
  constructor({ callback, clientName, state, clientMetadataUrl }) {
    this.callback = callback;
    this.clientMetadataUrl = clientMetadataUrl;
    this.clientName = clientName;
    this.fixedState = state;
    this.saved = {};
    this.authorizationUrl = undefined;
  }
  get redirectUrl() { return this.callback; }
  get clientMetadata() {
    return { client_name: this.clientName, redirect_uris: [this.callback],
      grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'],
      token_endpoint_auth_method: 'none', application_type: 'native' };
  }
  state() { return this.fixedState ?? 'e2e-state'; }
  clientInformation() { return this.saved.client; }
  saveClientInformation(info) { this.saved.client = info; }
  tokens() { return this.saved.tokens; }
  saveTokens(tokens) { this.saved.tokens = tokens; }
  redirectToAuthorization(url) { this.authorizationUrl = url; }
  saveCodeVerifier(v) { this.saved.verifier = v; }
  codeVerifier() { return this.saved.verifier; }
}

// A real OpenID provider for Kring's sign-on tests: the certified `oidc-provider` package with its
// own login and consent pages (devInteractions), one confidential client, and the signing key the
// test hands it, so a test can also sign a token with the provider's own key.
//
// node provider.mjs CONFIG.json  (CONFIG: port, issuer, client_id, client_secret, redirect_uri,
// post_logout_redirect_uri, signing_key (a private JWK), accounts {id: claims}, id_token_ttl)
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));

function claimsOf(accountId) {
  const given = config.accounts[accountId] ?? {};
  return {
    sub: accountId,
    email: `${accountId}@rivierenland.example`,
    email_verified: true,
    name: accountId,
    ...given,
  };
}

const provider = new Provider(config.issuer, {
  clients: [{
    client_id: config.client_id,
    client_secret: config.client_secret,
    redirect_uris: [config.redirect_uri],
    post_logout_redirect_uris: [config.post_logout_redirect_uri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [config.signing_key] },
  cookies: { keys: ['kring-test-provider-cookie-key'] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'team', 'functie'],
  },
  // Entra ID, Google and Keycloak put the profile claims in the ID token; so does this provider.
  conformIdTokenClaims: false,
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  pkce: { required: () => true },
  ttl: { IdToken: config.id_token_ttl ?? 3600 },
  async findAccount(ctx, id) {
    return { accountId: id, async claims() { return claimsOf(id); } };
  },
});

provider.listen(config.port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${config.issuer}`);
});

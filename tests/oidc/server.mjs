// A real OpenID Provider for the OAuth tests: panva's oidc-provider on 127.0.0.1 only.
// usage: node server.mjs PORT   (prints "ready <issuer>" once listening)
// Environment (optional): WB_OIDC_CLIENT_JWKS, the public JWK set of the test clients that sign
// (private_key_jwt, the JWT bearer grant); WB_OIDC_TLS_CERT/KEY/CA (PEM files), an https
// listener for mutual TLS whose URLs the metadata names as mtls_endpoint_aliases.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import * as jose from 'jose';
import Provider, { errors } from 'oidc-provider';

const PORT = Number(process.argv[2] || 0);
const ISSUER = `http://127.0.0.1:${PORT}`;
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const CLIENT_JWKS = JSON.parse(process.env.WB_OIDC_CLIENT_JWKS || '{"keys":[]}');
const TLS = process.env.WB_OIDC_TLS_CERT ? {
  cert: readFileSync(process.env.WB_OIDC_TLS_CERT), key: readFileSync(process.env.WB_OIDC_TLS_KEY),
  ca: readFileSync(process.env.WB_OIDC_TLS_CA),
} : null;
const MTLS_PORT = Number(process.env.WB_OIDC_MTLS_PORT || 0);
const MTLS_BASE = `https://127.0.0.1:${MTLS_PORT}`;
const native = {
  grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
  response_types: ['code'],
  application_type: 'native', // loopback redirects on any port (RFC 8252)
  redirect_uris: ['http://127.0.0.1/callback', 'https://app.example.test/oauth/callback'],
  scope: 'openid offline_access api:read',
};
const machine = { grant_types: ['client_credentials'], response_types: [], redirect_uris: [],
  scope: 'api:read' };
const signing = CLIENT_JWKS.keys.length ? [
  { ...native, client_id: 'workbench-pkjwt', token_endpoint_auth_method: 'private_key_jwt',
    jwks: CLIENT_JWKS },
  { ...machine, client_id: 'workbench-bearer', token_endpoint_auth_method: 'none',
    grant_types: [JWT_BEARER], jwks: CLIENT_JWKS },
] : [];
const mtls = TLS ? [
  { ...machine, client_id: 'workbench-mtls', token_endpoint_auth_method: 'tls_client_auth',
    tls_client_auth_subject_dn: 'CN=workbench-client',
    tls_client_certificate_bound_access_tokens: true },
  ...(process.env.WB_OIDC_SELF_SIGNED_JWKS ? [{ ...machine, client_id: 'workbench-mtls-self',
    token_endpoint_auth_method: 'self_signed_tls_client_auth',
    jwks: JSON.parse(process.env.WB_OIDC_SELF_SIGNED_JWKS),
    tls_client_certificate_bound_access_tokens: true }] : []),
] : [];

const provider = new Provider(ISSUER, {
  clients: [
    { ...native, client_id: 'workbench', client_secret: 'workbench-secret',
      token_endpoint_auth_method: 'client_secret_basic' },
    { ...native, client_id: 'workbench-post', client_secret: 'workbench-post-secret',
      token_endpoint_auth_method: 'client_secret_post' },
    { ...native, client_id: 'workbench-device', client_secret: 'workbench-device-secret',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'] },
    { ...native, client_id: 'workbench-public', token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token',
        'urn:ietf:params:oauth:grant-type:device_code'] },
    { ...native, client_id: 'workbench-csjwt', token_endpoint_auth_method: 'client_secret_jwt',
      client_secret: 'workbench-csjwt-secret-that-is-long-enough-for-hs256' },
    { ...native, client_id: 'workbench-dpop', client_secret: 'workbench-dpop-secret',
      token_endpoint_auth_method: 'client_secret_basic', dpop_bound_access_tokens: true },
    { ...machine, client_id: 'workbench-legacy', client_secret: 'workbench-legacy-secret',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials', 'password'] },
    ...signing, ...mtls,
  ],
  scopes: ['openid', 'offline_access', 'api:read'],
  features: {
    devInteractions: { enabled: true }, // login page that accepts any login, then consent
    clientCredentials: { enabled: true },
    deviceFlow: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    dPoP: { enabled: true, nonceSecret: Buffer.alloc(32, 7), requireNonce: () => true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => undefined,
      useGrantedResource: () => false,
      getResourceServerInfo: (ctx, resource) => {
        if (!resource.startsWith('http://127.0.0.1') && !resource.startsWith('https://api.')) {
          throw new errors.InvalidTarget(`unknown resource ${resource}`);
        }
        return { scope: 'api:read', audience: resource, accessTokenFormat: 'jwt',
          accessTokenTTL: 600, jwt: { sign: { alg: 'RS256' } } };
      },
    },
    mTLS: {
      enabled: Boolean(TLS),
      certificateBoundAccessTokens: true,
      tlsClientAuth: true,
      selfSignedTlsClientAuth: true,
      getCertificate: (ctx) => {
        const peer = ctx.socket.getPeerCertificate?.(false);
        return peer && peer.raw ? new X509Certificate(peer.raw) : undefined;
      },
      certificateAuthorized: (ctx) => ctx.socket.authorized === true,
      certificateSubjectMatches: (ctx, property, expected) => {
        const peer = ctx.socket.getPeerCertificate(false);
        return property === 'tls_client_auth_subject_dn' && `CN=${peer.subject.CN}` === expected;
      },
    },
  },
  clientAuthMethods: ['none', 'client_secret_basic', 'client_secret_post', 'client_secret_jwt',
    'private_key_jwt', ...(TLS ? ['tls_client_auth', 'self_signed_tls_client_auth'] : [])],
  discovery: TLS ? { mtls_endpoint_aliases: { token_endpoint: `${MTLS_BASE}/token`,
    introspection_endpoint: `${MTLS_BASE}/token/introspection`,
    revocation_endpoint: `${MTLS_BASE}/token/revocation` } } : {},
  pkce: { required: () => true },
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  findAccount: async (ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
  cookies: { keys: ['test-cookie-key-not-a-secret'] },
  ttl: { AccessToken: 3600, ClientCredentials: 600, RefreshToken: 86400, DeviceCode: 600 },
});
provider.proxy = false;

// Grants oidc-provider does not ship, layered on it the way its docs show (registerGrantType):
// the legacy password grant (password "correct-horse" for any user) and the JWT bearer grant
// (RFC 7523 §2.1: the assertion verified with the client's registered keys, aud = issuer or
// token endpoint, exp required, jti single-use). Both issue client-credentials tokens.
const seenJti = new Set();
async function issue(ctx, scope) {
  const token = new provider.ClientCredentials({ client: ctx.oidc.client, scope });
  const value = await token.save();
  ctx.body = { access_token: value, token_type: 'Bearer', expires_in: token.expiration,
    scope };
}
provider.registerGrantType('password', async (ctx) => {
  const { username, password } = ctx.oidc.params;
  if (!username || password !== 'correct-horse') {
    throw new errors.InvalidGrant('invalid resource owner credentials');
  }
  await issue(ctx, 'api:read');
}, ['username', 'password', 'scope']);
provider.registerGrantType(JWT_BEARER, async (ctx) => {
  let payload;
  try {
    ({ payload } = await jose.jwtVerify(ctx.oidc.params.assertion,
      jose.createLocalJWKSet(CLIENT_JWKS), { audience: [ISSUER, `${ISSUER}/token`],
        requiredClaims: ['exp', 'iss', 'sub', 'jti'], clockTolerance: 5 }));
  } catch (error) {
    throw new errors.InvalidGrant(`assertion rejected: ${error.code || error.message}`);
  }
  if (seenJti.has(payload.jti)) throw new errors.InvalidGrant('assertion jti already used');
  seenJti.add(payload.jti);
  await issue(ctx, 'api:read');
}, ['assertion', 'scope']);

const server = provider.listen(PORT, '127.0.0.1', () => {
  if (!TLS) { console.log(`ready ${ISSUER}`); return; }
  https.createServer({ ...TLS, requestCert: true, rejectUnauthorized: false },
    provider.callback()).listen(MTLS_PORT, '127.0.0.1', () => console.log(`ready ${ISSUER}`));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

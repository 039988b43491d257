// A real OpenID Provider for the OAuth tests: panva's oidc-provider on 127.0.0.1 only.
// usage: node server.mjs PORT   (prints "ready <issuer>" once listening)
import Provider from 'oidc-provider';

const PORT = Number(process.argv[2] || 0);
const ISSUER = `http://127.0.0.1:${PORT}`;
const native = {
  grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
  response_types: ['code'],
  application_type: 'native', // loopback redirects on any port (RFC 8252)
  redirect_uris: ['http://127.0.0.1/callback', 'https://app.example.test/oauth/callback'],
  scope: 'openid offline_access api:read',
};

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
  ],
  scopes: ['openid', 'offline_access', 'api:read'],
  features: {
    devInteractions: { enabled: true }, // login page that accepts any login, then consent
    clientCredentials: { enabled: true },
    deviceFlow: { enabled: true },
  },
  pkce: { required: () => true },
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  findAccount: async (ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
  cookies: { keys: ['test-cookie-key-not-a-secret'] },
  ttl: { AccessToken: 3600, ClientCredentials: 600, RefreshToken: 86400, DeviceCode: 600 },
});
provider.proxy = false;
const server = provider.listen(PORT, '127.0.0.1', () => {
  console.log(`ready ${ISSUER}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

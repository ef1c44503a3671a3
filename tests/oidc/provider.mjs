// The city's 统一身份认证 as the tests see it: a real OpenID Connect provider (the certified `oidc-provider`
// package) on loopback. Its development sign-in page takes any login name (the password is not checked);
// the accounts' claims come from OIDC_ACCOUNTS (JSON {login: {name, groups}}), and a login not listed there
// is still a valid provider user, so the app's handling of users unknown locally can be tested.
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT || 0);
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS || '{}');
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.OIDC_CLIENT_ID,
    client_secret: process.env.OIDC_CLIENT_SECRET,
    redirect_uris: process.env.OIDC_REDIRECT_URIS.split(','),
    post_logout_redirect_uris: process.env.OIDC_LOGOUT_URIS.split(','),
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  claims: { openid: ['sub'], profile: ['name', 'preferred_username', 'groups'] },
  scopes: ['openid', 'profile'],
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  async findAccount(ctx, id) {
    const known = accounts[id] || {};
    return {
      accountId: id,
      async claims() {
        return { sub: id, preferred_username: id, name: known.name || id, groups: known.groups || [] };
      },
    };
  },
  // First-party client: the city's own system needs no consent screen, the grant is made at sign-in.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid profile');
    grant.addOIDCClaims(['sub', 'name', 'preferred_username', 'groups']);
    await grant.save();
    return grant;
  },
});

const server = provider.listen(port, '127.0.0.1', () => {
  process.stdout.write(`ready ${issuer}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

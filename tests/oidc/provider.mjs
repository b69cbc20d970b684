// A real OpenID Connect provider for the hub's OAuth login test (tests/browser/test_hub_oidc.py):
// npm's oidc-provider (a certified OpenID Provider implementation, from the project's
// package.json devDependencies) on 127.0.0.1, laid out as Keycloak lays out a realm, so
// docs/deployment.md's example needs only its host put in for the test's.
//
//   node tests/oidc/provider.mjs PORT SETUP.json
//
// SETUP.json: {"client": {"id", "secret", "redirect_uri"}, "accounts": {"name": {"password", "groups": []}}}.
// The login page checks the password (oidc-provider's own devInteractions take any); consent is
// given for the one client (a region's own application needs none). Every account has the claims
// sub, preferred_username and groups (the scope "groups"), in the userinfo answer.
import http from 'node:http';
import { generateKeyPairSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

import Provider from 'oidc-provider';

const [port, setupFile] = process.argv.slice(2);
const setup = JSON.parse(readFileSync(setupFile, 'utf8'));
const REALM = '/realms/region/protocol/openid-connect';
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

const provider = new Provider(`http://127.0.0.1:${port}/realms/region`, {
  clients: [{
    client_id: setup.client.id,
    client_secret: setup.client.secret,
    redirect_uris: [setup.client.redirect_uri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post', // oauthenticator's default (basic_auth = False)
  }],
  routes: { authorization: `${REALM}/auth`, token: `${REALM}/token`, userinfo: `${REALM}/userinfo`,
            jwks: `${REALM}/certs`, end_session: `${REALM}/logout` },
  scopes: ['openid', 'profile', 'groups'],
  claims: { openid: ['sub'], profile: ['preferred_username'], groups: ['groups'] },
  findAccount: (ctx, id) => (Object.hasOwn(setup.accounts, id) ? {
    accountId: id,
    claims: () => ({ sub: id, preferred_username: id, groups: setup.accounts[id].groups }),
  } : undefined),
  features: { devInteractions: { enabled: false } },
  jwks: { keys: [privateKey.export({ format: 'jwk' })] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
});

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(res, uid, { name = '', refused = false } = {}) {
  res.writeHead(refused ? 401 : 200, { 'Content-Type': 'text/html; charset=utf-8' });
  res.end(`<!DOCTYPE html><html lang="en"><title>Region login</title>
<h1>Region login</h1>${refused ? '<p id="refused">Invalid username or password.</p>' : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<input name="username" value="${escape(name)}" autocomplete="username">
<input name="password" type="password" autocomplete="current-password">
<button id="kc-login" type="submit">Sign in</button></form>`);
}

function passwordIsRight(name, password) {
  const account = Object.hasOwn(setup.accounts, name) ? setup.accounts[name] : null;
  const want = Buffer.from(account ? account.password : randomBytes(16).toString('hex'));
  const got = Buffer.from(password ?? '');
  return Boolean(account) && got.length === want.length && timingSafeEqual(got, want);
}

async function formBody(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === 'login' && action === 'login' && req.method === 'POST') {
    const form = await formBody(req);
    if (!passwordIsRight(form.get('username'), form.get('password'))) {
      loginPage(res, uid, { name: form.get('username'), refused: true });
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: form.get('username') } },
                                       { mergeWithLastSubmission: false });
  } else if (details.prompt.name === 'login') {
    loginPage(res, uid);
  } else { // consent: the region's own application is granted what it asked for
    const grant = new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
    const missing = details.prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } },
                                       { mergeWithLastSubmission: true });
  }
}

const handle = provider.callback();
http.createServer((req, res) => {
  const match = /^\/interaction\/([\w-]+)(?:\/(login))?$/.exec(new URL(req.url, 'http://x').pathname);
  if (!match) {
    handle(req, res);
    return;
  }
  interaction(req, res, match[1], match[2]).catch((err) => {
    console.error(err);
    res.writeHead(400, { 'Content-Type': 'text/plain' });
    res.end(`interaction failed: ${err.message}`);
  });
}).listen(Number(port), '127.0.0.1', () => console.log(`provider listening on ${port}`));

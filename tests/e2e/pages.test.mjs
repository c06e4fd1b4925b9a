// authgent's pages in headless Chromium, at a desktop and a phone width: login, consent, an error
// page, the account page (connected applications, revoke, sign out) and its own sign-in. Each
// page is saved as a screenshot in tests/e2e/artifacts/ (pages-<width>-<page>.png) and checked
// for overflow: nothing may be wider than the viewport, even with a long unbroken application
// name and a long client ID and resource. Revoking on the account page is then checked where it
// matters: the client's refresh token is refused.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { ARTIFACTS, launchBrowser } from './lib/browser.mjs';
import { PASSWORD, USERNAME, startAuthgent } from './lib/authgent.mjs';

const RESOURCE = 'http://127.0.0.1:65531/mcp/a-rather-long-path/that-names/one-tenant-of-many/and-its-workspace';
let REDIRECT;  // on a server of this test's, which answers "done"
const LONG_NAME = 'Agent-with-a-very-long-name-and-no-spaces-at-all-WWWWWWWWWWWWWWWWWWWWWWWWWWWW';
const WIDTHS = {
  desktop: { viewport: { width: 1280, height: 800 } },
  phone: { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true },
};

let authgent;
let browser;
let callbacks;

before(async () => {
  callbacks = createServer((req, res) => res.end('done'));
  await new Promise((ok) => callbacks.listen(0, '127.0.0.1', ok));
  REDIRECT = `http://127.0.0.1:${callbacks.address().port}/callback/with/a/long/path/for/the/redirect-uri`;
  // The tools each scope unlocks, shown at consent; mcp:read cannot be unticked.
  const config = join(mkdtempSync(join(tmpdir(), 'authgent-e2e-pages-')), 'config.json');
  writeFileSync(config, JSON.stringify({ resources: [{ uri: RESOURCE, scopes: ['mcp:read', 'mcp:write'],
    required_scopes: ['mcp:read'],
    tools: { 'mcp:read': ['read_notes', 'search_notes'], 'mcp:write': ['add_note', 'delete_note'] } }] }));
  authgent = await startAuthgent({ RESOURCES: RESOURCE, CONFIG_FILE: config });
  browser = await launchBrowser();
  mkdirSync(ARTIFACTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  await authgent?.stop();
  callbacks?.close();
});

async function register() {
  const response = await fetch(`${authgent.issuer}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: LONG_NAME, redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'none' }),
  });
  assert.equal(response.status, 201);
  return (await response.json()).client_id;
}

// The elements wider than the viewport or reaching past its right edge, as "tag.class: width".
async function overflowing(page) {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const out = [];
    if (document.documentElement.scrollWidth > width) out.push(`document: ${document.documentElement.scrollWidth}`);
    for (const e of document.querySelectorAll('body *')) {
      const r = e.getBoundingClientRect();
      if (r.width > 0 && r.right > width + 0.5) out.push(`${e.tagName.toLowerCase()}.${e.className}: ${Math.round(r.right)} > ${width}`);
    }
    return out;
  });
}

async function shoot(page, width, name) {
  await page.screenshot({ path: join(ARTIFACTS, `pages-${width}-${name}.png`), fullPage: true });
  assert.deepEqual(await overflowing(page), [], `${name} at ${width} overflows`);
}

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

for (const [width, device] of Object.entries(WIDTHS)) {
  test(`login, consent, error and account pages at ${width} width`, async () => {
    const clientId = await register();
    const { verifier, challenge } = pkce();
    const context = await browser.newContext(device);
    const page = await context.newPage();
    const authorize = new URL(`${authgent.issuer}/oauth/authorize`);
    authorize.search = new URLSearchParams({ response_type: 'code', client_id: clientId,
      redirect_uri: REDIRECT, code_challenge: challenge, code_challenge_method: 'S256',
      scope: 'mcp:read mcp:write', resource: RESOURCE, state: 's1' }).toString();

    await page.goto(authorize.href);
    await shoot(page, width, 'login');
    await page.fill('input[name="username"]', USERNAME);
    await page.fill('input[name="password"]', PASSWORD);
    await Promise.all([page.waitForURL(/\/oauth\/consent/), page.click('button[type="submit"]')]);
    await shoot(page, width, 'consent');
    for (const tool of ['read_notes', 'search_notes', 'add_note', 'delete_note']) {
      assert.equal(await page.locator('ul.tools li', { hasText: tool }).count(), 1, tool);
    }
    assert.equal(await page.locator('input[name="allow:mcp:read"]').isDisabled(), true);
    assert.equal(await page.locator('input[name="allow:mcp:write"]').isChecked(), true);
    await Promise.all([
      page.waitForURL((url) => url.href.startsWith(REDIRECT)),
      page.click('button[name="decision"][value="approve"]'),
    ]);
    const code = new URL(page.url()).searchParams.get('code');
    const exchanged = await fetch(`${authgent.issuer}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, client_id: clientId,
        redirect_uri: REDIRECT, code_verifier: verifier }),
    });
    assert.equal(exchanged.status, 200);
    const tokens = await exchanged.json();

    await page.goto(`${authgent.issuer}/oauth/authorize?client_id=nobody`);
    assert.equal(await page.locator('h1').innerText(), "This application's request is invalid");
    await shoot(page, width, 'error');

    await page.goto(`${authgent.issuer}/account`);
    const app = page.locator('ul.apps > li', { hasText: clientId });
    assert.equal(await app.count(), 1);
    assert.match(await app.innerText(), /Yes: keeps access while you are away/);
    assert.match(await app.innerText(), /mcp:write/);
    await shoot(page, width, 'account');

    await Promise.all([page.waitForURL(/revoked=one/), app.getByRole('button', { name: 'Revoke access' }).click()]);
    assert.match(await page.locator('[role="status"]').innerText(), /Access revoked/);
    assert.equal(await page.locator('ul.apps > li', { hasText: clientId }).count(), 0);
    await shoot(page, width, 'account-revoked');
    const refused = await fetch(`${authgent.issuer}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token,
        client_id: clientId }),
    });
    assert.equal(refused.status, 400);
    assert.equal((await refused.json()).error, 'invalid_grant');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForLoadState('load');
    assert.match(await page.locator('h1').innerText(), /You are signed out/);
    await shoot(page, width, 'signed-out');
    await context.close();
  });
}

test('the account page signs a new browser in and back to the page, on a phone', async () => {
  const context = await browser.newContext(WIDTHS.phone);
  const page = await context.newPage();
  await page.goto(`${authgent.issuer}/account`);
  assert.match(await page.locator('main').innerText(), /to see and manage the applications connected to your account/);
  await shoot(page, 'phone', 'account-login');
  await page.fill('input[name="username"]', USERNAME);
  await page.fill('input[name="password"]', PASSWORD);
  await Promise.all([page.waitForURL(/\/account$/), page.click('button[type="submit"]')]);
  assert.match(await page.locator('h1').innerText(), /Connected applications/);
  assert.match(await page.locator('main').innerText(), new RegExp(`Signed in as ${USERNAME}`));
  await context.close();
});

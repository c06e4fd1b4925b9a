// Headless Chromium (Debian's package) driven by playwright-core: signs in on authgent's login
// page and answers its consent page, as a person would, saving screenshots of both.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

import { PASSWORD, USERNAME } from './authgent.mjs';

export const ARTIFACTS = resolve(import.meta.dirname, '../artifacts');

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    // As root in CI, and with no network beyond this machine: keep Chromium from phoning home.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// Opens `authorizeUrl`, logs in if asked, approves (or denies) consent, and returns the URL the
// browser was finally sent to (which starts with `callbackPrefix`). When `intercept` is true the
// callback is answered here instead of by a real server. `username` and `password` sign in
// (default: the user startAuthgent creates). `onConsent(page)`, when given, looks at the consent
// page before the decision.
export async function authorizeInBrowser(browser, authorizeUrl, {
  callbackPrefix, decision = 'approve', intercept = true, screenshotPrefix = 'flow',
  username = USERNAME, password = PASSWORD, onConsent,
}) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const context = await browser.newContext();
  const page = await context.newPage();
  let finalUrl;
  const reached = new Promise((ok) => {
    page.on('request', (request) => {
      if (request.url().startsWith(callbackPrefix)) { finalUrl = request.url(); ok(finalUrl); }
    });
  });
  if (intercept) {
    await page.route(`${callbackPrefix}**`, (route) => route.fulfill({ status: 200, body: 'done' }));
  }
  await page.goto(authorizeUrl);
  if (await page.locator('input[name="password"]').count() > 0) {
    await page.screenshot({ path: join(ARTIFACTS, `${screenshotPrefix}-login.png`), fullPage: true });
    await page.fill('input[name="username"]', username);
    await page.fill('input[name="password"]', password);
    await Promise.all([page.waitForLoadState('load'), page.click('button[type="submit"]')]);
  }
  const consent = page.locator(`button[name="decision"][value="${decision}"]`);
  if (await consent.count() > 0) {
    await page.screenshot({ path: join(ARTIFACTS, `${screenshotPrefix}-consent.png`), fullPage: true });
    if (onConsent) await onConsent(page);
    await consent.click();
  }
  let timer;
  const url = await Promise.race([
    reached,
    new Promise((_, fail) => { timer = setTimeout(() => fail(new Error(`no callback; at ${page.url()}`)), 20000); }),
  ]).finally(() => clearTimeout(timer));
  await context.close();
  return url;
}

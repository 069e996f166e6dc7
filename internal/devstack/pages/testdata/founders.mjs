// The founders' flow by clicking, in Chromium (playwright-core with the
// system's chromium, never a browser download), run by browser_test.go
// against the pages of a running local stack:
//
//   Kari starts the signing step of instance A, finds the call to sign in
//   her inbox, signs, and signs for the company; Ola finds his and signs;
//   Kari submits; each one's inbox shows the receipt. Kari starts instance
//   B and rejects it with a reason; Ola's inbox tells him why. A person
//   added on the page logs in and finds an empty inbox.
//
// Each page is screenshotted into ARTIFACTS and checked with axe-core: a
// serious or critical violation fails the run. The last line on stdout is
// a JSON summary. Environment: PAGES_URL, ARTIFACTS, CHROMIUM, INSTANCE_A,
// INSTANCE_B ("{partyId}/{guid}"), REASON, DOCS_SCREENSHOT (optional).
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const base = env('PAGES_URL');
const artifacts = env('ARTIFACTS');
const [partyA, guidA] = env('INSTANCE_A').split('/');
const [partyB, guidB] = env('INSTANCE_B').split('/');
const reason = env('REASON');
const shortA = guidA.slice(0, 13);
const shortB = guidB.slice(0, 13);
const WAIT = 120_000;

fs.mkdirSync(artifacts, { recursive: true });
const summary = { screenshots: [], axe: {}, steps: [] };
const t0 = Date.now();
const step = (name) => {
  summary.steps.push({ name, at: Date.now() - t0 });
  console.log(`${((Date.now() - t0) / 1000).toFixed(1)}s ${name}`);
};

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pages-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: env('CHROMIUM'),
  headless: true,
  viewport: { width: 1280, height: 900 },
  // axe-core is injected into pages whose CSP allows only their own scripts.
  bypassCSP: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
context.setDefaultTimeout(30_000);
const page = context.pages()[0] || await context.newPage();
const problems = [];
page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));

async function ready() {
  await page.waitForSelector('main[data-ready="true"]', { timeout: WAIT });
}

async function open(url) {
  await page.goto(new URL(url, base).toString());
  await ready();
}

async function refresh() {
  await page.getByRole('button', { name: 'Refresh' }).click();
  await ready();
}

// until refreshes the page until check() holds.
async function until(what, check, { interval = 1000, timeout = WAIT } = {}) {
  const end = Date.now() + timeout;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await page.waitForTimeout(interval);
    await refresh();
  }
}

// shoot screenshots the page and checks it with axe-core.
async function shoot(name) {
  const file = path.join(artifacts, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  summary.screenshots.push(file);
  await page.addScriptTag({ content: axeSource });
  const res = await page.evaluate(async () => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  summary.axe[name] = res.violations.map((v) => `${v.impact} ${v.id}`);
  for (const v of bad) {
    problems.push(`axe on ${name}: ${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join('; ')})`);
  }
}

async function loginAs(name) {
  // The switcher logs in and reloads the page.
  await page.getByLabel('Logged in as').selectOption({ label: name });
  const reloaded = page.waitForEvent('framenavigated');
  await page.getByRole('button', { name: 'Switch person', exact: true }).click();
  await reloaded;
  await ready();
  const chosen = await page.getByLabel('Logged in as').evaluate((s) => s.options[s.selectedIndex].text);
  if (chosen !== name) throw new Error(`logged in as ${chosen}, want ${name}`);
}

// messages counts the inbox's messages of a kind ("To sign", "Receipt", …)
// about an instance.
async function messages(kind, guid) {
  return page.locator('article').filter({ has: page.locator('.ds-tag', { hasText: kind }) })
    .filter({ has: page.locator(`a[href*="${guid}"]`) }).count();
}

async function sign(as) {
  await page.getByLabel(as).check();
  await page.getByLabel('I have read the documents and confirm that they are correct').check();
  await page.getByRole('button', { name: 'Sign', exact: true }).click();
  await page.locator('#action-result .ds-alert').waitFor();
  const text = await page.locator('#action-result').innerText();
  if (!text.includes('You have signed')) throw new Error(`sign as ${as}: ${text}`);
}

try {
  // The home page: Kari logs in and starts the signing step of instance A.
  await open('/?lang=en');
  await shoot('home');
  await page.getByRole('button', { name: 'Log in as Kari Nordmann' }).click();
  await ready();
  step('Kari logs in');
  await page.getByRole('button', { name: `Start the signing step of instance ${shortA}`, exact: true }).click();
  await page.waitForURL(`**/signing/${partyA}/${guidA}`);
  await ready();
  step('Kari starts the signing step of instance A');

  // Her inbox: the call to sign, for her and for the company she leads.
  await page.getByRole('link', { name: 'Inbox' }).click();
  await ready();
  await until('Kari\'s two calls to sign, and what waits for her', async () => (await messages('To sign', guidA)) >= 2 &&
    (await page.getByRole('region', { name: 'Signing requests waiting for you' }).locator('tbody tr').count()) >= 1);
  await shoot('inbox-kari-calls-to-sign');
  step('Kari finds the calls to sign in her inbox');
  await page.locator('article').filter({ has: page.locator(`a[href*="${guidA}"]`) }).first()
    .getByRole('link', { name: 'Go to the signing' }).click();
  await ready();
  await shoot('signing-kari');

  // A document opens in the browser.
  const doc = page.getByRole('link', { name: 'Stiftelsesdokumenter.pdf' });
  const href = await doc.getAttribute('href');
  const resp = await page.request.get(new URL(href, base).toString());
  if (resp.status() !== 200 || resp.headers()['content-type'] !== 'application/pdf') {
    throw new Error(`the document ${href}: ${resp.status()} ${resp.headers()['content-type']}`);
  }
  step('the document opens');

  await sign('Kari Nordmann (yourself)');
  step('Kari signs');
  await shoot('signing-kari-signed');
  if (process.env.DOCS_SCREENSHOT) {
    // The README's picture: Kari has signed; the company and Ola have not.
    await page.screenshot({ path: process.env.DOCS_SCREENSHOT, fullPage: true });
  }
  await sign('On behalf of Eksempel Holding AS');
  step('Kari signs for Eksempel Holding AS');

  // Ola finds his call to sign and signs.
  await loginAs('Ola Johan Testesen');
  await page.getByRole('link', { name: 'Inbox' }).click();
  await ready();
  await until('Ola\'s call to sign', async () => (await messages('To sign', guidA)) >= 1);
  await page.locator('article').filter({ has: page.locator(`a[href*="${guidA}"]`) }).first()
    .getByRole('link', { name: 'Go to the signing' }).click();
  await ready();
  await sign('Ola Johan Testesen (yourself)');
  step('Ola signs');

  // Kari submits, once every signature is recorded.
  await loginAs('Kari Nordmann');
  await open(`/signing/${partyA}/${guidA}`);
  await until('three signatures', async () => (await page.locator('td .ds-tag', { hasText: 'Signed' }).count()) === 3);
  await shoot('signing-all-signed');
  const end = Date.now() + WAIT;
  for (;;) {
    await page.getByRole('button', { name: 'Submit', exact: true }).click();
    await page.locator('#action-result .ds-alert').waitFor();
    const text = await page.locator('#action-result').innerText();
    if (text.includes('Submitted')) break;
    if (Date.now() > end) throw new Error(`submit: ${text}`);
    await page.waitForTimeout(1000);
    await refresh();
  }
  step('Kari submits');
  await until('the completed task', async () => (await page.getByText('The signing is complete and submitted.').count()) === 1);
  await shoot('signing-completed');

  // Each one's inbox shows the receipt: two for Kari (herself and the company), one for Ola.
  await page.getByRole('link', { name: 'Inbox' }).click();
  await ready();
  await until('Kari\'s two receipts', async () => (await messages('Receipt', guidA)) >= 2);
  const receipt = page.locator('article').filter({ has: page.locator('.ds-tag', { hasText: 'Receipt' }) }).first();
  if ((await receipt.getByRole('link', { name: /\.pdf$/ }).count()) === 0) throw new Error('Kari\'s receipt has no signed document attached');
  await receipt.locator('summary').click();
  await receipt.locator('.body-text').waitFor({ state: 'visible' });
  await page.waitForTimeout(500); // the details' opening animation
  await shoot('inbox-kari-receipts');
  step('Kari\'s inbox shows her receipts');
  await loginAs('Ola Johan Testesen');
  await until('Ola\'s receipt', async () => (await messages('Receipt', guidA)) >= 1);
  await shoot('inbox-ola-receipt');
  step('Ola\'s inbox shows his receipt');

  // The timeline of the signed task.
  await open(`/timeline/${partyA}/${guidA}`);
  await until('the finished execution and its audit trail', async () =>
    (await page.locator('section[aria-label^="Execution"] .ds-tag', { hasText: 'Signed' }).count()) >= 1 && (await page.getByText('signature.recorded').count()) >= 3);
  await shoot('timeline');
  step('the timeline shows the execution, the audit trail, the events and the platform calls');

  // A second task: Kari rejects it with a reason once Ola has been asked; Ola is told why.
  await loginAs('Kari Nordmann');
  await open('/');
  if ((await page.getByRole('button', { name: `Start the signing step of instance ${shortA}`, exact: true }).count()) !== 0) {
    throw new Error('the home page offers to start the signed task again');
  }
  await page.getByRole('button', { name: `Start the signing step of instance ${shortB}`, exact: true }).click();
  await page.waitForURL(`**/signing/${partyB}/${guidB}`);
  await ready();
  await loginAs('Ola Johan Testesen');
  await open('/inbox');
  await until('Ola\'s call to sign on instance B', async () => (await messages('To sign', guidB)) >= 1);
  await loginAs('Kari Nordmann');
  await open(`/signing/${partyB}/${guidB}`);
  await page.getByLabel('Reason').fill(reason);
  await page.getByRole('button', { name: 'Reject the signing' }).click();
  await page.locator('#action-result .ds-alert').waitFor();
  const rejected = await page.locator('#action-result').innerText();
  if (!rejected.includes('rejected')) throw new Error(`reject: ${rejected}`);
  await page.getByText(`Reason: ${reason}`).waitFor();
  await shoot('signing-rejected');
  step('Kari rejects instance B with a reason');
  await loginAs('Ola Johan Testesen');
  await open('/inbox');
  await until('Ola\'s cancellation', async () => (await messages('Cancelled', guidB)) >= 1);
  const cancel = page.locator('article').filter({ has: page.locator('.ds-tag', { hasText: 'Cancelled' }) }).first();
  await cancel.locator('summary').click();
  await cancel.locator('.body-text').waitFor({ state: 'visible' });
  await page.waitForTimeout(500); // the details' opening animation
  const body = await cancel.innerText();
  if (!body.includes(reason)) throw new Error(`Ola's cancellation does not give the reason: ${body}`);
  await shoot('inbox-ola-cancelled');
  step('Ola\'s inbox tells him why');

  // The same pages in Norwegian, bokmål and nynorsk.
  for (const lang of ['nb', 'nn']) {
    await open(`/signing/${partyA}/${guidA}?lang=${lang}`);
    const htmlLang = await page.evaluate(() => document.documentElement.lang);
    if (htmlLang !== lang) throw new Error(`lang=${lang}: the page says ${htmlLang}`);
    await shoot(`signing-${lang}`);
  }
  await open('/?lang=en');
  step('nb and nn');

  // A phone's width: the same page, nothing cut off.
  await page.setViewportSize({ width: 390, height: 844 });
  await open(`/signing/${partyA}/${guidA}`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  if (overflow > 0) problems.push(`the signing step is ${overflow} px wider than a phone's screen`);
  await shoot('signing-phone');
  await page.setViewportSize({ width: 1280, height: 900 });
  await open('/?lang=en');
  step('a phone\'s width');

  // A person added on the page logs in; their inbox is empty.
  await page.getByLabel('First name').fill('Nora');
  await page.getByLabel('Last name').fill('Berg');
  const added = page.waitForEvent('framenavigated');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await added;
  await ready();
  await page.getByRole('button', { name: 'Log in as Nora Berg' }).waitFor();
  await shoot('home-person-added');
  await loginAs('Nora Berg');
  await open('/inbox');
  await page.getByText('No messages.').first().waitFor();
  await open('/?lang=en');
  step('a person added on the page logs in');

  // Keyboard: the skip link is the first stop and moves to the main content.
  await page.keyboard.press('Tab');
  const first = await page.evaluate(() => document.activeElement?.id);
  if (first !== 'skip-link') throw new Error(`the first Tab stop is ${first}, want the skip link`);
  await page.keyboard.press('Enter');
  const focused = await page.evaluate(() => document.activeElement?.id);
  if (focused !== 'main') throw new Error(`the skip link moves focus to ${focused}, want main`);
  step('keyboard');
} catch (err) {
  problems.push(err.stack || String(err));
  try {
    await page.screenshot({ path: path.join(artifacts, 'failure.png'), fullPage: true });
  } catch { /* the page is gone */ }
} finally {
  await context.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
summary.problems = problems;
summary.seconds = (Date.now() - t0) / 1000;
console.log(JSON.stringify(summary));
process.exit(problems.length === 0 ? 0 : 1);

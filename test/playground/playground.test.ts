// The playground (`npm run demo`) in a real headless browser: Debian's Chromium driven by
// playwright-core, against the playground started on the test hub. Each step is saved as a
// screenshot in test/artifacts/playground/ (with PLAYGROUND_DOCS=1 also in docs/playground/).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { PERSON } from '../../demo/directory';
import { startPlayground, type Playground } from '../../demo/playground';
import { uniqueName } from '../support/hub';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];
const PREFIX = uniqueName('pg');
const ARTIFACTS = path.join(__dirname, '..', 'artifacts', 'playground');
const DOCS = path.join(__dirname, '..', '..', 'docs', 'playground');
const WAIT = 20_000;

jest.setTimeout(120_000);

let playground: Playground | undefined;
let browser: Browser | undefined;
let page: Page;
const logs: string[] = [];
const pageErrors: string[] = [];
const tokens: Record<string, string> = {};

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `The playground's browser tests need Chromium at ${CHROMIUM}, and it is not there. ` +
        'Install Debian\'s package: apt-get install -y chromium fonts-noto-color-emoji (as .ci/run does), or set CHROMIUM_PATH.',
    );
  }
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  playground = await startPlayground({
    hubKubeconfig: process.env.KARPOR_TEST_HUB_KUBECONFIG!,
    port: 0,
    namespace: uniqueName('playground'),
    prefix: PREFIX,
    onLog: (line) => void logs.push(line),
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1400, height: 880 } });
  page.setDefaultTimeout(WAIT);
  page.on('pageerror', (err) => void pageErrors.push(err.message));
  await page.goto(playground.url);
  await page.getByTestId(`person-${PERSON.engineer}`).waitFor();
});

afterAll(async () => {
  await browser?.close();
  await playground?.stop();
  // Tokens are shown on the page to their owner, and never written to any log.
  const all = logs.join('\n');
  for (const token of Object.values(tokens)) expect(all).not.toContain(token);
});

afterEach(() => {
  expect(pageErrors).toEqual([]);
});

async function shot(name: string): Promise<void> {
  const file = path.join(ARTIFACTS, `${name}.png`);
  // Even a dead test token does not belong in a picture that may be committed.
  await page.screenshot({ path: file, mask: [page.locator('pre.token')], maskColor: '#c9d1d9' });
  if (process.env.PLAYGROUND_DOCS === '1') {
    fs.mkdirSync(DOCS, { recursive: true });
    fs.copyFileSync(file, path.join(DOCS, `${name}.png`));
  }
}

async function actAs(personId: string): Promise<void> {
  await page.getByTestId(`person-${personId}`).click();
  await page.locator(`[data-testid="person-${personId}"].active`).waitFor();
}

async function openChannel(which: 'dm' | 'approvals'): Promise<void> {
  await page.getByTestId(`channel-${which}`).click();
  await page.locator(`[data-testid="channel-${which}"].active`).waitFor();
}

async function type(command: string): Promise<void> {
  const composer = page.getByTestId('composer');
  await composer.fill(command);
  await composer.press('Enter');
}

const message = (text: string | RegExp): Locator => page.locator('[data-testid="message"]', { hasText: text });
const grantCard = (): Locator => page.locator('[data-testid="message"]:has([data-action="grant_revoke"])');
const tokenMessage = (): Locator => page.locator('[data-testid="message"][data-ephemeral="true"]', { has: page.getByTestId('token') });

async function tokenIn(msg: Locator): Promise<string> {
  const token = (await msg.getByTestId('token').textContent())?.trim() ?? '';
  expect(token).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
  return token;
}

async function logIn(msg: Locator): Promise<{ verdicts: string[]; text: string }> {
  const previous = msg.getByTestId('login-report');
  const before = (await previous.count()) ? await previous.getAttribute('data-checked') : null;
  await msg.getByTestId('karpor-login').click();
  const report = before ? msg.locator(`[data-testid="login-report"]:not([data-checked="${before}"])`) : previous;
  await report.waitFor();
  const verdicts = await report.getByTestId('login-check').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-verdict') ?? ''));
  return { verdicts, text: (await report.textContent()) ?? '' };
}

test('as the engineer: ask for a guest token and find it in the DM, visible only to her', async () => {
  await actAs(PERSON.engineer);
  await openChannel('dm');
  await type('/karpor-token guest 2h');
  const msg = tokenMessage().filter({ hasText: 'Your Karpor guest token' });
  await msg.waitFor();
  expect(await msg.getByTestId('only-you').textContent()).toContain('Only visible to you');
  tokens.engineer = await tokenIn(msg);
  await message('token is in your DM with me').waitFor();
  await grantCard().filter({ hasText: 'guest' }).locator('[data-action="grant_show_again"]').waitFor();
  await shot('01-engineer-guest-token');
});

test('log in to Karpor with the guest token: it may read, it may not write', async () => {
  const msg = tokenMessage().filter({ hasText: 'Your Karpor guest token' });
  const { verdicts, text } = await logIn(msg);
  expect(verdicts).toEqual(['allowed', 'forbidden']);
  expect(text).toContain(`system:serviceaccount:${PREFIX}-guests:`);
  expect(text).toContain('may read, but not change anything');
  await shot('02-guest-login');
});

test('as the platform admin: ask for admin with a reason; the approver approves; the token is in her DM', async () => {
  await actAs(PERSON.platformAdmin);
  await openChannel('dm');
  await type('/karpor-token admin 1h');
  const modal = page.getByTestId('modal');
  await modal.waitFor();
  expect(await modal.textContent()).toContain('needs approval');
  await modal.getByTestId('input-reason').fill('Incident 4711: register the new cluster');
  await shot('03-admin-asks-why');
  await modal.getByTestId('modal-submit').click();
  await modal.waitFor({ state: 'detached' });
  await message('is waiting for approval').waitFor();
  await shot('04-admin-request-pending');

  await actAs(PERSON.approver);
  await openChannel('approvals');
  const card = message('asks for admin').filter({ hasText: 'Incident 4711' });
  await card.waitFor();
  await shot('05-approver-sees-the-card');
  await card.locator('[data-action="request_approve"]').click();
  await message('gets the token now').waitFor();
  await card.filter({ hasText: 'Approved by @Aaron Approver' }).waitFor();
  expect(await card.locator('[data-action="request_approve"]').count()).toBe(0);
  await shot('06-approver-approved');

  await actAs(PERSON.platformAdmin);
  await openChannel('dm');
  const msg = tokenMessage().filter({ hasText: 'Your Karpor admin token' });
  await msg.waitFor();
  tokens.admin = await tokenIn(msg);
  await message('approved your request').waitFor();
  const { verdicts, text } = await logIn(msg);
  expect(verdicts).toEqual(['allowed', 'allowed']);
  expect(text).toContain('may read and change');
  await shot('07-admin-token-and-login');

  // Nobody else's page carries the token.
  await actAs(PERSON.approver);
  await openChannel('dm');
  const html = await page.content();
  expect(html).not.toContain(tokens.admin);
  expect(html).not.toContain(tokens.engineer);
});

test('as someone in no group: refused, and nothing arrives', async () => {
  await actAs(PERSON.outsider);
  await openChannel('dm');
  await type('/karpor-token guest');
  await message('You may not request any Karpor role').waitFor();
  expect(await tokenMessage().count()).toBe(0);
  await shot('08-outsider-refused');
});

test('the engineer revokes her grant: the token stops working', async () => {
  await actAs(PERSON.engineer);
  await openChannel('dm');
  await grantCard().filter({ hasText: 'guest' }).locator('[data-action="grant_revoke"]').click();
  const confirm = page.getByTestId('confirm');
  await confirm.waitFor();
  expect(await confirm.textContent()).toContain('Every token of this grant stops working');
  await confirm.getByTestId('confirm-yes').click();
  await message('Revoked grant').waitFor();
  // The hub caches accepted tokens for up to 10 seconds.
  const msg = tokenMessage().filter({ hasText: 'Your Karpor guest token' });
  const deadline = Date.now() + 20_000;
  let verdicts: string[] = [];
  while (Date.now() < deadline) {
    verdicts = (await logIn(msg)).verdicts;
    if (verdicts[0] === 'rejected') break;
    await page.waitForTimeout(1000);
  }
  expect(verdicts).toEqual(['rejected', 'rejected']);
  await shot('09-revoked-token-rejected');
});

test('the Home tab: the approver finds the request waiting for them; the engineer asks from it and sees her grant', async () => {
  await actAs(PERSON.platformAdmin);
  await openChannel('dm');
  await type('/karpor-token admin 1h -- Incident 4712');
  await message('waiting for approval').waitFor();

  await actAs(PERSON.approver);
  await page.getByTestId('channel-home').click();
  const home = page.getByTestId('home');
  await home.filter({ hasText: 'Incident 4712' }).locator('[data-action="request_approve"]').waitFor();
  expect(await home.textContent()).toContain('Requests waiting for you');
  await shot('10-approver-home');

  await actAs(PERSON.engineer);
  await page.getByTestId('channel-home').click();
  await home.locator('[data-action="home_request"]').first().click();
  // Published again once the grant exists, without opening the tab again.
  await home.locator('[data-action="grant_revoke"]').waitFor();
  expect(await home.textContent()).toContain('Your grants');
  expect(await page.content()).not.toMatch(/eyJ[\w-]{8,}\./);
  await shot('11-engineer-home');
  await openChannel('dm');
  tokens.fromHome = await tokenIn(tokenMessage().filter({ hasText: 'Your Karpor guest token' }).last());
});

test('the check-up: the approver runs the doctor and reads a line per check', async () => {
  await actAs(PERSON.approver);
  await openChannel('dm');
  await type('/karpor-token doctor');
  const answer = message('Karpor token bot check-up').filter({ hasText: 'Token maximum' });
  await answer.waitFor();
  const text = (await answer.textContent()) ?? '';
  expect(text).toContain('RBAC is on');
  expect(text).toMatch(/Reads are open without a token|Reads need a token/);
  await shot('12-approver-doctor');
});

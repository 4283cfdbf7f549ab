// The playground's "Log in to Karpor with this token" against the test hub: what Karpor's
// dashboard would see (GET /rest-api/v1/authn: 200 / 401 / 403), and who the token belongs to
// from its own claims, with no API Karpor lacks.
import { loginWithToken } from '../../demo/karpor-login';
import { bindClusterRole, createNamespace, createServiceAccount, hubServer, serviceAccountToken, uniqueName } from '../support/hub';

let ns: string;
beforeAll(async () => {
  ns = await createNamespace(uniqueName('login'));
});

async function tokenWith(role?: string): Promise<{ token: string; sa: string }> {
  const sa = uniqueName(role ?? 'bare');
  await createServiceAccount(ns, sa);
  if (role) await bindClusterRole(ns, sa, role);
  return { token: await serviceAccountToken(ns, sa), sa };
}

test('a guest token logs in (200), may not write, and is shown as its ServiceAccount', async () => {
  const { token, sa } = await tokenWith('karpor-guest');
  const report = await loginWithToken(hubServer(), token);
  expect(report.checks.map((c) => [c.status, c.verdict])).toEqual([[200, 'allowed'], [403, 'forbidden']]);
  expect(report.username).toBe(`system:serviceaccount:${ns}:${sa}`);
  expect(report.summary).toContain('may read, but not change anything');
});

test('an admin token may read and write', async () => {
  const { token } = await tokenWith('karpor-admin');
  const report = await loginWithToken(hubServer(), token);
  expect(report.checks.map((c) => c.verdict)).toEqual(['allowed', 'allowed']);
  expect(report.checks[0]!.status).toBe(200);
});

test('a token without a role is forbidden (403) and a garbage token rejected (401), and neither is "signed in"', async () => {
  const bare = await loginWithToken(hubServer(), (await tokenWith()).token);
  expect(bare.checks.map((c) => [c.status, c.verdict])).toEqual([[403, 'forbidden'], [403, 'forbidden']]);
  expect(bare.username).toBeUndefined();

  const garbage = await loginWithToken(hubServer(), 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6eDp5In0.');
  expect(garbage.checks.map((c) => [c.status, c.verdict])).toEqual([[401, 'rejected'], [401, 'rejected']]);
  expect(garbage.username).toBeUndefined();
  expect(garbage.summary).toContain('rejects this token');
});

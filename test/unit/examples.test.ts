import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { loadSettings } from '../../src/config/env';
import { loadPolicy } from '../../src/config/policy-file';

const root = path.join(__dirname, '../..');

test('policy.example.yaml is a valid policy with approval on admin', () => {
  const policy = loadPolicy(path.join(root, 'policy.example.yaml'));
  expect(policy.roles.map((r) => r.alias)).toEqual(['guest', 'admin']);
  expect(policy.roles.find((r) => r.alias === 'admin')?.approval).toMatchObject({ groups: ['platform-leads'], count: 1, timeoutSeconds: 1800 });
  expect(policy.roles.find((r) => r.alias === 'admin')?.breakGlass).toEqual({ groups: ['platform-oncall'], users: [], maxSeconds: 1800, confirmWithinSeconds: 900 });
});

test('.env.example, filled in, is accepted, and names every setting the bot reads', () => {
  const example = parseDotenv(fs.readFileSync(path.join(root, '.env.example')));
  const settings = loadSettings({ ...example, SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' });
  expect(settings.slack.mode).toBe('socket');
  const documented = fs.readFileSync(path.join(root, '.env.example'), 'utf8');
  const read = fs.readFileSync(path.join(root, 'src/config/env.ts'), 'utf8').match(/^\s{4}([A-Z_]+): z/gm)!.map((l) => l.trim().split(':')[0]);
  for (const name of read) expect(documented).toContain(name);
});

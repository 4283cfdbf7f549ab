import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { COMMAND } from '../../src/slack/commands/karpor-token';

const root = path.join(__dirname, '../..');
const manifest = parse(fs.readFileSync(path.join(root, 'manifest.yml'), 'utf8'));
// SchemaStore's schema for Slack app manifests, kept beside the repository (the project keeps no copy).
const schemaPath = process.env.SLACK_MANIFEST_SCHEMA || path.resolve(root, '..', 'shared', 'schemas', 'slack-app-manifest.json');
if (!fs.existsSync(schemaPath)) {
  throw new Error(`The Slack app manifest schema (SchemaStore's src/schemas/json/slack-app-manifest.json) is not at ${schemaPath}: put it there or set SLACK_MANIFEST_SCHEMA`);
}
const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8'));

test('manifest.yml is valid against the Slack app manifest schema', () => {
  const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
  const valid = validate(manifest);
  expect(validate.errors ?? []).toEqual([]);
  expect(valid).toBe(true);
});

test('the manifest declares what the bot uses: its command, interactivity, the scopes it calls with', () => {
  expect(manifest.features.slash_commands.map((c: { command: string }) => c.command)).toEqual([COMMAND]);
  expect(manifest.features.slash_commands[0].should_escape).toBe(true);
  expect(manifest.settings.interactivity.is_enabled).toBe(true);
  expect([...manifest.oauth_config.scopes.bot].sort()).toEqual(['chat:write', 'commands', 'im:write', 'usergroups:read', 'users:read']);
});

test('the Home tab is on and the bot hears when it is opened (src/slack/events/app-home.ts)', () => {
  expect(manifest.features.app_home.home_tab_enabled).toBe(true);
  expect(manifest.settings.event_subscriptions.bot_events).toEqual(['app_home_opened']);
});

test('the schema really rejects a broken manifest', () => {
  const validate = new Ajv({ strict: false }).compile(schema);
  expect(validate({ ...manifest, display_information: { name: 'x'.repeat(100) } })).toBe(false);
  expect(validate({ features: manifest.features })).toBe(false);
});

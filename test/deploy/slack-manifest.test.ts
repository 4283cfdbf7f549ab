// One Slack app manifest, in the chart (files/slack-app-manifest.yaml): the install notes print it
// for the mode and host chosen, manifest.yml is its Socket Mode rendering, and it asks for exactly
// the scopes of the Web API methods the bot calls.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { COMMAND } from '../../src/slack/commands/karpor-token';
import { REPO, helmBinary, manifestIn, renderNotes, type Obj } from './helm';

const SCHEMAS = path.join(REPO, '..', 'shared', 'schemas');
const validate = new Ajv({ strict: false, allErrors: true }).compile(JSON.parse(readFileSync(path.join(SCHEMAS, 'slack-app-manifest.json'), 'utf8')));
const webApi = JSON.parse(readFileSync(path.join(SCHEMAS, 'slack-web-api-openapi-v2.json'), 'utf8')) as { paths: Record<string, Record<string, { security?: Array<{ slackAuth?: string[] }> }>> };

beforeAll(() => {
  helmBinary();
});

function expectValid(manifest: unknown): void {
  validate(manifest);
  expect(validate.errors ?? []).toEqual([]);
}

const socket = renderNotes();
const http = renderNotes({ slack: { mode: 'http' }, ingress: { enabled: true, host: 'tokens.corp.example' } });

describe('the install notes print the manifest to paste', () => {
  test('Socket Mode (the default): valid, no request URL, Socket Mode on, asks for the app-level token', () => {
    const manifest = parse(manifestIn(socket)) as Obj;
    expectValid(manifest);
    expect(manifest.settings.socket_mode_enabled).toBe(true);
    expect(JSON.stringify(manifest)).not.toMatch(/https?:\/\//);
    expect(socket).toMatch(/SLACK_APP_TOKEN .*App-Level Tokens/);
    expect(socket).not.toContain('SLACK_SIGNING_SECRET');
  });

  test('HTTP mode: valid, every request URL on the ingress host\'s /slack/events, Socket Mode off', () => {
    const manifest = parse(manifestIn(http)) as Obj;
    expectValid(manifest);
    expect(manifest.settings.socket_mode_enabled).toBe(false);
    expect(manifest.features.slash_commands.map((c: Obj) => c.url)).toEqual(['https://tokens.corp.example/slack/events']);
    expect(manifest.settings.interactivity).toEqual({ is_enabled: true, request_url: 'https://tokens.corp.example/slack/events' });
    expect(manifest.settings.event_subscriptions).toEqual({ request_url: 'https://tokens.corp.example/slack/events', bot_events: ['app_home_opened'] });
    expect(http).toMatch(/SLACK_SIGNING_SECRET .*Signing Secret/);
    expect(http).not.toContain('SLACK_APP_TOKEN');
  });

  test('HTTP mode on the example host says to set the real one', () => {
    expect(http).not.toMatch(/example host/);
    const notes = renderNotes({ slack: { mode: 'http' } });
    expect(notes).toMatch(/ingress\.host: still the example host; set it to\s+your public host/);
    expect(notes).toMatch(/No Ingress was created/);
  });

  test('the command and interactivity are those the bot serves, in both modes', () => {
    for (const notes of [socket, http]) {
      const manifest = parse(manifestIn(notes)) as Obj;
      expect(manifest.features.slash_commands.map((c: Obj) => c.command)).toEqual([COMMAND]);
      expect(manifest.features.slash_commands[0].should_escape).toBe(true);
      expect(manifest.settings.interactivity.is_enabled).toBe(true);
    }
  });

  test('the schema catches a broken manifest (so the checks above can fail)', () => {
    const manifest = parse(manifestIn(http)) as Obj;
    validate({ ...manifest, settings: { ...manifest.settings, socket_mode: true } });
    expect(validate.errors).not.toBeNull();
  });
});

test('manifest.yml is the Socket Mode rendering (else run deploy/kubernetes/generate.sh)', () => {
  expect(parse(readFileSync(path.join(REPO, 'manifest.yml'), 'utf8'))).toEqual(parse(manifestIn(socket)));
});

/** Every `client.<family>.<method>(` call in src/: the Web API methods the bot uses. */
function methodsCalled(dir = path.join(REPO, 'src')): Set<string> {
  const found = new Set<string>();
  for (const entry of readdirSync(dir)) {
    const file = path.join(dir, entry);
    if (statSync(file).isDirectory()) for (const m of methodsCalled(file)) found.add(m);
    else if (file.endsWith('.ts')) for (const m of readFileSync(file, 'utf8').matchAll(/\bclient\.([a-z]+)\.([a-zA-Z]+(?:\.[a-zA-Z]+)?)\(/g)) found.add(`${m[1]}.${m[2]}`);
  }
  return found;
}

/** The bot scopes that allow a method, from Slack's Web API description (its old `x:y:bot` names made granular). */
function scopesFor(method: string): string[] {
  const ops = webApi.paths[`/${method}`];
  if (!ops) throw new Error(`${method} is not a Slack Web API method`);
  const scopes = Object.values(ops).flatMap((op) => op.security ?? []).flatMap((s) => s.slackAuth ?? []);
  return [...new Set(scopes.filter((s) => s !== 'none' && !s.endsWith(':user')).map((s) => s.replace(/:bot$/, '')))];
}

test('manifest.yml asks for exactly the scopes of the Web API methods the bot calls, and `commands`', () => {
  const methods = [...methodsCalled()];
  expect(methods).toEqual(expect.arrayContaining(['chat.postEphemeral', 'conversations.open', 'usergroups.list', 'users.info']));
  const requested = (parse(readFileSync(path.join(REPO, 'manifest.yml'), 'utf8')) as Obj).oauth_config.scopes.bot as string[];
  for (const method of methods) {
    const allowing = scopesFor(method);
    if (allowing.length > 0) expect([method, requested.filter((s) => allowing.includes(s))]).toEqual([method, [expect.any(String)]]);
  }
  const needed = requested.filter((scope) => scope === 'commands' || methods.some((m) => scopesFor(m).includes(scope)));
  expect(requested).toEqual(needed);
  // users.info is only for each person's language (src/slack/languages.ts).
  expect(requested).toContain('users:read');
});

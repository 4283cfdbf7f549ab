// The playground's web server, on 127.0.0.1. It is two things at once:
//  - Slack, as the bot sees it: the Web API (/api/<method>) and response URLs (/response/<id>),
//    served by the fake Slack server behind it; and the sender of signed slash commands,
//    block_actions and view_submission requests into the bot's real HTTP receiver.
//  - The page that stands in for the Slack client (/), with a small JSON API (/ui/...) and
//    server-sent events that tell the page when something changed.
// Request bodies are never logged: they carry tokens.
import * as fs from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { stringify as toYaml } from 'yaml';
import type { FakeSlack } from '../test/fakes/slack-api';
import { appHomeOpenedEvent, blockActionPayload, eventCallbackBody, fakeTriggerId, interactionBody, postSigned, slashCommandBody, viewSubmissionPayload } from '../test/support/slack-requests';
import { APPROVALS_CHANNEL, GROUPS, PEOPLE, type Person } from './directory';
import { loginWithToken } from './karpor-login';
import { dmChannel, personById, tokenOf, type Workspace } from './workspace';

export const COMMAND = '/karpor-token';
const PAGE_DIR = path.join(__dirname, 'page');
const PAGE_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};
const MAX_BODY = 64 * 1024;
/** Slack gives an app 3 seconds to acknowledge a command or a click. */
const ACK_DEADLINE_MS = 3000;

export interface PageServerOptions {
  slack: FakeSlack;
  workspace: Workspace;
  /** Where the bot receives Slack's requests: http://127.0.0.1:PORT/slack/events */
  botEventsUrl: () => string;
  signingSecret: string;
  hubServer: string;
  policy: object;
  port: number;
  /** Try `port`, and take any free port when it is in use. */
  portFallback: boolean;
}

export interface PageServer {
  url: string;
  /** What the bot's SLACK_API_URL is: this server's /api/. */
  apiUrl: string;
  server: Server;
  stop(): Promise<void>;
}

class BadRequest extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

function readBody(req: IncomingMessage, limit = MAX_BODY): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new BadRequest('request body too large', 413));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function readJson(req: IncomingMessage): Promise<Record<string, any>> {
  const raw = (await readBody(req)).toString('utf8');
  try {
    const parsed = JSON.parse(raw || '{}');
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed;
  } catch {
    // answered below
  }
  throw new BadRequest('expected a JSON object');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

function personOf(body: Record<string, any>): Person {
  const person = personById(body.user);
  if (!person) throw new BadRequest('unknown person');
  return person;
}

/** What Slack does to typed text before the app sees it: &, <, > escaped, @handle as a mention. */
function slackText(typed: string): string {
  const escaped = typed.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return escaped.replace(/(^|\s)@([a-z0-9._-]+)/gi, (whole, pre: string, handle: string) => {
    const p = PEOPLE.find((x) => x.handle === handle.toLowerCase());
    return p ? `${pre}<@${p.id}|${p.handle}>` : whole;
  });
}

export async function startPageServer(opts: PageServerOptions): Promise<PageServer> {
  const { slack, workspace } = opts;
  const listeners = new Set<ServerResponse>();
  let origin = '';
  let responses = 0;

  let told = -1;
  /** Tells every open page that there is something new (once per version). */
  const changed = (): void => {
    workspace.sync();
    if (workspace.version === told) return;
    told = workspace.version;
    for (const res of listeners) res.write(`event: change\ndata: ${told}\n\n`);
  };

  const newResponseUrl = (target: Parameters<Workspace['expectResponse']>[1]): string => {
    const id = `r${++responses}`;
    workspace.expectResponse(id, target);
    return `${origin}/response/${id}`;
  };

  const newTrigger = (userId: string): string => {
    const t = fakeTriggerId();
    workspace.expectTrigger(t, userId);
    return t;
  };

  /** Sends a signed request to the bot; a failure or a late answer becomes a note for the person. */
  const toBot = async (userId: string, channel: string, what: string, rawBody: string, headers?: Record<string, string>) => {
    try {
      const res = await postSigned(opts.botEventsUrl(), opts.signingSecret, rawBody, { timeoutMs: 15_000, ...(headers && { headers }) });
      if (res.status !== 200) {
        workspace.addLocal({ channel, kind: 'notice', visibleTo: userId, via: 'page', text: `${what} failed: the bot answered HTTP ${res.status}.` });
      } else if (res.ms > ACK_DEADLINE_MS) {
        workspace.addLocal({ channel, kind: 'notice', visibleTo: userId, via: 'page', text: `The bot took ${(res.ms / 1000).toFixed(1)}s to acknowledge; Slack would have shown a timeout error.` });
      }
      return res;
    } catch (err) {
      workspace.addLocal({ channel, kind: 'notice', visibleTo: userId, via: 'page', text: `${what} failed: the bot cannot be reached (${(err as Error).message}).` });
      return undefined;
    } finally {
      changed();
    }
  };

  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void>> = {
    'GET /ui/config': async (_req, res) => {
      sendJson(res, 200, {
        command: COMMAND,
        people: PEOPLE,
        groups: GROUPS,
        approvalsChannel: APPROVALS_CHANNEL,
        hubServer: opts.hubServer,
        policyYaml: toYaml(opts.policy),
      });
    },

    'POST /ui/command': async (req, res) => {
      const body = await readJson(req);
      const person = personOf(body);
      const channel = String(body.channel ?? '');
      if (channel !== dmChannel(person.id) && channel !== APPROVALS_CHANNEL.id) throw new BadRequest('unknown channel');
      const typed = String(body.text ?? '').trim();
      const match = /^(\/[a-z-]+)(?:\s+([\s\S]*))?$/.exec(typed);
      if (!match || match[1] !== COMMAND) {
        workspace.addLocal({ channel, kind: 'notice', visibleTo: person.id, via: 'page', text: `The bot does not read messages. Type a slash command: \`${COMMAND} help\`.` });
        changed();
        return sendJson(res, 200, { ok: false });
      }
      workspace.addLocal({ channel, kind: 'command', visibleTo: person.id, via: 'you', text: typed });
      const sent = await toBot(
        person.id,
        channel,
        COMMAND,
        slashCommandBody({
          userId: person.id,
          userName: person.handle,
          text: slackText(match[2] ?? ''),
          channelId: channel,
          channelName: channel === APPROVALS_CHANNEL.id ? APPROVALS_CHANNEL.name : 'directmessage',
          responseUrl: newResponseUrl({ userId: person.id, channel }),
          triggerId: newTrigger(person.id),
        }),
      );
      // An app may answer a command in its acknowledgement as well.
      if (sent?.status === 200 && sent.body.trim()) {
        try {
          const ack = JSON.parse(sent.body) as { text?: string; blocks?: unknown[] };
          if (ack.text || ack.blocks) {
            workspace.addLocal({ channel, kind: 'bot', visibleTo: person.id, via: 'ack', text: ack.text ?? '', ...(ack.blocks && { blocks: ack.blocks }) });
          }
        } catch {
          workspace.addLocal({ channel, kind: 'bot', visibleTo: person.id, via: 'ack', text: sent.body });
        }
        changed();
      }
      sendJson(res, 200, { ok: sent?.status === 200 });
    },

    'POST /ui/action': async (req, res) => {
      const body = await readJson(req);
      const person = personOf(body);
      const item = workspace.item(String(body.item ?? ''));
      if (!item || (item.visibleTo !== undefined && item.visibleTo !== person.id)) throw new BadRequest('no such message', 404);
      if (item.channel.startsWith('D') && item.channel !== dmChannel(person.id)) throw new BadRequest('no such message', 404);
      const button = findButton(item.blocks, String(body.actionId ?? ''), body.value === undefined ? undefined : String(body.value));
      if (!button) throw new BadRequest('no such button on that message', 404);
      const ephemeral = item.visibleTo !== undefined;
      const payload = blockActionPayload({
        userId: person.id,
        userName: person.handle,
        actionId: button.action_id,
        value: button.value ?? '',
        ...(button.blockId && { blockId: button.blockId }),
        buttonText: button.text,
        channelId: item.channel,
        messageTs: item.ts,
        ephemeral,
        ...(!ephemeral && { messageBlocks: item.blocks ?? [], messageText: item.text }),
        responseUrl: newResponseUrl({ userId: person.id, channel: item.channel, source: item.id }),
        triggerId: newTrigger(person.id),
      });
      const sent = await toBot(person.id, item.channel, `"${button.text}"`, interactionBody(payload));
      sendJson(res, 200, { ok: sent?.status === 200 });
    },

    // The Home tab: opening it is an Events API event; its buttons are clicks without a message.
    'POST /ui/home-opened': async (req, res) => {
      const person = personOf(await readJson(req));
      const sent = await toBot(person.id, dmChannel(person.id), 'Opening the Home tab', eventCallbackBody(appHomeOpenedEvent(person.id)), { 'content-type': 'application/json' });
      sendJson(res, 200, { ok: sent?.status === 200 });
    },

    'POST /ui/home-action': async (req, res) => {
      const body = await readJson(req);
      const person = personOf(body);
      const button = findButton(workspace.homeOf(person.id), String(body.actionId ?? ''), body.value === undefined ? undefined : String(body.value));
      if (!button) throw new BadRequest('no such button on the Home tab', 404);
      const payload = blockActionPayload({
        userId: person.id,
        userName: person.handle,
        actionId: button.action_id,
        value: button.value ?? '',
        ...(button.blockId && { blockId: button.blockId }),
        buttonText: button.text,
        ephemeral: true,
        triggerId: newTrigger(person.id),
      });
      const sent = await toBot(person.id, dmChannel(person.id), `"${button.text}"`, interactionBody(payload));
      sendJson(res, 200, { ok: sent?.status === 200 });
    },

    'POST /ui/submit': async (req, res) => {
      const body = await readJson(req);
      const person = personOf(body);
      const open = workspace.topView(person.id);
      if (!open || open.id !== body.view) throw new BadRequest('that dialog is not open', 404);
      const typed = (body.values ?? {}) as Record<string, Record<string, unknown>>;
      const values: Record<string, Record<string, { type: string; value?: string }>> = {};
      for (const block of (open.view.blocks ?? []) as any[]) {
        if (block.type !== 'input' || !block.element?.action_id) continue;
        const value = typed[block.block_id]?.[block.element.action_id];
        values[block.block_id] = { [block.element.action_id]: { type: block.element.type, value: typeof value === 'string' ? value : '' } };
      }
      const payload = viewSubmissionPayload({
        userId: person.id,
        userName: person.handle,
        callbackId: open.view.callback_id ?? '',
        privateMetadata: open.view.private_metadata ?? '',
        values,
        viewId: open.id,
        blocks: open.view.blocks ?? [],
      });
      const channel = dmChannel(person.id);
      const sent = await toBot(person.id, channel, 'Submitting the dialog', interactionBody(payload));
      if (sent?.status !== 200) {
        workspace.closeView(person.id, open.id);
        changed();
        return sendJson(res, 200, { ok: false });
      }
      let answer: { response_action?: string; errors?: Record<string, string>; view?: Record<string, any> } = {};
      try {
        answer = sent.body.trim() ? JSON.parse(sent.body) : {};
      } catch {
        answer = {};
      }
      if (answer.response_action === 'errors') return sendJson(res, 200, { ok: false, errors: answer.errors ?? {} });
      if (answer.response_action === 'update' && answer.view) workspace.replaceView(person.id, open.id, answer.view);
      else workspace.closeView(person.id, open.id, answer.response_action === 'clear');
      changed();
      sendJson(res, 200, { ok: true });
    },

    'POST /ui/close': async (req, res) => {
      const body = await readJson(req);
      const person = personOf(body);
      workspace.closeView(person.id, String(body.view ?? ''));
      changed();
      sendJson(res, 200, { ok: true });
    },

    'POST /ui/karpor-login': async (req, res) => {
      const body = await readJson(req);
      const person = personOf(body);
      const item = workspace.item(String(body.item ?? ''));
      // Only the person the token was sent to can use it from here.
      const token = item && item.visibleTo === person.id ? tokenOf(item) : undefined;
      if (!token) throw new BadRequest('no token of yours in that message', 404);
      try {
        sendJson(res, 200, { ok: true, report: await loginWithToken(opts.hubServer, token) });
      } catch (err) {
        sendJson(res, 200, { ok: false, error: `The hub cannot be reached: ${(err as Error).message}` });
      }
    },
  };

  const proxy = (req: IncomingMessage, res: ServerResponse): void => {
    const target = new URL(req.url ?? '/', slack.origin);
    const upstream = request(target, { method: req.method, headers: { ...req.headers, host: target.host }, agent: false }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      // The fake has recorded the call before answering it: the page can be told now.
      answer.on('end', changed);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('bad gateway');
    });
    req.pipe(upstream);
  };

  const events = (req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write(`retry: 1000\nevent: change\ndata: ${workspace.version}\n\n`);
    listeners.add(res);
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    req.on('close', () => {
      clearInterval(ping);
      listeners.delete(res);
    });
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const key = `${req.method} ${url.pathname}`;
    if (/^\/(api|response)\//.test(url.pathname)) return proxy(req, res);
    if (key === 'GET /ui/events') return events(req, res);
    if (key === 'GET /ui/state') {
      const person = personById(url.searchParams.get('user'));
      if (!person) return sendJson(res, 400, { error: 'unknown person' });
      return sendJson(res, 200, workspace.stateFor(person.id));
    }
    const page = req.method === 'GET' ? PAGE_FILES[url.pathname] : undefined;
    if (page) {
      fs.readFile(path.join(PAGE_DIR, page.file), (err, data) => {
        if (err) return sendJson(res, 500, { error: 'page file missing' });
        res.writeHead(200, { 'content-type': page.type, 'cache-control': 'no-store' });
        res.end(data);
      });
      return;
    }
    const route = routes[key];
    if (!route) {
      req.resume();
      return sendJson(res, 404, { error: 'not found' });
    }
    route(req, res).catch((err: unknown) => {
      if (res.headersSent) return void res.end();
      if (err instanceof BadRequest) return sendJson(res, err.status, { error: err.message });
      sendJson(res, 500, { error: 'internal error' });
    });
  });

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  try {
    await listen(opts.port);
  } catch (err) {
    if (!(opts.portFallback && (err as NodeJS.ErrnoException).code === 'EADDRINUSE')) throw err;
    await listen(0);
  }
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;

  return {
    url: `${origin}/`,
    apiUrl: `${origin}/api/`,
    server,
    async stop() {
      for (const res of listeners) res.end();
      listeners.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

interface Button {
  action_id: string;
  value?: string;
  text: string;
  blockId?: string;
}

/** The button on a message that the person clicked: only buttons that are really there can be clicked. */
function findButton(blocks: unknown[] | undefined, actionId: string, value: string | undefined): Button | undefined {
  for (const block of (blocks ?? []) as any[]) {
    const elements = block.type === 'actions' ? block.elements ?? [] : block.accessory ? [block.accessory] : [];
    for (const el of elements) {
      if (el?.type === 'button' && el.action_id === actionId && (value === undefined || el.value === value)) {
        return { action_id: el.action_id, ...(el.value !== undefined && { value: el.value }), text: String(el.text?.text ?? actionId), ...(block.block_id && { blockId: block.block_id }) };
      }
    }
  }
  return undefined;
}

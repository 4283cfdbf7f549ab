import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

// A stand-in for Slack's Web API (https://slack.com/api/<method>) and for response_url
// endpoints, on 127.0.0.1. Shared by the jest suites and the local playground page, so it
// must stay free of test-framework imports and must never print request bodies.

export const FAKE_SLACK_DEFAULTS = {
  teamId: 'T0FAKE001',
  teamDomain: 'karpor-test',
  teamName: 'Karpor Test',
  botUserId: 'U0FAKEBOT',
  botId: 'B0FAKEBOT',
  botName: 'karpor-token-bot',
  appId: 'A0FAKEAPP',
} as const;

export interface FakeUserGroup {
  id: string;
  handle: string;
  name?: string;
  users: string[];
  /** A disabled group is only listed with include_disabled, like on Slack. */
  disabled?: boolean;
}

export interface FakeUser {
  id: string;
  name: string;
  realName?: string;
  /** The language the person chose in Slack (`users.info` with include_locale); Slack's default, `en-US`, when not set. */
  locale?: string;
}

export interface FakeSlackOptions {
  botUserId?: string;
  teamId?: string;
  users?: FakeUser[];
  usergroups?: FakeUserGroup[];
  /** Simulates a free workspace: usergroups.* answer plan_upgrade_required. */
  usergroupsPlanUpgradeRequired?: boolean;
  /** When set, calls must carry exactly this token; otherwise any token is accepted. */
  botToken?: string;
  /** Socket Mode: the app-level token (xapp-…) that apps.connections.open must carry, when set. */
  appToken?: string;
  /** Socket Mode: the WebSocket URL apps.connections.open answers with, one per call. */
  socketModeUrl?: () => string;
}

export type TokenCheck = 'ok' | 'missing' | 'wrong';

export interface RecordedCall {
  method: string;
  /** Arguments as sent, with `blocks`/`view`/`attachments`/... parsed back from JSON strings. The token is never stored. */
  args: Record<string, any>;
  at: number;
  token?: TokenCheck;
  /** HTTP status the fake answered with. */
  status: number;
  /** Slack error code when the answer was `{ok:false}`. */
  error?: string;
}

export type MessageMethod = 'chat.postMessage' | 'chat.postEphemeral' | 'chat.update';

export interface RecordedMessage {
  method: MessageMethod;
  channel: string;
  /** Recipient of an ephemeral message. */
  user?: string;
  text?: string;
  blocks?: any[];
  attachments?: any[];
  /** `ts` of the message (for ephemeral messages: the returned `message_ts`). */
  ts: string;
  threadTs?: string;
  at: number;
}

export type ViewMethod = 'views.open' | 'views.update' | 'views.push' | 'views.publish';

export interface RecordedView {
  method: ViewMethod;
  viewId: string;
  triggerId?: string;
  externalId?: string;
  /** views.publish: whose Home tab. */
  userId?: string;
  /** The view as sent by the app. */
  view: any;
  at: number;
}

export interface RecordedResponse {
  id: string;
  body: any;
  at: number;
}

export interface FaultSpec {
  /** HTTP status to answer with (429 gets a Retry-After header). */
  status?: number;
  /** Seconds for the Retry-After header; default 1 with status 429. */
  retryAfter?: number;
  /** Slack error code: answered as HTTP 200 `{ok:false, error}` unless `status` is set. */
  error?: string;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Apply to this many calls, then behave normally; default: every call. */
  times?: number;
}

export interface FakeSlack {
  /** Web API base, ends with '/api/': what `slackApiUrl` gets. */
  url: string;
  /** Base URL of the server itself (no trailing slash). */
  origin: string;
  /** A response_url on this server; POSTs to it are recorded in `responses`. */
  responseUrl(id?: string): string;
  calls: RecordedCall[];
  callsTo(method: string): RecordedCall[];
  responses: RecordedResponse[];
  messages: RecordedMessage[];
  views: RecordedView[];
  /** The Home tab last published for each user (views.publish). */
  homes: Map<string, any>;
  setUsergroups(groups: FakeUserGroup[]): void;
  setPlanUpgradeRequired(required: boolean): void;
  /** The person's Slack language from now on (with no user list configured, any ID may be given one). */
  setLocale(userId: string, locale: string): void;
  /** Inject a fault for `method` ('response_url' targets response URLs). Faults queue up per method. */
  fault(method: string, f: FaultSpec): void;
  clearFaults(): void;
  /** Polls `pred` until it returns a truthy value, which is resolved; rejects after `timeoutMs` (default 5000). */
  waitFor<T>(pred: () => T | undefined | false | null, timeoutMs?: number): Promise<T>;
  /** Clear recorded calls, messages, views and responses (state such as groups and faults stays). */
  reset(): void;
  /** Also forget the posted messages kept for chat.update (long runs that must not grow). */
  forgetPosted(): void;
  stop(): Promise<void>;
}

// Fields the WebClient sends as JSON strings inside form bodies.
const JSON_FIELDS = ['blocks', 'attachments', 'view', 'metadata', 'unfurls', 'user_auth_blocks'];

class SlackError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

interface FaultState extends FaultSpec {
  remaining: number;
}

interface StoredMessage {
  channel: string;
  ts: string;
  text?: string;
  blocks?: any[];
  attachments?: any[];
}

interface StoredView {
  id: string;
  hash: string;
  externalId?: string;
  rootViewId: string;
  previousViewId: string | null;
  view: any;
}

function truthy(v: unknown): boolean {
  return v === true || v === 'true' || v === '1' || v === 1;
}

function sleep(ms: number, timers: Set<NodeJS.Timeout>): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      timers.delete(t);
      resolve();
    }, ms);
    timers.add(t);
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseForm(text: string): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [k, v] of new URLSearchParams(text)) {
    if (k in out) {
      out[k] = Array.isArray(out[k]) ? [...out[k], v] : [out[k], v];
    } else {
      out[k] = v;
    }
  }
  return out;
}

function commaList(v: unknown): string[] {
  if (Array.isArray(v)) return v.flatMap(commaList);
  if (typeof v !== 'string') return [];
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export async function startFakeSlack(opts: FakeSlackOptions = {}): Promise<FakeSlack> {
  const teamId = opts.teamId ?? FAKE_SLACK_DEFAULTS.teamId;
  const botUserId = opts.botUserId ?? FAKE_SLACK_DEFAULTS.botUserId;
  const botId = FAKE_SLACK_DEFAULTS.botId;
  const appId = FAKE_SLACK_DEFAULTS.appId;
  const users = new Map<string, FakeUser>();
  for (const u of opts.users ?? []) users.set(u.id, u);
  let usergroups: FakeUserGroup[] = structuredClone(opts.usergroups ?? []);
  let planUpgradeRequired = opts.usergroupsPlanUpgradeRequired ?? false;

  const calls: RecordedCall[] = [];
  const messages: RecordedMessage[] = [];
  const views: RecordedView[] = [];
  const responses: RecordedResponse[] = [];
  const faults = new Map<string, FaultState[]>();
  const posted = new Map<string, StoredMessage>(); // key: channel + ts; ephemeral messages are not stored, like on Slack
  const openViews = new Map<string, StoredView>();
  const homes = new Map<string, any>();
  const homeViewIds = new Map<string, string>();
  const timers = new Set<NodeJS.Timeout>();
  const groupCreated = Math.floor(Date.now() / 1000) - 86400;
  let lastTsMicros = 0;
  let viewCounter = 0;
  let responseCounter = 0;
  let stopped = false;

  const nextTs = (): string => {
    lastTsMicros = Math.max(Date.now() * 1000, lastTsMicros + 1);
    return `${Math.floor(lastTsMicros / 1e6)}.${String(lastTsMicros % 1e6).padStart(6, '0')}`;
  };

  const takeFault = (method: string): FaultState | undefined => {
    const queue = faults.get(method);
    if (!queue) return undefined;
    while (queue.length > 0) {
      const f = queue[0]!;
      if (f.remaining <= 0) {
        queue.shift();
        continue;
      }
      f.remaining -= 1;
      return f;
    }
    return undefined;
  };

  const dmChannelFor = (userId: string) => `D${userId}`;

  const requireUser = (id: unknown): string => {
    if (typeof id !== 'string' || id === '') throw new SlackError('user_not_found');
    // With no user list configured every ID is accepted, so ad-hoc tests need no setup.
    if (users.size > 0 && !users.has(id) && id !== botUserId) throw new SlackError('user_not_found');
    return id;
  };

  const resolveChannel = (channel: unknown): string => {
    if (typeof channel !== 'string' || channel === '') throw new SlackError('channel_not_found');
    // Posting to a user ID lands in the app's DM with that user.
    if (/^[UW]/.test(channel)) return dmChannelFor(requireUser(channel));
    return channel;
  };

  const requireContent = (args: Record<string, any>) => {
    if (args.blocks !== undefined && !Array.isArray(args.blocks)) throw new SlackError('invalid_blocks_format');
    if (args.attachments !== undefined && !Array.isArray(args.attachments)) throw new SlackError('invalid_attachments');
    const hasText = typeof args.text === 'string' && args.text.length > 0;
    const hasBlocks = Array.isArray(args.blocks) && args.blocks.length > 0;
    const hasAttachments = Array.isArray(args.attachments) && args.attachments.length > 0;
    if (!hasText && !hasBlocks && !hasAttachments) throw new SlackError('no_text');
  };

  const messageObject = (m: StoredMessage) => ({
    type: 'message',
    subtype: 'bot_message',
    text: m.text ?? '',
    user: botUserId,
    bot_id: botId,
    app_id: appId,
    team: teamId,
    ts: m.ts,
    ...(m.blocks ? { blocks: m.blocks } : {}),
    ...(m.attachments ? { attachments: m.attachments } : {}),
  });

  const locales = new Map<string, string>();
  const userObject = (u: FakeUser, isBot = false, includeLocale = false) => ({
    id: u.id,
    team_id: teamId,
    name: u.name,
    deleted: false,
    color: '9f69e7',
    real_name: u.realName ?? u.name,
    tz: 'Europe/Berlin',
    tz_label: 'Central European Time',
    tz_offset: 3600,
    profile: {
      real_name: u.realName ?? u.name,
      real_name_normalized: u.realName ?? u.name,
      display_name: u.name,
      display_name_normalized: u.name,
      team: teamId,
    },
    is_admin: false,
    is_owner: false,
    is_primary_owner: false,
    is_restricted: false,
    is_ultra_restricted: false,
    is_bot: isBot,
    is_app_user: false,
    updated: groupCreated,
    ...(includeLocale && { locale: locales.get(u.id) ?? u.locale ?? 'en-US' }),
  });

  const subteamObject = (g: FakeUserGroup, includeUsers: boolean, includeCount: boolean) => ({
    id: g.id,
    team_id: teamId,
    is_usergroup: true,
    is_subteam: true,
    name: g.name ?? g.handle,
    description: '',
    handle: g.handle,
    is_external: false,
    date_create: groupCreated,
    date_update: groupCreated,
    date_delete: g.disabled ? groupCreated + 1 : 0,
    auto_type: null,
    auto_provision: false,
    enterprise_subteam_id: '',
    created_by: botUserId,
    updated_by: botUserId,
    deleted_by: g.disabled ? botUserId : null,
    prefs: { channels: [], groups: [] },
    ...(includeUsers ? { users: [...g.users] } : {}),
    ...(includeCount ? { user_count: g.users.length, channel_count: 0 } : {}),
  });

  const viewObject = (sv: StoredView) => {
    const v = sv.view ?? {};
    return {
      id: sv.id,
      team_id: teamId,
      type: v.type ?? 'modal',
      blocks: v.blocks ?? [],
      private_metadata: v.private_metadata ?? '',
      callback_id: v.callback_id ?? '',
      state: { values: {} },
      hash: sv.hash,
      title: v.title,
      clear_on_close: v.clear_on_close ?? false,
      notify_on_close: v.notify_on_close ?? false,
      close: v.close ?? null,
      submit: v.submit ?? null,
      previous_view_id: sv.previousViewId,
      root_view_id: sv.rootViewId,
      app_id: appId,
      external_id: sv.externalId ?? '',
      app_installed_team_id: teamId,
      bot_id: botId,
    };
  };

  const storeView = (view: any, previous: StoredView | undefined, root?: string): StoredView => {
    if (typeof view !== 'object' || view === null || Array.isArray(view)) throw new SlackError('invalid_arguments');
    viewCounter += 1;
    const id = `V${String(viewCounter).padStart(9, '0')}`;
    const sv: StoredView = {
      id,
      hash: `${Date.now()}.${viewCounter.toString(16).padStart(8, '0')}`,
      externalId: typeof view.external_id === 'string' ? view.external_id : undefined,
      rootViewId: root ?? id,
      previousViewId: previous?.id ?? null,
      view,
    };
    openViews.set(id, sv);
    return sv;
  };

  const recordView = (method: ViewMethod, sv: StoredView, args: Record<string, any>) => {
    views.push({
      method,
      viewId: sv.id,
      triggerId: typeof args.trigger_id === 'string' ? args.trigger_id : undefined,
      externalId: sv.externalId,
      view: args.view,
      at: Date.now(),
    });
  };

  const requireUsergroupsPlan = () => {
    if (planUpgradeRequired) throw new SlackError('plan_upgrade_required');
  };

  const handlers: Record<string, (args: Record<string, any>) => Record<string, any>> = {
    'api.test': (args) => ({ args: Object.fromEntries(Object.entries(args).filter(([k]) => k !== 'token')) }),

    'auth.test': () => ({
      url: `https://${FAKE_SLACK_DEFAULTS.teamDomain}.slack.com/`,
      team: FAKE_SLACK_DEFAULTS.teamName,
      user: FAKE_SLACK_DEFAULTS.botName,
      team_id: teamId,
      user_id: botUserId,
      bot_id: botId,
      is_enterprise_install: false,
    }),

    'conversations.open': (args) => {
      if (typeof args.channel === 'string' && args.channel !== '') {
        return { channel: { id: args.channel } };
      }
      const ids = commaList(args.users);
      if (ids.length === 0) throw new SlackError('users_list_not_supplied');
      for (const id of ids) requireUser(id);
      const others = ids.filter((id) => id !== botUserId);
      if (others.length > 8) throw new SlackError('too_many_users');
      const id = others.length <= 1 ? dmChannelFor(others[0] ?? botUserId) : `G${others.join('').slice(0, 10)}`;
      return { no_op: true, already_open: true, channel: { id } };
    },

    'chat.postEphemeral': (args) => {
      const channel = resolveChannel(args.channel);
      const user = requireUser(args.user);
      // An ephemeral message can only go to someone in the channel; in a DM that is its one human member.
      if (channel.startsWith('D') && channel !== dmChannelFor(user)) throw new SlackError('user_not_in_channel');
      requireContent(args);
      const ts = nextTs();
      messages.push({
        method: 'chat.postEphemeral',
        channel,
        user,
        text: args.text,
        blocks: args.blocks,
        attachments: args.attachments,
        ts,
        threadTs: args.thread_ts,
        at: Date.now(),
      });
      return { message_ts: ts };
    },

    'chat.postMessage': (args) => {
      const channel = resolveChannel(args.channel);
      requireContent(args);
      const ts = nextTs();
      const stored: StoredMessage = { channel, ts, text: args.text, blocks: args.blocks, attachments: args.attachments };
      posted.set(`${channel}/${ts}`, stored);
      messages.push({
        method: 'chat.postMessage',
        channel,
        text: args.text,
        blocks: args.blocks,
        attachments: args.attachments,
        ts,
        threadTs: args.thread_ts,
        at: Date.now(),
      });
      return { channel, ts, message: messageObject(stored) };
    },

    'chat.update': (args) => {
      const channel = resolveChannel(args.channel);
      const ts = args.ts;
      if (typeof ts !== 'string' || ts === '') throw new SlackError('message_not_found');
      // Ephemeral messages were never stored, so updating one fails here as it does on Slack.
      const stored = posted.get(`${channel}/${ts}`);
      if (!stored) throw new SlackError('message_not_found');
      requireContent(args);
      stored.text = args.text;
      stored.blocks = args.blocks;
      stored.attachments = args.attachments;
      messages.push({
        method: 'chat.update',
        channel,
        text: args.text,
        blocks: args.blocks,
        attachments: args.attachments,
        ts,
        at: Date.now(),
      });
      return { channel, ts, text: args.text ?? '', message: messageObject(stored) };
    },

    'chat.delete': (args) => {
      const channel = resolveChannel(args.channel);
      const key = `${channel}/${args.ts}`;
      if (!posted.has(key)) throw new SlackError('message_not_found');
      posted.delete(key);
      return { channel, ts: args.ts };
    },

    'views.open': (args) => {
      if (typeof args.trigger_id !== 'string' || args.trigger_id === '') throw new SlackError('invalid_arguments');
      const sv = storeView(args.view, undefined);
      recordView('views.open', sv, args);
      return { view: viewObject(sv) };
    },

    'views.push': (args) => {
      if (typeof args.trigger_id !== 'string' || args.trigger_id === '') throw new SlackError('invalid_arguments');
      const top = [...openViews.values()].at(-1);
      if (!top) throw new SlackError('not_found');
      const sv = storeView(args.view, top, top.rootViewId);
      recordView('views.push', sv, args);
      return { view: viewObject(sv) };
    },

    'views.publish': (args) => {
      const userId = requireUser(args.user_id);
      if (typeof args.view !== 'object' || args.view === null || args.view.type !== 'home') throw new SlackError('invalid_arguments');
      if (!Array.isArray(args.view.blocks) || args.view.blocks.length > 100) throw new SlackError('invalid_blocks');
      // One Home view per user, republished in place (as on Slack: the same view id).
      const previous = homeViewIds.get(userId);
      if (previous) openViews.delete(previous);
      const sv = storeView(args.view, undefined);
      if (previous) {
        openViews.delete(sv.id);
        sv.id = previous;
        sv.rootViewId = previous;
        openViews.set(previous, sv);
      }
      homeViewIds.set(userId, sv.id);
      homes.set(userId, args.view);
      views.push({ method: 'views.publish', viewId: sv.id, userId, view: args.view, at: Date.now() });
      return { view: viewObject(sv) };
    },

    'views.update': (args) => {
      let sv: StoredView | undefined;
      if (typeof args.view_id === 'string' && args.view_id !== '') {
        sv = openViews.get(args.view_id);
      } else if (typeof args.external_id === 'string' && args.external_id !== '') {
        sv = [...openViews.values()].find((v) => v.externalId === args.external_id);
      } else {
        throw new SlackError('invalid_arguments');
      }
      if (!sv) throw new SlackError('not_found');
      if (typeof args.hash === 'string' && args.hash !== '' && args.hash !== sv.hash) throw new SlackError('hash_conflict');
      if (typeof args.view !== 'object' || args.view === null) throw new SlackError('invalid_arguments');
      sv.view = args.view;
      viewCounter += 1;
      sv.hash = `${Date.now()}.${viewCounter.toString(16).padStart(8, '0')}`;
      recordView('views.update', sv, args);
      return { view: viewObject(sv) };
    },

    'usergroups.list': (args) => {
      requireUsergroupsPlan();
      const includeUsers = truthy(args.include_users);
      const includeCount = truthy(args.include_count);
      const includeDisabled = truthy(args.include_disabled);
      return {
        usergroups: usergroups
          .filter((g) => includeDisabled || !g.disabled)
          .map((g) => subteamObject(g, includeUsers, includeCount)),
      };
    },

    'usergroups.users.list': (args) => {
      requireUsergroupsPlan();
      if (typeof args.usergroup !== 'string' || args.usergroup === '') throw new SlackError('invalid_arguments');
      const g = usergroups.find((x) => x.id === args.usergroup);
      if (!g) throw new SlackError('no_such_subteam');
      if (g.disabled && !truthy(args.include_disabled)) throw new SlackError('no_such_subteam');
      return { users: [...g.users] };
    },

    'apps.connections.open': () => {
      if (!opts.socketModeUrl) throw new SlackError('invalid_auth');
      return { url: opts.socketModeUrl() };
    },

    'users.info': (args) => {
      const id = args.user;
      if (id === botUserId) {
        return { user: userObject({ id: botUserId, name: FAKE_SLACK_DEFAULTS.botName }, true) };
      }
      // With no user list configured every well-formed ID is someone, as for requireUser.
      if (typeof id !== 'string' || !(users.has(id) || (users.size === 0 && /^[UW][A-Z0-9]{2,20}$/.test(id)))) throw new SlackError('user_not_found');
      return { user: userObject(users.get(id) ?? { id, name: id.toLowerCase() }, false, truthy(args.include_locale)) };
    },
  };

  const checkToken = (req: IncomingMessage, args: Record<string, any>, expected: string | undefined): TokenCheck => {
    const header = req.headers.authorization;
    let presented: string | undefined;
    if (typeof header === 'string' && /^Bearer\s+/i.test(header)) {
      presented = header.replace(/^Bearer\s+/i, '').trim();
    } else if (typeof args.token === 'string') {
      presented = args.token;
    }
    if (!presented) return 'missing';
    if (expected !== undefined && presented !== expected) return 'wrong';
    return 'ok';
  };

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    if (res.writableEnded || res.destroyed) return;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, {
      'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(text)),
      ...headers,
    });
    res.end(text);
  };

  // Answers a fault; returns true when the request is fully handled.
  const applyFault = async (f: FaultState | undefined, res: ServerResponse, record: (status: number, error?: string) => void) => {
    if (!f) return false;
    if (f.delayMs && f.delayMs > 0) await sleep(f.delayMs, timers);
    if (stopped) {
      res.destroy();
      return true;
    }
    if (f.status !== undefined && f.status !== 200) {
      const headers: Record<string, string> = {};
      if (f.status === 429) headers['retry-after'] = String(f.retryAfter ?? 1);
      else if (f.retryAfter !== undefined) headers['retry-after'] = String(f.retryAfter);
      const error = f.error ?? (f.status === 429 ? 'ratelimited' : undefined);
      record(f.status, error);
      send(res, f.status, error ? { ok: false, error } : `HTTP ${f.status}`, headers);
      return true;
    }
    if (f.error) {
      record(200, f.error);
      send(res, 200, { ok: false, error: f.error });
      return true;
    }
    return false;
  };

  const parseArgs = (req: IncomingMessage, raw: string, query: URLSearchParams): Record<string, any> => {
    const args: Record<string, any> = Object.fromEntries(query);
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (raw.length > 0) {
      if (type === 'application/json') {
        const parsed = JSON.parse(raw);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SlackError('json_not_object');
        Object.assign(args, parsed);
      } else if (type === 'application/x-www-form-urlencoded' || type === '') {
        Object.assign(args, parseForm(raw));
      } else {
        throw new SlackError('invalid_form_data');
      }
    }
    return args;
  };

  const decodeJsonFields = (args: Record<string, any>) => {
    for (const key of JSON_FIELDS) {
      const v = args[key];
      if (typeof v !== 'string') continue;
      try {
        args[key] = JSON.parse(v);
      } catch {
        throw new SlackError(key === 'blocks' ? 'invalid_blocks_format' : 'invalid_arguments');
      }
    }
  };

  const handleApi = async (req: IncomingMessage, res: ServerResponse, method: string, query: URLSearchParams) => {
    const raw = await readBody(req);
    const at = Date.now();
    let args: Record<string, any> = {};
    let parseError: string | undefined;
    try {
      args = parseArgs(req, raw, query);
    } catch (e) {
      parseError = e instanceof SlackError ? e.code : 'invalid_json';
    }
    // apps.connections.open takes the app-level token; every other method the bot token.
    const expectedToken = method === 'apps.connections.open' ? opts.appToken : opts.botToken;
    const token = checkToken(req, args, expectedToken);
    delete args.token;
    if (!parseError) {
      try {
        decodeJsonFields(args);
      } catch (e) {
        parseError = e instanceof SlackError ? e.code : 'invalid_arguments';
      }
    }
    const call: RecordedCall = { method, args, at, token, status: 200 };
    calls.push(call);
    const record = (status: number, error?: string) => {
      call.status = status;
      if (error !== undefined) call.error = error;
    };

    if (await applyFault(takeFault(method), res, record)) return;
    if (stopped) return void res.destroy();

    if (parseError) {
      record(200, parseError);
      return send(res, 200, { ok: false, error: parseError });
    }
    const enforce = expectedToken !== undefined;
    if (method !== 'api.test' && (token === 'wrong' || (enforce && token === 'missing'))) {
      const error = token === 'missing' ? 'not_authed' : 'invalid_auth';
      record(200, error);
      return send(res, 200, { ok: false, error });
    }
    const handler = handlers[method];
    if (!handler) {
      record(200, 'unknown_method');
      return send(res, 200, { ok: false, error: 'unknown_method', req_method: method });
    }
    try {
      const result = handler(args);
      return send(res, 200, { ok: true, ...result });
    } catch (e) {
      if (e instanceof SlackError) {
        record(200, e.code);
        return send(res, 200, { ok: false, error: e.code });
      }
      record(500, 'internal_error');
      return send(res, 500, 'internal error');
    }
  };

  const handleResponseUrl = async (req: IncomingMessage, res: ServerResponse, id: string) => {
    const raw = await readBody(req);
    const at = Date.now();
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    let body: any;
    try {
      body = type === 'application/x-www-form-urlencoded' ? parseForm(raw) : JSON.parse(raw);
      if (typeof body?.payload === 'string') body = JSON.parse(body.payload);
    } catch {
      return send(res, 400, 'invalid_payload');
    }
    if (await applyFault(takeFault('response_url'), res, () => undefined)) return;
    if (stopped) return void res.destroy();
    responses.push({ id, body, at });
    return send(res, 200, { ok: true });
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const api = /^\/api\/([A-Za-z0-9_.]+)$/.exec(url.pathname);
    const resp = /^\/response\/([^/]+)$/.exec(url.pathname);
    const done = (p: Promise<unknown>) =>
      p.catch(() => {
        if (!res.headersSent) send(res, 500, 'internal error');
        else res.destroy();
      });
    if (api && (req.method === 'POST' || req.method === 'GET')) {
      done(handleApi(req, res, api[1]!, url.searchParams));
    } else if (resp && req.method === 'POST') {
      done(handleResponseUrl(req, res, decodeURIComponent(resp[1]!)));
    } else {
      req.resume();
      send(res, 404, 'not found');
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  const fake: FakeSlack = {
    url: `${origin}/api/`,
    origin,
    responseUrl(id?: string) {
      responseCounter += 1;
      return `${origin}/response/${encodeURIComponent(id ?? `r${responseCounter}`)}`;
    },
    calls,
    callsTo: (method) => calls.filter((c) => c.method === method),
    responses,
    messages,
    views,
    homes,
    setUsergroups(groups) {
      usergroups = structuredClone(groups);
    },
    setPlanUpgradeRequired(required) {
      planUpgradeRequired = required;
    },
    setLocale(userId, locale) {
      locales.set(userId, locale);
    },
    fault(method, f) {
      const queue = faults.get(method) ?? [];
      queue.push({ ...f, remaining: f.times ?? Number.POSITIVE_INFINITY });
      faults.set(method, queue);
    },
    clearFaults() {
      faults.clear();
    },
    waitFor<T>(pred: () => T | undefined | false | null, timeoutMs = 5000): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      return new Promise<T>((resolve, reject) => {
        const tick = () => {
          let value: T | undefined | false | null;
          try {
            value = pred();
          } catch (e) {
            return reject(e);
          }
          if (value) return resolve(value);
          if (Date.now() >= deadline) return reject(new Error(`fake Slack: condition not met within ${timeoutMs} ms`));
          setTimeout(tick, 10);
        };
        tick();
      });
    },
    reset() {
      calls.length = 0;
      messages.length = 0;
      views.length = 0;
      responses.length = 0;
      homes.clear();
    },
    forgetPosted() {
      posted.clear();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  return fake;
}

// What each person of the playground sees, rebuilt from what the bot sent to the Web API
// (recorded by the fake Slack server) and to response URLs. Slack's visibility rules hold:
// an ephemeral message or a response_url answer is shown only to the person it is for.
import type { FakeSlack } from '../test/fakes/slack-api';
import { APPROVALS_CHANNEL, PEOPLE } from './directory';

export interface Item {
  id: string;
  channel: string;
  /** The message's Slack timestamp (what a button click reports as message_ts). */
  ts: string;
  /** `bot`: from the bot; `command`: the slash command the person typed; `notice`: from the page itself. */
  kind: 'bot' | 'command' | 'notice';
  /** Set for ephemeral messages: the only person who sees it. */
  visibleTo?: string;
  text: string;
  blocks?: unknown[];
  at: number;
  edited?: boolean;
  /** Where it came from, for the page: chat.postMessage, chat.postEphemeral, response_url. */
  via: string;
}

export interface OpenView {
  id: string;
  view: Record<string, any>;
}

export interface ChannelView {
  id: string;
  name: string;
  kind: 'dm' | 'channel';
  items: Array<Omit<Item, 'visibleTo'> & { ephemeral: boolean; hasToken: boolean }>;
}

export interface PersonState {
  version: number;
  user: string;
  channels: ChannelView[];
  modal: { id: string; title?: unknown; submit?: unknown; close?: unknown; blocks: unknown[] } | null;
  /** The app's Home tab as last published for this person (views.publish). */
  home: { blocks: unknown[] } | null;
}

interface ResponseTarget {
  userId: string;
  channel: string;
  /** The message whose button was clicked, for replace_original / delete_original. */
  source?: string;
}

const TOKEN_BLOCK = /```eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+```/;

/** The token carried by a message's blocks, if any (the bot puts it in a code block). */
export function tokenOf(item: Pick<Item, 'blocks'>): string | undefined {
  const m = TOKEN_BLOCK.exec(JSON.stringify(item.blocks ?? []));
  return m?.[0].slice(3, -3);
}

export const dmChannel = (userId: string): string => `D${userId}`;

export class Workspace {
  private readonly items: Item[] = [];
  private readonly byTs = new Map<string, Item>();
  private readonly responseTargets = new Map<string, ResponseTarget>();
  private readonly triggers = new Map<string, string>();
  private readonly modals = new Map<string, OpenView[]>();
  private readonly homes = new Map<string, { blocks: unknown[] }>();
  private seen = { messages: 0, responses: 0, views: 0 };
  private counter = 0;
  private localTs = 0;
  version = 0;

  constructor(private readonly slack: FakeSlack) {}

  /** Remembers whose a response URL is, so the answer lands in that person's view. */
  expectResponse(id: string, target: ResponseTarget): void {
    this.responseTargets.set(id, target);
  }

  /** Remembers who a trigger_id was given to: the modal it opens is theirs. */
  expectTrigger(triggerId: string, userId: string): void {
    this.triggers.set(triggerId, userId);
  }

  item(id: string): Item | undefined {
    this.sync();
    return this.items.find((i) => i.id === id);
  }

  /** Adds an item that does not come from the bot: the typed command, or a note from the page. */
  addLocal(item: Omit<Item, 'id' | 'ts' | 'at'>): Item {
    const full: Item = { ...item, id: this.nextId(), ts: this.nextLocalTs(), at: Date.now() };
    this.items.push(full);
    this.version++;
    return full;
  }

  topView(userId: string): OpenView | undefined {
    this.sync();
    return this.modals.get(userId)?.at(-1);
  }

  closeView(userId: string, viewId: string, all = false): void {
    const stack = this.modals.get(userId);
    if (!stack) return;
    const at = stack.findIndex((v) => v.id === viewId);
    if (at < 0) return;
    stack.splice(all ? 0 : at);
    this.version++;
  }

  replaceView(userId: string, viewId: string, view: Record<string, any>): void {
    const open = this.modals.get(userId)?.find((v) => v.id === viewId);
    if (open) {
      open.view = view;
      this.version++;
    }
  }

  /** Takes in whatever the bot sent since the last call; returns true when anything changed. */
  sync(): boolean {
    const before = this.version;
    const { messages, responses, views } = this.slack;
    for (; this.seen.messages < messages.length; this.seen.messages++) {
      const m = messages[this.seen.messages]!;
      if (m.method === 'chat.update') {
        const target = this.byTs.get(`${m.channel}/${m.ts}`);
        if (target) Object.assign(target, { text: m.text ?? '', blocks: m.blocks, edited: true });
      } else {
        const item: Item = {
          id: this.nextId(),
          channel: m.channel,
          ts: m.ts,
          kind: 'bot',
          text: m.text ?? '',
          ...(m.blocks && { blocks: m.blocks }),
          at: m.at,
          via: m.method,
          ...(m.method === 'chat.postEphemeral' && m.user && { visibleTo: m.user }),
        };
        this.items.push(item);
        if (m.method === 'chat.postMessage') this.byTs.set(`${m.channel}/${m.ts}`, item);
      }
      this.version++;
    }
    for (; this.seen.responses < responses.length; this.seen.responses++) {
      const r = responses[this.seen.responses]!;
      const target = this.responseTargets.get(r.id);
      if (!target) continue;
      this.applyResponse(target, r.body ?? {}, r.at);
      this.version++;
    }
    for (; this.seen.views < views.length; this.seen.views++) {
      const v = views[this.seen.views]!;
      if (v.method === 'views.publish') {
        if (v.userId) this.homes.set(v.userId, { blocks: v.view?.blocks ?? [] });
      } else if (v.method === 'views.update') {
        for (const stack of this.modals.values()) for (const open of stack) if (open.id === v.viewId) open.view = v.view;
      } else {
        const userId = v.triggerId ? this.triggers.get(v.triggerId) : undefined;
        if (!userId) continue;
        const stack = this.modals.get(userId) ?? [];
        if (v.method === 'views.open') stack.length = 0;
        stack.push({ id: v.viewId, view: v.view });
        this.modals.set(userId, stack);
      }
      this.version++;
    }
    return this.version !== before;
  }

  /** Everything `userId` may see: their DM with the bot and the approvals channel. */
  stateFor(userId: string): PersonState {
    this.sync();
    const visible = (i: Item) => i.visibleTo === undefined || i.visibleTo === userId;
    const channel = (id: string, name: string, kind: ChannelView['kind']): ChannelView => ({
      id,
      name,
      kind,
      items: this.items
        .filter((i) => i.channel === id && visible(i))
        .map(({ visibleTo, ...rest }) => ({ ...rest, ephemeral: visibleTo !== undefined, hasToken: visibleTo === userId && tokenOf(rest) !== undefined })),
    });
    const top = this.modals.get(userId)?.at(-1);
    return {
      version: this.version,
      user: userId,
      channels: [channel(dmChannel(userId), 'Karpor tokens', 'dm'), channel(APPROVALS_CHANNEL.id, APPROVALS_CHANNEL.name, 'channel')],
      // private_metadata stays on the server, as it would in Slack.
      modal: top ? { id: top.id, title: top.view.title, submit: top.view.submit, close: top.view.close, blocks: top.view.blocks ?? [] } : null,
      home: this.homes.get(userId) ?? null,
    };
  }

  /** The Home tab's blocks for a person, to find the button they clicked. */
  homeOf(userId: string): unknown[] | undefined {
    this.sync();
    return this.homes.get(userId)?.blocks;
  }

  private applyResponse(target: ResponseTarget, body: Record<string, any>, at: number): void {
    const source = target.source ? this.items.find((i) => i.id === target.source) : undefined;
    if (body.delete_original === true || body.delete_original === 'true') {
      if (source) this.items.splice(this.items.indexOf(source), 1);
      return;
    }
    const content = { text: String(body.text ?? ''), ...(Array.isArray(body.blocks) && { blocks: body.blocks }) };
    if ((body.replace_original === true || body.replace_original === 'true') && source) {
      // Without blocks the replacement is text only, as on Slack.
      delete source.blocks;
      Object.assign(source, content, { edited: true });
      return;
    }
    const inChannel = body.response_type === 'in_channel';
    this.items.push({
      id: this.nextId(),
      channel: target.channel,
      ts: this.nextLocalTs(),
      kind: 'bot',
      ...content,
      at,
      via: 'response_url',
      ...(!inChannel && { visibleTo: target.userId }),
    });
  }

  private nextId(): string {
    return `m${++this.counter}`;
  }

  // Timestamps for messages Slack would not store (response_url answers, the page's own notes).
  private nextLocalTs(): string {
    this.localTs = Math.max(Date.now() * 1000, this.localTs + 1);
    return `${Math.floor(this.localTs / 1e6)}.${String(this.localTs % 1e6).padStart(6, '0')}`;
  }
}

export function personById(id: unknown): (typeof PEOPLE)[number] | undefined {
  return PEOPLE.find((p) => p.id === id);
}

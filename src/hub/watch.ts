import { HubError } from '../domain/errors';
import type { HubClient } from './client';
import { watchHub } from './watch-stream';

interface Named {
  metadata?: { name?: string; resourceVersion?: string };
}

/** The server ends each watch after this long; the bot then follows on from where it was. */
const WATCH_SECONDS = 240;
/** A watch that has said nothing for longer than its own time limit is dead: start over. */
const SILENT_MS = (WATCH_SECONDS + 30) * 1000;
const RETRY_MS = { first: 500, max: 15_000 };
/** The first list of a large copy (tens of thousands of objects) takes longer than catching up: readers wait this long for it. */
const FIRST_LIST_MS = 60_000;

/** Objects per page of the first list: a namespace with thousands of grants is read in pieces. */
const PAGE = 500;

export interface WatchOptions<T, V> {
  /** Only objects with these labels (a watch with a selector reports an object that stops matching as deleted). */
  labelSelector?: string;
  /** What is kept of each object (a smaller form keeps memory flat when there are thousands). */
  keep?: (item: T) => V;
}

/**
 * A live copy of one list of hub objects: listed once (in pages), then followed with a watch from
 * that resourceVersion, re-watched when the server ends the watch and re-listed when the version
 * is too old (410). Readers wait while it is catching up, so what they see is never older than
 * the hub's last event and costs no call per read.
 */
export class HubWatch<T extends Named, V = T> {
  private readonly items = new Map<string, V>();
  /** Deleted by the bot itself: an event still in flight from before must not bring them back. */
  private readonly gone = new Set<string>();
  private readonly keep: (item: T) => V;
  private readonly labelSelector?: string;
  /** What the bot itself put and dropped while a list was being read: newer than the list. */
  private listing?: { puts: Map<string, V>; drops: Set<string> };
  private version?: string;
  private live = false;
  private everLive = false;
  private stopped = true;
  private waiters: Array<(ok: boolean) => void> = [];
  private abort?: AbortController;
  private sleeping?: { timer: NodeJS.Timeout; wake: () => void };

  constructor(
    private readonly conn: HubClient,
    /** What it follows, for logs and metrics: `clusterrolebindings`, `serviceaccounts in karpor-guests`. */
    readonly what: string,
    private readonly path: string,
    private readonly onChange: () => void,
    private readonly onTrouble: (err: unknown, what: string) => void,
    private readonly timeoutMs: number,
    options: WatchOptions<T, V> = {},
  ) {
    this.keep = options.keep ?? ((item) => item as unknown as V);
    if (options.labelSelector) this.labelSelector = options.labelSelector;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.loop();
  }

  stop(): void {
    this.stopped = true;
    this.live = false;
    this.abort?.abort();
    this.wake();
  }

  private wake(): void {
    if (!this.sleeping) return;
    clearTimeout(this.sleeping.timer);
    this.sleeping.wake();
    this.sleeping = undefined;
  }

  values(): V[] {
    return [...this.items.values()];
  }

  get(name: string): V | undefined {
    return this.items.get(name);
  }

  /** Puts an object the bot itself just made or changed, ahead of its event. */
  put(item: T): void {
    const name = item.metadata?.name;
    if (!name) return;
    const value = this.keep(item);
    this.items.set(name, value);
    this.gone.delete(name);
    this.listing?.puts.set(name, value);
    this.listing?.drops.delete(name);
  }

  /** Takes out an object the bot itself just deleted (or the hub said is gone), ahead of its event. */
  drop(name: string): void {
    if (this.items.delete(name)) this.gone.add(name);
    this.listing?.puts.delete(name);
    this.listing?.drops.add(name);
  }

  /** Resolves once the copy is current; fails closed when it cannot be made so in time. */
  async current(timeoutMs: number): Promise<void> {
    if (this.live) return;
    // Someone is waiting: try again now rather than after the back-off.
    this.wake();
    const firstList = !this.everLive && this.listing !== undefined;
    let timer: NodeJS.Timeout | undefined;
    const caughtUp = new Promise<boolean>((resolve) => {
      this.waiters.push(resolve);
      timer = setTimeout(() => resolve(false), firstList ? Math.max(timeoutMs, FIRST_LIST_MS) : timeoutMs);
    });
    const ok = await caughtUp.finally(() => clearTimeout(timer));
    if (!ok) throw new HubError('unavailable', `no current copy of ${this.what}`);
  }

  private async loop(): Promise<void> {
    let retry = RETRY_MS.first;
    while (!this.stopped) {
      try {
        if (!this.version) await this.list();
        await this.follow();
        retry = RETRY_MS.first;
      } catch (err) {
        this.live = false;
        // A first list that failed will not be done in time for anyone waiting on it.
        if (!this.everLive) for (const fail of this.waiters.splice(0)) fail(false);
        if (this.stopped) return;
        if (statusCodeOf(err) === 401) this.conn.reload();
        if (statusCodeOf(err) === 410) this.version = undefined;
        else this.onTrouble(err, this.what);
        await this.sleep(retry);
        retry = Math.min(retry * 2, RETRY_MS.max);
      }
    }
  }

  private async list(): Promise<void> {
    const fresh = new Map<string, V>();
    let version: string | undefined;
    let next: string | undefined;
    const local = (this.listing = { puts: new Map<string, V>(), drops: new Set<string>() });
    try {
      do {
        const query = new URLSearchParams({ limit: String(PAGE), ...(this.labelSelector && { labelSelector: this.labelSelector }), ...(next && { continue: next }) });
        const page = await this.conn.get<{ items: T[]; metadata?: { resourceVersion?: string; continue?: string } }>(`list ${this.what}`, `${this.path}?${query}`);
        for (const item of page.items) if (item.metadata?.name) fresh.set(item.metadata.name, this.keep(item));
        version = page.metadata?.resourceVersion;
        next = page.metadata?.continue || undefined;
      } while (next);
    } finally {
      this.listing = undefined;
    }
    this.items.clear();
    this.gone.clear();
    for (const [name, value] of fresh) this.items.set(name, value);
    // The list is a snapshot from its first page: the bot's own writes since then stand until
    // their events arrive.
    for (const [name, value] of local.puts) this.items.set(name, value);
    for (const name of local.drops) if (this.items.delete(name)) this.gone.add(name);
    this.version = version;
    this.onChange();
  }

  /** One watch, until the server ends it (resolves) or it fails (rejects). */
  private async follow(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      let ended = false;
      let silence: NodeJS.Timeout | undefined;
      const quiet = () => {
        clearTimeout(silence);
        silence = setTimeout(() => this.abort?.abort(), SILENT_MS);
        silence.unref();
      };
      const end = (err?: unknown) => {
        if (ended) return;
        ended = true;
        clearTimeout(silence);
        this.live = false;
        if (err) reject(err);
        else resolve();
      };
      const onEvent = (type: string, object: T & { code?: number }) => {
        quiet();
        if (type === 'ERROR') return end(Object.assign(new Error(`watch of ${this.what} failed`), { statusCode: object.code }));
        const version = object.metadata?.resourceVersion;
        if (version) this.version = version;
        if (type === 'BOOKMARK') return;
        const name = object.metadata?.name;
        if (!name) return;
        if (type === 'DELETED') {
          this.items.delete(name);
          this.gone.delete(name);
        } else if (!this.gone.has(name)) this.items.set(name, this.keep(object));
        this.onChange();
      };
      const query = { resourceVersion: this.version, allowWatchBookmarks: true, timeoutSeconds: WATCH_SECONDS, ...(this.labelSelector && { labelSelector: this.labelSelector }) };
      // The watch client has no time limit of its own on getting an answer.
      const starting = setTimeout(() => end(new Error(`watch of ${this.what} got no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      watchHub(this.conn, this.path, query, onEvent, (err: unknown) => end(err ?? undefined))
        .then(
          (abort) => {
            clearTimeout(starting);
            if (ended || this.stopped) return abort.abort();
            this.abort = abort;
            quiet();
            this.live = true;
            this.everLive = true;
            for (const wake of this.waiters.splice(0)) wake(true);
          },
          (err: unknown) => {
            clearTimeout(starting);
            end(err);
          },
        );
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.sleeping = undefined;
        resolve();
      }, ms);
      timer.unref();
      this.sleeping = { timer, wake: resolve };
    });
  }
}

function statusCodeOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { statusCode?: unknown; code?: unknown };
  if (typeof e.statusCode === 'number') return e.statusCode;
  return typeof e.code === 'number' ? e.code : undefined;
}

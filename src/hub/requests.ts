import type * as k8s from '@kubernetes/client-node';
import { StaleRequestError, type RequestStore } from '../domain/ports';
import { OPEN_STATES, type AccessRequest, type NewAccessRequest, type OpenState } from '../domain/request';
import type { HubClient } from './client';
import { paths } from './paths';
import { BOT, botLabels, isObjectId, KIND, MANAGED_BY, REQUEST_TYPE, ROLE, selector, STATE, USER } from './labels';
import { HubWatch } from './watch';

const BODY = 'karpor.io/request';
const PREFIX = 'karpor-request-';
const DATES = ['createdAt', 'expiresAt', 'decidedAt', 'tokenExpiresAt'] as const;
/** How long a list waits for the copy of the open requests to catch up before it fails. */
const CURRENT_WITHIN_MS = 5_000;
const PAGE = 500;
const REQUESTS = selector({ [MANAGED_BY]: BOT, [KIND]: 'request' });

/**
 * Access requests as Secrets on the hub (the hub serves no ConfigMaps): the request is JSON in an
 * annotation, the state also a label for listing. Updates carry the resourceVersion that was read,
 * so of two replicas deciding the same request, the second gets 409 and must re-read. The open
 * requests are followed in a live copy (a watch on the state label), so listing them costs the
 * hub nothing however many finished ones it keeps; a request is read from the hub itself before
 * it is changed.
 */
export class HubRequestStore implements RequestStore {
  private readonly open: HubWatch<k8s.V1Secret, AccessRequest | undefined>;

  constructor(
    private readonly conn: HubClient,
    private readonly namespace: string,
    onTrouble: (err: unknown, what: string) => void,
  ) {
    const labelSelector = `${REQUESTS},${STATE} in (${OPEN_STATES.join(',')})`;
    this.open = new HubWatch(conn, `open requests in ${namespace}`, paths.secrets(namespace), () => undefined, onTrouble, conn.timeoutMs, {
      labelSelector,
      keep: (s) => (s.type === REQUEST_TYPE ? fromSecret(s) : undefined),
    });
  }

  start(): void {
    this.open.start();
  }

  stop(): void {
    this.open.stop();
  }

  async create(request: NewAccessRequest): Promise<AccessRequest> {
    const body = this.toSecret(request);
    const secret = await this.conn.create<k8s.V1Secret>('create request', paths.secrets(this.namespace), body);
    return this.recorded(secret);
  }

  async get(id: string): Promise<AccessRequest | undefined> {
    if (!isObjectId(id)) return undefined;
    const secret = await this.conn.getIfExists<k8s.V1Secret>('read request', paths.secrets(this.namespace, PREFIX + id));
    return secret?.type === REQUEST_TYPE ? fromSecret(secret) : undefined;
  }

  async list(filter: { state?: OpenState; requester?: string }): Promise<AccessRequest[]> {
    await this.open.current(CURRENT_WITHIN_MS);
    return this.open
      .values()
      .filter((r): r is AccessRequest => r !== undefined && (!filter.state || r.state === filter.state) && (!filter.requester || r.requester === filter.requester));
  }

  async *finished(): AsyncIterable<AccessRequest[]> {
    const labelSelector = `${REQUESTS},${STATE} notin (${OPEN_STATES.join(',')})`;
    let next: string | undefined;
    do {
      const query = new URLSearchParams({ labelSelector, limit: String(PAGE), ...(next && { continue: next }) });
      // The hub's own JSON (`continue`), not client-node's model of it (`_continue`).
      const page = await this.conn.get<{ items: k8s.V1Secret[]; metadata?: { continue?: string } }>('list finished requests', `${paths.secrets(this.namespace)}?${query}`);
      yield page.items.filter((s) => s.type === REQUEST_TYPE).map(fromSecret);
      next = page.metadata?.continue || undefined;
    } while (next);
  }

  async update(current: AccessRequest, next: AccessRequest): Promise<AccessRequest> {
    if (!current.version) throw new Error(`request ${current.id} was not read from the store`);
    const body = this.toSecret(next);
    body.metadata!.resourceVersion = current.version;
    const secret = await this.conn.replaceUnlessChanged<k8s.V1Secret>('update request', paths.secrets(this.namespace, PREFIX + current.id), body);
    if (!secret) throw new StaleRequestError(current.id);
    return this.recorded(secret);
  }

  async delete(id: string): Promise<boolean> {
    if (!isObjectId(id)) return false;
    const deleted = await this.conn.deleteIfExists('delete request', paths.secrets(this.namespace, PREFIX + id));
    this.open.drop(PREFIX + id);
    return deleted;
  }

  /** What the hub took goes into the copy at once (out of it once finished), ahead of its event. */
  private recorded(secret: k8s.V1Secret): AccessRequest {
    const request = fromSecret(secret);
    if (OPEN_STATES.includes(request.state as OpenState)) this.open.put(secret);
    else this.open.drop(PREFIX + request.id);
    return request;
  }

  private toSecret(request: NewAccessRequest): k8s.V1Secret {
    const { version: _version, ...stored } = request as AccessRequest;
    return {
      apiVersion: 'v1',
      kind: 'Secret',
      type: REQUEST_TYPE,
      metadata: {
        name: PREFIX + request.id,
        namespace: this.namespace,
        labels: botLabels({ [KIND]: 'request', [USER]: request.requester, [ROLE]: request.role, [STATE]: request.state }),
        annotations: { [BODY]: JSON.stringify(stored) },
      },
    };
  }
}

function fromSecret(secret: k8s.V1Secret): AccessRequest {
  const raw = JSON.parse(secret.metadata?.annotations?.[BODY] ?? '{}');
  for (const key of DATES) if (raw[key]) raw[key] = new Date(raw[key]);
  raw.approvals = (raw.approvals ?? []).map((a: { userId: string; at: string }) => ({ ...a, at: new Date(a.at) }));
  raw.cards ??= [];
  if (raw.claim) raw.claim.at = new Date(raw.claim.at);
  return { ...raw, version: secret.metadata?.resourceVersion };
}

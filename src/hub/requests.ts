import type * as k8s from '@kubernetes/client-node';
import { StaleRequestError, type RequestStore } from '../domain/ports';
import { OPEN_STATES, type AccessRequest, type FinishedRequest, type NewAccessRequest, type OpenState } from '../domain/request';
import type { HubClient } from './client';
import { paths } from './paths';
import { BOT, botLabels, isObjectId, KIND, MANAGED_BY, REQUEST_TYPE, ROLE, selector, STATE, USER } from './labels';
import { HubWatch } from './watch';

const BODY = 'karpor.io/request';
const PREFIX = 'karpor-request-';
const DATES = ['createdAt', 'expiresAt', 'decidedAt', 'tokenExpiresAt'] as const;
/** How long a list waits for the copy of the requests to catch up before it fails. */
const CURRENT_WITHIN_MS = 5_000;

/**
 * Access requests as Secrets on the hub (the hub serves no ConfigMaps): the request is JSON in an
 * annotation, the state also a label for listing. Updates carry the resourceVersion that was read,
 * so of two replicas deciding the same request, the second gets 409 and must re-read. Every
 * request is followed in a live copy (a watch), open ones whole and finished ones only as far as
 * the retention needs, so neither listing them nor sweeping out old ones costs the hub anything
 * however many it keeps; a request is read from the hub itself before it is changed.
 */
export class HubRequestStore implements RequestStore {
  private readonly copy: HubWatch<k8s.V1Secret, AccessRequest | FinishedRequest | undefined>;

  constructor(
    private readonly conn: HubClient,
    private readonly namespace: string,
    onTrouble: (err: unknown, what: string) => void,
  ) {
    this.copy = new HubWatch(conn, `requests in ${namespace}`, paths.secrets(namespace), () => undefined, onTrouble, conn.timeoutMs, {
      labelSelector: selector({ [MANAGED_BY]: BOT, [KIND]: 'request' }),
      keep: (s) => (s.type === REQUEST_TYPE ? kept(fromSecret(s)) : undefined),
    });
  }

  start(): void {
    this.copy.start();
  }

  stop(): void {
    this.copy.stop();
  }

  async create(request: NewAccessRequest): Promise<AccessRequest> {
    const body = requestSecret(this.namespace, request);
    const secret = await this.conn.create<k8s.V1Secret>('create request', paths.secrets(this.namespace), body);
    return this.recorded(secret);
  }

  async get(id: string): Promise<AccessRequest | undefined> {
    if (!isObjectId(id)) return undefined;
    const secret = await this.conn.getIfExists<k8s.V1Secret>('read request', paths.secrets(this.namespace, PREFIX + id));
    return secret?.type === REQUEST_TYPE ? fromSecret(secret) : undefined;
  }

  async list(filter: { state?: OpenState; requester?: string }): Promise<AccessRequest[]> {
    const open = (await this.current()).filter((r) => isOpen(r.state)) as AccessRequest[];
    return open.filter((r) => (!filter.state || r.state === filter.state) && (!filter.requester || r.requester === filter.requester));
  }

  async finished(): Promise<FinishedRequest[]> {
    return (await this.current()).filter((r) => !isOpen(r.state));
  }

  private async current(): Promise<Array<AccessRequest | FinishedRequest>> {
    await this.copy.current(CURRENT_WITHIN_MS);
    return this.copy.values().filter((r): r is AccessRequest | FinishedRequest => r !== undefined);
  }

  async update(current: AccessRequest, next: AccessRequest): Promise<AccessRequest> {
    if (!current.version) throw new Error(`request ${current.id} was not read from the store`);
    const body = requestSecret(this.namespace, next);
    body.metadata!.resourceVersion = current.version;
    const secret = await this.conn.replaceUnlessChanged<k8s.V1Secret>('update request', paths.secrets(this.namespace, PREFIX + current.id), body);
    if (!secret) throw new StaleRequestError(current.id);
    return this.recorded(secret);
  }

  async delete(id: string): Promise<boolean> {
    if (!isObjectId(id)) return false;
    const deleted = await this.conn.deleteIfExists('delete request', paths.secrets(this.namespace, PREFIX + id));
    this.copy.drop(PREFIX + id);
    return deleted;
  }

  /** What the hub took goes into the copy at once, ahead of its event. */
  private recorded(secret: k8s.V1Secret): AccessRequest {
    this.copy.put(secret);
    return fromSecret(secret);
  }
}

/** The Secret a request is: the request as JSON in an annotation, its state also a label. */
export function requestSecret(namespace: string, request: NewAccessRequest): k8s.V1Secret {
  const { version: _version, ...stored } = request as AccessRequest;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: REQUEST_TYPE,
    metadata: {
      name: PREFIX + request.id,
      namespace,
      labels: botLabels({ [KIND]: 'request', [USER]: request.requester, [ROLE]: request.role, [STATE]: request.state }),
      annotations: { [BODY]: JSON.stringify(stored) },
    },
  };
}

function isOpen(state: AccessRequest['state']): boolean {
  return OPEN_STATES.includes(state as OpenState);
}

/** Open requests whole; of a finished one only what its retention needs (there may be tens of thousands). */
function kept(r: AccessRequest): AccessRequest | FinishedRequest {
  return isOpen(r.state) ? r : { id: r.id, state: r.state, expiresAt: r.expiresAt, ...(r.decidedAt && { decidedAt: r.decidedAt }) };
}

function fromSecret(secret: k8s.V1Secret): AccessRequest {
  const raw = JSON.parse(secret.metadata?.annotations?.[BODY] ?? '{}');
  for (const key of DATES) if (raw[key]) raw[key] = new Date(raw[key]);
  raw.approvals = (raw.approvals ?? []).map((a: { userId: string; at: string }) => ({ ...a, at: new Date(a.at) }));
  raw.cards ??= [];
  if (raw.claim) raw.claim.at = new Date(raw.claim.at);
  return { ...raw, version: secret.metadata?.resourceVersion };
}

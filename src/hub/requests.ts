import type * as k8s from '@kubernetes/client-node';
import { StaleRequestError, type RequestStore } from '../domain/ports';
import type { AccessRequest, NewAccessRequest } from '../domain/request';
import type { HubClient } from './client';
import { paths } from './paths';
import { BOT, botLabels, isObjectId, KIND, MANAGED_BY, REQUEST_TYPE, ROLE, selector, STATE, USER } from './labels';

const BODY = 'karpor.io/request';
const PREFIX = 'karpor-request-';
const DATES = ['createdAt', 'expiresAt', 'decidedAt', 'tokenExpiresAt'] as const;

/**
 * Access requests as Secrets on the hub (the hub serves no ConfigMaps): the request is JSON in an
 * annotation, the state also a label for listing. Updates carry the resourceVersion that was read,
 * so of two replicas deciding the same request, the second gets 409 and must re-read.
 */
export class HubRequestStore implements RequestStore {
  constructor(
    private readonly conn: HubClient,
    private readonly namespace: string,
  ) {}

  async create(request: NewAccessRequest): Promise<AccessRequest> {
    const body = this.toSecret(request);
    const secret = await this.conn.create<k8s.V1Secret>('create request', paths.secrets(this.namespace), body);
    return fromSecret(secret);
  }

  async get(id: string): Promise<AccessRequest | undefined> {
    if (!isObjectId(id)) return undefined;
    const secret = await this.conn.getIfExists<k8s.V1Secret>('read request', paths.secrets(this.namespace, PREFIX + id));
    return secret?.type === REQUEST_TYPE ? fromSecret(secret) : undefined;
  }

  async list(filter: { state?: AccessRequest['state']; requester?: string }): Promise<AccessRequest[]> {
    const labelSelector = selector({ [MANAGED_BY]: BOT, [KIND]: 'request', ...(filter.state && { [STATE]: filter.state }), ...(filter.requester && { [USER]: filter.requester }) });
    const list = await this.conn.get<k8s.V1SecretList>('list requests', paths.withLabels(paths.secrets(this.namespace), labelSelector));
    return list.items.filter((s) => s.type === REQUEST_TYPE).map(fromSecret);
  }

  async update(current: AccessRequest, next: AccessRequest): Promise<AccessRequest> {
    if (!current.version) throw new Error(`request ${current.id} was not read from the store`);
    const body = this.toSecret(next);
    body.metadata!.resourceVersion = current.version;
    const secret = await this.conn.replaceUnlessChanged<k8s.V1Secret>('update request', paths.secrets(this.namespace, PREFIX + current.id), body);
    if (!secret) throw new StaleRequestError(current.id);
    return fromSecret(secret);
  }

  delete(id: string): Promise<boolean> {
    if (!isObjectId(id)) return Promise.resolve(false);
    return this.conn.deleteIfExists('delete request', paths.secrets(this.namespace, PREFIX + id));
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

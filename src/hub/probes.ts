/**
 * What the doctor and token delivery ask the hub, over a port small enough to sit on any HTTP
 * client. Nothing here writes to Karpor: the probes only read, and the one TokenRequest is for a
 * ServiceAccount that holds no role.
 */
import { clusterRolesRead, longestRoleSeconds, type HubFacts } from '../domain/doctor';
import { LOGIN_CHECK, type RoleRule } from '../domain/karpor-defaults';
import { HubError } from '../domain/errors';
import type { Policy } from '../domain/policy';
import type { TokenProof } from '../domain/ports';
import { rbacFlag } from './server-configs';

export interface ProbeHttp {
  /**
   * A GET on the hub that carries only `bearer` (someone else's token), or no credential at all
   * (`null`). Resolves with any status; rejects only when no answer came.
   */
  present(path: string, bearer: string | null): Promise<{ status: number; json?: unknown }>;
  /** A TokenRequest for the account; only the expiry the hub granted comes back, never the token. */
  tokenRequest(namespace: string, serviceAccount: string, seconds: number): Promise<{ expirationTimestamp: Date }>;
  /** The ClusterRole's rules, undefined when the hub has no such role; rejects when it cannot say. */
  clusterRole(name: string): Promise<RoleRule[] | undefined>;
}

/** Reads a person without a token could try: the cluster list (data) and the login check. */
export const ANONYMOUS_READS = ['/rest-api/v1/clusters', LOGIN_CHECK];

/** How far past the policy's longest role the token-maximum probe asks. */
const BEYOND_LONGEST_SECONDS = 3600;

/**
 * The hub's part of the doctor's facts. `probeAccount` is a ServiceAccount with no role
 * bindings (its token would allow nothing even if it leaked); it must exist.
 */
export async function gatherHubFacts(http: ProbeHttp, policy: Policy, probeAccount: { namespace: string; serviceAccount: string }): Promise<HubFacts> {
  const names = clusterRolesRead(policy);
  const botRefused: string[] = [];
  const noteRefusal = (what: string) => (err: unknown) => {
    if (err instanceof HubError && err.kind === 'forbidden') botRefused.push(what);
    return undefined;
  };
  const [rbac, anonymousReads, tokenMaximum, clusterRoles] = await Promise.all([
    rbacEnabled(http),
    Promise.all(ANONYMOUS_READS.map(async (path) => ({ path, status: await http.present(path, null).then((a) => a.status, () => 0) }))),
    probeTokenMaximum(http, policy, probeAccount, noteRefusal(`a token for ${probeAccount.namespace}/${probeAccount.serviceAccount}`)),
    Promise.all(names.map(async (name) => ({ name, rules: await http.clusterRole(name).then((r) => r ?? null, noteRefusal(`reading ClusterRole ${name}`)) }))),
  ]);
  return { rbac, anonymousReads, tokenMaximum, clusterRoles, botRefused };
}

/** `CoreOptions.EnableRBAC` from Karpor's `GET /server-configs` (asked without a token, as it needs none). */
async function rbacEnabled(http: ProbeHttp): Promise<boolean | undefined> {
  const answer = await http.present('/server-configs', null).catch(() => undefined);
  return answer?.status === 200 ? rbacFlag(answer.json) : undefined;
}

async function probeTokenMaximum(
  http: ProbeHttp,
  policy: Policy,
  account: { namespace: string; serviceAccount: string },
  onError: (err: unknown) => undefined,
): Promise<HubFacts['tokenMaximum']> {
  const askedSeconds = longestRoleSeconds(policy) + BEYOND_LONGEST_SECONDS;
  const before = Date.now();
  try {
    const { expirationTimestamp } = await http.tokenRequest(account.namespace, account.serviceAccount, askedSeconds);
    return { askedSeconds, grantedSeconds: Math.round((expirationTimestamp.getTime() - before) / 1000) };
  } catch (err) {
    return onError(err);
  }
}

/**
 * Presents a freshly minted token the way Karpor's dashboard does at login (`GET
 * /rest-api/v1/authn` with the token) and nothing else, so a token with write rights writes
 * nothing. Only 200 is the dashboard's yes: 401 is a token the hub does not know, 403 one it
 * will not let in, and any other answer (a 404 from a server without Karpor's API among them)
 * would leave the person at a failed login. No answer at all is status 0. The hub trusts a
 * token it has just accepted for 10 s, so a grant revoked right after the proof stops working
 * up to 10 s later.
 */
export async function proveToken(http: ProbeHttp, token: string): Promise<TokenProof> {
  const status = await http.present(LOGIN_CHECK, token).then((a) => a.status, () => 0);
  return status === 200 ? { accepted: true } : { accepted: false, status };
}

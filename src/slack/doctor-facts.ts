import type { WebClient } from '@slack/web-api';
import { policyGroups, type SlackFacts } from '../domain/doctor';
import type { Policy } from '../domain/policy';
import type { Directory } from '../domain/ports';

/** The scopes the bot's features use (manifest.yml requests exactly these). */
export const NEEDED_SCOPES = ['commands', 'chat:write', 'im:write', 'usergroups:read', 'users:read'];

/** What the doctor asks Slack. */
export interface SlackProbe {
  /** The scopes of the bot's token, as Slack reports them on `auth.test`; undefined when it does not. */
  grantedScopes(): Promise<string[] | undefined>;
  /** IDs and handles of the workspace's enabled user groups; 'not-on-plan' where there are none to have. */
  userGroups(): Promise<string[] | 'not-on-plan'>;
  /** Whether the bot can open a DM with the person (where approval cards and tokens go). */
  canDm(userId: string): Promise<boolean>;
}

/** The Slack part of the doctor's facts; never throws, an unanswered question becomes "unknown". */
export async function gatherSlackFacts(
  probe: SlackProbe,
  directory: Pick<Directory, 'members'>,
  policy: Policy,
  neededScopes: string[],
): Promise<SlackFacts> {
  const named = policyGroups(policy);
  const dm = new Map<string, Promise<boolean>>();
  // Each approver once, however many roles they approve for.
  const reachable = (userId: string): Promise<boolean> => {
    let answer = dm.get(userId);
    if (!answer) dm.set(userId, (answer = probe.canDm(userId).catch(() => false)));
    return answer;
  };
  const [grantedScopes, userGroups] = await Promise.all([
    probe.grantedScopes().catch(() => undefined),
    named.length === 0
      ? Promise.resolve([])
      : probe.userGroups().then(
          (groups): SlackFacts['userGroups'] => (groups === 'not-on-plan' ? groups : named.map((ref) => ({ ref, found: groups.includes(ref) }))),
          (): SlackFacts['userGroups'] => 'unreadable',
        ),
  ]);
  const approvers: SlackFacts['approvers'] = [];
  for (const role of policy.roles) {
    if (!role.approval) continue;
    const people = await directory.members(role.approval).catch(() => []);
    const answers = await Promise.all(people.map(reachable));
    approvers.push({ role: role.alias, reachable: answers.filter(Boolean).length });
  }
  return { grantedScopes, neededScopes, userGroups, approvers };
}

/** SlackProbe over the Web API client (`auth.test`, `usergroups.list`, `conversations.open`). */
export function webClientSlackProbe(client: WebClient): SlackProbe {
  return {
    grantedScopes: async () => (await client.auth.test()).response_metadata?.scopes,
    async userGroups() {
      try {
        const answer = await client.usergroups.list({});
        return (answer.usergroups ?? []).flatMap((g) => [g.id, g.handle].filter((x): x is string => !!x));
      } catch (err) {
        if ((err as { data?: { error?: string } }).data?.error === 'plan_upgrade_required') return 'not-on-plan';
        throw err;
      }
    },
    canDm: async (userId) => !!(await client.conversations.open({ users: userId })).channel?.id,
  };
}

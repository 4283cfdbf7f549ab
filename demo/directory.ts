// The playground's seeded workspace: people, user groups, the approvals channel and the policy
// that ties them together. Everything the page shows about "who is who" comes from here.
import type { PolicyInput } from '../src/config/policy-file';

export interface Person {
  id: string;
  /** Slack handle, used for `@handle` in typed commands. */
  handle: string;
  name: string;
  /** One line for the person picker: what this person can show. */
  about: string;
}

export interface Group {
  id: string;
  handle: string;
  name: string;
  users: string[];
}

export const PEOPLE: Person[] = [
  { id: 'U0ENGINEER', handle: 'erin', name: 'Erin Engineer', about: 'Engineer: takes a guest token, no approval needed' },
  { id: 'U0PLATFORM', handle: 'priya', name: 'Priya Platform', about: 'Platform admin: may ask for admin, which needs approval' },
  { id: 'U0APPROVER', handle: 'aaron', name: 'Aaron Approver', about: 'Approver: approves or denies admin requests' },
  { id: 'U0OUTSIDER', handle: 'olivia', name: 'Olivia Outsider', about: 'In no group: may not have any token' },
];

export const PERSON = {
  engineer: 'U0ENGINEER',
  platformAdmin: 'U0PLATFORM',
  approver: 'U0APPROVER',
  outsider: 'U0OUTSIDER',
} as const;

export const GROUPS: Group[] = [
  { id: 'S0ENG', handle: 'engineers', name: 'Engineers', users: [PERSON.engineer, PERSON.platformAdmin] },
  { id: 'S0PLAT', handle: 'platform', name: 'Platform team', users: [PERSON.platformAdmin] },
  { id: 'S0APPR', handle: 'karpor-approvers', name: 'Karpor approvers', users: [PERSON.approver] },
];

export const APPROVALS_CHANNEL = { id: 'C0APPROVALS', name: 'karpor-approvals' } as const;

/** The policy an operator would write in policy.yaml for this workspace. */
export function playgroundPolicy(prefix: string): PolicyInput {
  return {
    identity: { mode: 'shared', prefix },
    approvalsChannel: APPROVALS_CHANNEL.id,
    revokers: { groups: ['karpor-approvers'], users: [] },
    roles: {
      guest: { clusterRole: 'karpor-guest', groups: ['engineers'], defaultDuration: '1h', maxDuration: '8h' },
      admin: {
        clusterRole: 'karpor-admin',
        groups: ['platform'],
        defaultDuration: '1h',
        maxDuration: '4h',
        approval: { groups: ['karpor-approvers'], timeout: '30m' },
      },
    },
  };
}

/** Action and view IDs: the contract between the messages and the listeners that handle them. */
export const ACTION = {
  showAgain: 'grant_show_again',
  revokeGrant: 'grant_revoke',
  extend: 'grant_extend',
  approve: 'request_approve',
  deny: 'request_deny',
  cancel: 'request_cancel',
  /** A role button on the Home tab: asks for the role as `/karpor-token <role>` would. */
  homeRequest: 'home_request',
  confirmBreakGlass: 'break_glass_confirm',
} as const;

export const VIEW = {
  reason: 'request_reason',
  denyReason: 'deny_reason',
} as const;

export const FIELD = {
  reason: { block: 'reason', action: 'reason_input' },
} as const;

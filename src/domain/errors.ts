/** A failure whose `userMessage` is safe to show a person: what happened, what to do. */
export class UserFacingError extends Error {
  constructor(
    message: string,
    readonly userMessage: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A hub failure, classified so that people get a specific answer and the log the details. */
export type HubErrorKind = 'unavailable' | 'conflict' | 'forbidden' | 'invalid' | 'not-found';

/** Without a `userMessage` of its own, people are told what its kind means (src/slack/text/answers.ts). */
export class HubError extends UserFacingError {
  constructor(
    readonly kind: HubErrorKind,
    message: string,
    userMessage = '',
  ) {
    super(message, userMessage);
  }
}

/**
 * The hub's RBAC for a role is not what the bot set up (a binding changed, missing or added, or
 * an account it did not make): nothing is issued for the role, and the administrators are alerted.
 */
export class RoleMismatchError extends HubError {
  constructor(
    readonly role: string,
    /** What is wrong, in the hub's own terms (objects and roles), for the log and the person. */
    readonly problem: string,
  ) {
    super('conflict', `role ${role}: ${problem}`);
  }
}

/** The token could not be put in front of the person (DM refused, Slack down): no DM to be had, or the token not posted in it. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly failed: 'open-dm' | 'post-token',
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

/** The hub would not let a freshly made token log in to the dashboard; the grant was removed. */
export class TokenRefusedError extends Error {
  constructor(
    grantId: string,
    /** What the hub answered the login check (0: no answer). */
    readonly status: number,
  ) {
    super(`the hub answered ${status} to the login check with the token of grant ${grantId}`);
    this.name = 'TokenRefusedError';
  }
}

/** Group membership cannot be known: the bot fails closed. */
export class DirectoryUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DirectoryUnavailableError';
  }
}

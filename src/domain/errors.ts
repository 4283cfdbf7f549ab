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

export class HubError extends UserFacingError {
  constructor(
    readonly kind: HubErrorKind,
    message: string,
    userMessage: string,
  ) {
    super(message, userMessage);
  }
}

/** The token could not be put in front of the person (DM refused, Slack down). */
export class DeliveryError extends UserFacingError {}

/** Group membership cannot be known: the bot fails closed. */
export class DirectoryUnavailableError extends UserFacingError {
  constructor(message: string) {
    super(message, 'I cannot check your Slack user groups right now, so I can give you nothing. Try again in a few minutes.');
  }
}

export function userMessageOf(err: unknown, ref: string): string {
  if (err instanceof UserFacingError) return `${err.userMessage} (ref ${ref})`;
  return `Something went wrong on my side; nothing was issued. Try again, and tell your Karpor administrators if it keeps happening (ref ${ref}).`;
}

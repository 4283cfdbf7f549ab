import type { BreakGlassMessage } from './break-glass';
import type { Audience, Person, RolePolicy } from './policy';
import type { Grant, NewGrant } from './grant';
import type { RoleRule } from './karpor-defaults';
import type { Message, Notification } from './messages';
import type { AccessRequest, FinishedRequest, NewAccessRequest, OpenState } from './request';

/** Slack user groups, by user ID. Cached by the adapter; `live` asks Slack now. */
export interface Directory {
  person(userId: string): Promise<Person>;
  /** A fresh answer for decisions that must not rest on a cache (approvals). */
  personLive(userId: string): Promise<Person>;
  /** Everyone in the given groups, plus the given users (for DMing approvers). */
  members(audience: Audience): Promise<string[]>;
}

/** The ServiceAccount a token is issued for, in its role's namespace, and the role it holds there. */
export interface Identity {
  namespace: string;
  serviceAccount: string;
  clusterRole: string;
}

export interface IssuedToken {
  grant: Grant;
  token: string;
  /** When the token itself ends, as the hub said: after the grant's end when the hub's 10-minute floor applied. */
  tokenExpiresAt?: Date;
}

/** What the hub answered a token shown to it as Karpor's dashboard shows it at login (status 0: no answer). */
export type TokenProof = { accepted: true } | { accepted: false; status: number };

/** Everything the bot does on the Karpor hub. No method ever stores a token. */
export interface Hub {
  ensureIdentity(role: RolePolicy, userId: string): Promise<Identity>;
  /**
   * Creates the grant object and a token bound to it, valid at most `seconds`. A grant for a
   * request takes the request's id, so a request has one grant at most: a second is a conflict.
   */
  issue(identity: Identity, grant: NewGrant, seconds: number): Promise<IssuedToken>;
  /** A fresh token bound to an existing grant, valid until the grant's expiry at most. */
  reissue(grant: Grant, identity: Identity): Promise<IssuedToken>;
  grant(id: string): Promise<Grant | undefined>;
  grants(filter: { userId?: string }): Promise<Grant[]>;
  /** The rules of a ClusterRole as the hub holds them now; undefined when it has no such role. */
  roleRules(clusterRole: string): Promise<RoleRule[] | undefined>;
  /** Shows the token to the hub the way the dashboard does at login, and nothing else. */
  proveToken(token: string): Promise<TokenProof>;
  /** Deletes the grant object, which revokes every token bound to it. False when it was gone. */
  revoke(grantId: string): Promise<boolean>;
  /** Records who confirmed a break-glass grant; false when another click (or replica) was first, or it is gone. */
  confirmBreakGlass(grant: Grant, by: string): Promise<boolean>;
  /** Records the expiry reminder; false when another replica recorded it first. */
  markReminded(grant: Grant, at: Date): Promise<boolean>;
}

/** Access requests, with compare-and-swap updates so that one click wins across replicas. */
export interface RequestStore {
  create(request: NewAccessRequest): Promise<AccessRequest>;
  get(id: string): Promise<AccessRequest | undefined>;
  /** Requests still open (pending or approved): few, whatever the history, so read as often as needed. */
  list(filter: { state?: OpenState; requester?: string }): Promise<AccessRequest[]>;
  /** Every finished request, as much as the retention sweep needs of it (there may be tens of thousands). */
  finished(): Promise<FinishedRequest[]>;
  /** Replaces `current` with `next`; fails with `StaleRequestError` when it changed meanwhile. */
  update(current: AccessRequest, next: AccessRequest): Promise<AccessRequest>;
  /** Deletes a request; false when it was gone. */
  delete(id: string): Promise<boolean>;
}

export class StaleRequestError extends Error {
  constructor(id: string) {
    super(`access request ${id} changed meanwhile`);
    this.name = 'StaleRequestError';
  }
}

export interface TokenDelivery {
  grant: Grant;
  token: string;
  tokenExpiresAt?: Date;
  dashboardUrl?: string;
}

/** How the bot reaches people. Implemented over Slack; nothing here knows Slack's API. */
export interface Notifier {
  /** Makes sure the person can be sent a token (opens the DM) before one is made; DeliveryError if not. */
  reachable(userId: string): Promise<void>;
  /** The token, ephemeral in the person's DM, and a card without it to show again or revoke. */
  deliverToken(delivery: TokenDelivery): Promise<void>;
  /** A lasting DM to a person. */
  tell(userId: string, message: Notification | BreakGlassMessage): Promise<void>;
  /** The DM shortly before a grant ends, with a way to ask again. */
  remindExpiry(grant: Grant): Promise<void>;
  /** Posts the approval card(s) for a new request; returns where they are. */
  postApprovalCards(request: AccessRequest, approvers: string[]): Promise<AccessRequest['cards']>;
  /** Tells the approvals channel and every confirmer of a break-glass grant, with a way to confirm it. */
  announceBreakGlass(grant: Grant, confirmers: string[]): Promise<void>;
  /** Redraws every card of a request after its state changed. */
  updateApprovalCards(request: AccessRequest): Promise<void>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** The answer to a person's command or click (ephemeral where it was typed). */
export type Reply = (message: Message) => Promise<void>;

export type AuditEvent = Record<string, string | number | boolean | undefined> & { event: string };
export type Audit = (event: AuditEvent) => void;

import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { FAKE_SLACK_DEFAULTS } from '../fakes/slack-api';

// Builders for the requests Slack itself sends to an app (slash commands, interactivity),
// signed the way Slack signs them, so they can go into Bolt's real HTTP receiver.

export const DEFAULT_COMMAND = '/karpor-token';

// Slack still sends the deprecated verification token field; Bolt ignores it.
const VERIFICATION_TOKEN = 'fakeVerificationToken0000';

export function signRequest(signingSecret: string, rawBody: string, timestamp?: number): Record<string, string> {
  const ts = timestamp ?? Math.floor(Date.now() / 1000);
  const hex = createHmac('sha256', signingSecret).update(`v0:${ts}:${rawBody}`).digest('hex');
  return {
    'x-slack-signature': `v0=${hex}`,
    'x-slack-request-timestamp': String(ts),
    // Bolt's HTTP receiver compares this exactly: no charset suffix.
    'content-type': 'application/x-www-form-urlencoded',
  };
}

/** A trigger_id in Slack's format (`<digits>.<digits>.<hex>`). */
export function fakeTriggerId(): string {
  return `${randomInt(1e9, 1e10)}.${randomInt(1e8, 1e9)}.${randomBytes(16).toString('hex')}`;
}

function actionTs(): string {
  const now = Date.now();
  return `${Math.floor(now / 1000)}.${String((now % 1000) * 1000 + randomInt(0, 1000)).padStart(6, '0')}`;
}

export function slashCommandBody(fields: {
  userId: string;
  text: string;
  command?: string;
  channelId?: string;
  channelName?: string;
  userName?: string;
  responseUrl: string;
  triggerId?: string;
  teamId?: string;
  teamDomain?: string;
  apiAppId?: string;
}): string {
  const channelId = fields.channelId ?? `D${fields.userId}`;
  // Field order as Slack sends it.
  return new URLSearchParams({
    token: VERIFICATION_TOKEN,
    team_id: fields.teamId ?? FAKE_SLACK_DEFAULTS.teamId,
    team_domain: fields.teamDomain ?? FAKE_SLACK_DEFAULTS.teamDomain,
    channel_id: channelId,
    channel_name: fields.channelName ?? (channelId.startsWith('D') ? 'directmessage' : 'general'),
    user_id: fields.userId,
    user_name: fields.userName ?? fields.userId.toLowerCase(),
    command: fields.command ?? DEFAULT_COMMAND,
    text: fields.text,
    api_app_id: fields.apiAppId ?? FAKE_SLACK_DEFAULTS.appId,
    is_enterprise_install: 'false',
    response_url: fields.responseUrl,
    trigger_id: fields.triggerId ?? fakeTriggerId(),
  }).toString();
}

export function interactionBody(payload: object): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export function blockActionPayload(opts: {
  userId: string;
  actionId: string;
  value: string;
  blockId?: string;
  responseUrl?: string;
  channelId?: string;
  messageTs?: string;
  triggerId?: string;
  userName?: string;
  teamId?: string;
  /** Clicks on ephemeral messages carry no `message` and `container.is_ephemeral: true`. */
  ephemeral?: boolean;
  /** Blocks of the message that held the button (non-ephemeral only). */
  messageBlocks?: any[];
  messageText?: string;
  buttonText?: string;
}): object {
  const teamId = opts.teamId ?? FAKE_SLACK_DEFAULTS.teamId;
  const channelId = opts.channelId ?? `D${opts.userId}`;
  const messageTs = opts.messageTs ?? actionTs();
  const userName = opts.userName ?? opts.userId.toLowerCase();
  const blockId = opts.blockId ?? randomBytes(3).toString('base64url');
  const ephemeral = opts.ephemeral ?? false;
  return {
    type: 'block_actions',
    user: { id: opts.userId, username: userName, name: userName, team_id: teamId },
    api_app_id: FAKE_SLACK_DEFAULTS.appId,
    token: VERIFICATION_TOKEN,
    container: { type: 'message', message_ts: messageTs, channel_id: channelId, is_ephemeral: ephemeral },
    trigger_id: opts.triggerId ?? fakeTriggerId(),
    team: { id: teamId, domain: FAKE_SLACK_DEFAULTS.teamDomain },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: channelId, name: channelId.startsWith('D') ? 'directmessage' : 'general' },
    ...(ephemeral
      ? {}
      : {
          message: {
            type: 'message',
            subtype: 'bot_message',
            text: opts.messageText ?? '',
            ts: messageTs,
            bot_id: FAKE_SLACK_DEFAULTS.botId,
            app_id: FAKE_SLACK_DEFAULTS.appId,
            user: FAKE_SLACK_DEFAULTS.botUserId,
            team: teamId,
            blocks: opts.messageBlocks ?? [],
          },
        }),
    state: { values: {} },
    ...(opts.responseUrl !== undefined ? { response_url: opts.responseUrl } : {}),
    actions: [
      {
        action_id: opts.actionId,
        block_id: blockId,
        text: { type: 'plain_text', text: opts.buttonText ?? opts.actionId, emoji: true },
        value: opts.value,
        type: 'button',
        action_ts: actionTs(),
      },
    ],
  };
}

export function viewSubmissionPayload(opts: {
  userId: string;
  callbackId: string;
  privateMetadata?: string;
  values: Record<string, Record<string, { type: string; value?: string; [k: string]: unknown }>>;
  viewId?: string;
  userName?: string;
  teamId?: string;
  blocks?: any[];
}): object {
  const teamId = opts.teamId ?? FAKE_SLACK_DEFAULTS.teamId;
  const userName = opts.userName ?? opts.userId.toLowerCase();
  const viewId = opts.viewId ?? `V${randomBytes(5).toString('hex').toUpperCase()}`;
  return {
    type: 'view_submission',
    team: { id: teamId, domain: FAKE_SLACK_DEFAULTS.teamDomain },
    user: { id: opts.userId, username: userName, name: userName, team_id: teamId },
    api_app_id: FAKE_SLACK_DEFAULTS.appId,
    token: VERIFICATION_TOKEN,
    trigger_id: fakeTriggerId(),
    view: {
      id: viewId,
      team_id: teamId,
      type: 'modal',
      blocks: opts.blocks ?? [],
      private_metadata: opts.privateMetadata ?? '',
      callback_id: opts.callbackId,
      state: { values: opts.values },
      hash: `${Math.floor(Date.now() / 1000)}.${randomBytes(4).toString('hex')}`,
      title: { type: 'plain_text', text: 'Karpor token', emoji: true },
      clear_on_close: false,
      notify_on_close: false,
      close: { type: 'plain_text', text: 'Cancel', emoji: true },
      submit: { type: 'plain_text', text: 'Submit', emoji: true },
      previous_view_id: null,
      root_view_id: viewId,
      app_id: FAKE_SLACK_DEFAULTS.appId,
      external_id: '',
      app_installed_team_id: teamId,
      bot_id: FAKE_SLACK_DEFAULTS.botId,
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

/**
 * POSTs a signed body and resolves once the whole HTTP response is read; `ms` is the time
 * until the response headers arrived (what Slack's 3-second ack deadline measures).
 */
export function postSigned(
  url: string,
  signingSecret: string,
  rawBody: string,
  opts: { timestamp?: number; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<{ status: number; body: string; ms: number; headers: Record<string, string | string[] | undefined> }> {
  const target = new URL(url);
  const headers = {
    ...signRequest(signingSecret, rawBody, opts.timestamp),
    ...opts.headers,
    'content-length': String(Buffer.byteLength(rawBody)),
  };
  const send = target.protocol === 'https:' ? httpsRequest : request;
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    // agent: false so no keep-alive socket outlives the call and delays the receiver's stop().
    const req = send(target, { method: 'POST', headers, agent: false }, (res) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms, headers: res.headers }),
      );
      res.on('error', reject);
    });
    req.setTimeout(opts.timeoutMs ?? 30000, () => req.destroy(new Error(`postSigned: no response from ${url}`)));
    req.on('error', reject);
    req.end(rawBody);
  });
}

/** An Events API delivery (`event_callback`) as Slack posts it to /slack/events, as JSON. */
export function eventCallbackBody(event: object, teamId: string = FAKE_SLACK_DEFAULTS.teamId): string {
  const now = Math.floor(Date.now() / 1000);
  return JSON.stringify({
    token: VERIFICATION_TOKEN,
    team_id: teamId,
    api_app_id: FAKE_SLACK_DEFAULTS.appId,
    event,
    type: 'event_callback',
    event_id: `Ev${randomBytes(5).toString('hex').toUpperCase()}`,
    event_time: now,
    authorizations: [{ enterprise_id: null, team_id: teamId, user_id: FAKE_SLACK_DEFAULTS.botUserId, is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
  });
}

/** `app_home_opened`: the person opened the app's Home tab (or its Messages tab). */
export function appHomeOpenedEvent(userId: string, tab: 'home' | 'messages' = 'home'): object {
  return {
    type: 'app_home_opened',
    user: userId,
    channel: `D${userId}`,
    tab,
    event_ts: actionTs(),
    ...(tab === 'home' && { view: { id: `V${randomBytes(5).toString('hex').toUpperCase()}`, type: 'home' } }),
  };
}

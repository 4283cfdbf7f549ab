// Shared by the fault tests: answers to a command or click, raw HTTP posts, and the token-hygiene
// check every fault test file runs at the end.
import * as http from 'node:http';
import { botSecrets, tokenIn, type TestBot } from '../support/bot';

/** Anything shaped like a ServiceAccount token (a JWT). */
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+/;

/** The text the bot sent to a response_url (by the URL or its id). */
export async function answerTo(bot: TestBot, responseUrl: string, timeoutMs = 15_000): Promise<string> {
  const id = decodeURIComponent(responseUrl.split('/').pop()!);
  const res = await bot.slack.waitFor(() => bot.slack.responses.find((r) => r.id === id), timeoutMs);
  return String(res.body.text);
}

export async function say(bot: TestBot, userId: string, text: string, timeoutMs?: number): Promise<string> {
  const sent = await bot.command(userId, text);
  expect(sent.status).toBe(200);
  return answerTo(bot, sent.responseUrl, timeoutMs);
}

/** Every token the bot delivered (the ephemeral DMs are the one place a token may be). */
export function deliveredTokens(bot: TestBot): string[] {
  return bot.slack.messages.filter((m) => m.method === 'chat.postEphemeral').map((m) => tokenIn(m)).filter((t): t is string => !!t);
}

export function wait(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A POST with exactly these headers and body: for requests Slack would never sign. */
export function rawPost(url: string, body: string | Buffer, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-length': String(Buffer.byteLength(body)), ...headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`no response from ${url}`)));
    // The server may answer (413) and close before the whole body is sent.
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err)));
    req.end(body);
  });
}

export function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

/**
 * No token outside the ephemeral DM that delivered it: not in a log line (at debug level), a
 * channel answer, another message or Web API call, nor in any object on the hub.
 */
export async function expectNoTokenLeaks(bot: TestBot, tokens: string[] = deliveredTokens(bot)): Promise<void> {
  const logs = bot.logs.join('\n');
  expect(logs).not.toMatch(JWT);
  const elsewhere = JSON.stringify({
    responses: bot.slack.responses,
    messages: bot.slack.messages.filter((m) => !(m.method === 'chat.postEphemeral' && tokenIn(m))),
    calls: bot.slack.calls.filter((c) => !(c.method === 'chat.postEphemeral' && tokenIn(c.args))),
  });
  expect(elsewhere).not.toMatch(JWT);
  const stored = JSON.stringify(await botSecrets(bot.namespace));
  expect(stored).not.toMatch(JWT);
  for (const token of tokens) {
    expect(logs).not.toContain(token);
    expect(elsewhere).not.toContain(token);
    expect(stored).not.toContain(token);
  }
}

export { grantSecrets } from '../support/bot';

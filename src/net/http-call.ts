import http from 'node:http';
import https from 'node:https';

export interface HttpAnswer {
  status: number;
  statusText: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface HttpCall {
  method: string;
  headers: http.OutgoingHttpHeaders;
  body?: string;
  agent?: http.Agent;
  /** The whole call, answer included, ends with a TimeoutError after this long. */
  timeoutMs: number;
  /** The caller's own way to end the call early. */
  signal?: AbortSignal;
}

/** A call that did not end in time. */
export class TimeoutError extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/**
 * One HTTP(S) request and its whole answer. The time limit is a plain timer, cleared when the
 * call ends: a timeout signal would keep the call's objects alive for the full time limit.
 * A kept-alive connection the server closed just as it was reused fails before anything was
 * answered; the call is then sent once more on a fresh connection (as Node's documentation
 * advises for `reusedSocket`).
 */
export function httpCall(url: URL, call: HttpCall): Promise<HttpAnswer> {
  const send = url.protocol === 'https:' ? https.request : http.request;
  const headers = call.body === undefined ? call.headers : { ...call.headers, 'content-length': Buffer.byteLength(call.body) };
  return new Promise<HttpAnswer>((resolve, reject) => {
    let req: http.ClientRequest;
    const timer = setTimeout(() => req.destroy(new TimeoutError(call.timeoutMs)), call.timeoutMs);
    const attempt = (retry: boolean) => {
      req = send(url, { method: call.method, headers, agent: call.agent, signal: call.signal }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', fail);
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: res.headers, body: Buffer.concat(chunks) });
        });
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (retry && req.reusedSocket && err.code === 'ECONNRESET') attempt(false);
        else fail(err);
      });
      req.end(call.body);
    };
    function fail(err: Error) {
      clearTimeout(timer);
      reject(err);
    }
    attempt(true);
  });
}

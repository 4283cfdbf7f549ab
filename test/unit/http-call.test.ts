// The HTTP call both transports make, against a local server that closes a kept-alive connection
// as it is reused: the call goes through once more on a fresh one; a fresh connection is not retried.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpCall } from '../../src/net/http-call';

let server: http.Server;
let base: string;
/** How many requests each connection carried; the second on any connection is dropped unanswered. */
const perConnection = new WeakMap<object, number>();
let received = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    received++;
    const n = (perConnection.get(req.socket) ?? 0) + 1;
    perConnection.set(req.socket, n);
    req.resume();
    req.on('end', () => {
      if (n > 1) return req.socket.destroy();
      res.end(JSON.stringify({ n }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

test('a kept-alive connection closed by the server as it is reused: sent again on a fresh one', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const call = () => httpCall(new URL(`${base}/x`), { method: 'POST', headers: {}, body: '{}', agent, timeoutMs: 2000 });
  received = 0;
  expect(JSON.parse((await call()).body.toString())).toEqual({ n: 1 });
  expect(JSON.parse((await call()).body.toString())).toEqual({ n: 1 });
  expect(received).toBe(3);
  agent.destroy();
});

test('a fresh connection that fails is not tried again', async () => {
  const err = await httpCall(new URL('http://127.0.0.1:1/x'), { method: 'POST', headers: {}, body: '{}', timeoutMs: 2000 }).catch((e: unknown) => e);
  expect((err as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
});

import { Worker } from 'node:worker_threads';

/**
 * A worker thread running `main` from its source text, so the bench's sending thread runs under tsx
 * without a file of its own to build.
 * `main` may use nothing from outside itself but `require`. tsx compiles named functions with
 * calls to an `__name` helper that the thread does not have: it is given a no-op one.
 */
export function workerFromSource(main: () => void, workerData: unknown): Worker {
  return new Worker(`const __name = (fn) => fn;\n(${main.toString()})()`, { eval: true, workerData });
}

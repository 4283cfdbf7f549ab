import * as os from 'node:os';
import type { Log } from './log';

/** The main thread's nice value; the ack thread keeps the process's own (normally 0). */
export const MAIN_THREAD_NICE = 5;

/**
 * Lowers the main thread's scheduling priority below the ack thread's, so that when the CPU is
 * short the thread that answers Slack within its 3 s runs first; the main thread's work can wait
 * a few milliseconds. Linux keeps a nice value per thread and `setPriority(0, …)` changes only
 * the calling one, so this must run after the ack thread has started. Lowering needs no
 * privilege; in a container it only weighs the bot's own threads against each other.
 */
export function yieldToAckThread(log: Log): void {
  try {
    os.setPriority(0, Math.max(os.getPriority(0), MAIN_THREAD_NICE));
  } catch (err) {
    log.warn({ err }, 'could not lower the main thread priority; acks may wait for the CPU under load');
  }
}

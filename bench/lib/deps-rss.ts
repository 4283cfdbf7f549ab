// What loading each runtime dependency adds to a fresh node's RSS: the floor under the bot's memory.
import { execFile } from 'node:child_process';

const MODULES = ['dotenv', 'zod', 'yaml', 'pino', 'prom-client', 'undici', '@slack/web-api', '@slack/bolt'];

const PROBE = `
const mb = () => Math.round(process.memoryUsage().rss / 1048576 * 10) / 10;
const out = [['node', mb()]];
for (const m of ${JSON.stringify(MODULES)}) { require(m); out.push([m, mb()]); }
require('./dist/compose.js');
out.push(['the bot (dist/compose.js)', mb()]);
process.stdout.write(JSON.stringify(out));
`;

/** RSS (MB) after each require, in order, with what each one added. */
export function dependencyRss(root: string): Promise<Array<{ module: string; rssMb: number; addedMb: number }>> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', PROBE], { cwd: root, env: { PATH: process.env.PATH ?? '' } }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`dependency RSS probe failed: ${stderr.trim() || err.message}`));
      const steps = JSON.parse(stdout) as Array<[string, number]>;
      resolve(steps.map(([module, rssMb], i) => ({ module, rssMb, addedMb: Math.round((rssMb - (i > 0 ? steps[i - 1]![1] : 0)) * 10) / 10 })));
    });
  });
}

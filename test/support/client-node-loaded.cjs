// Preloaded into a bot process by a test (`node --require`): when the process exits, it says how
// many files of @kubernetes/client-node it loaded, and how many of them are its generated API clients.
const path = require('node:path');

process.on('exit', () => {
  const files = Object.keys(require.cache).filter((p) => p.includes(`${path.sep}@kubernetes${path.sep}client-node${path.sep}`));
  const generated = files.filter((p) => p.includes(`${path.sep}dist${path.sep}gen${path.sep}`));
  process.stderr.write(`${JSON.stringify({ clientNodeFiles: files.length, clientNodeGenerated: generated.length })}\n`);
});

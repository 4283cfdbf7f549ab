// Stops the hub global-setup started; a reused external hub (no handle) is left running.
export default async function globalTeardown(): Promise<void> {
  const hub = globalThis.__KARPOR_TEST_HUB__;
  if (!hub) return;
  globalThis.__KARPOR_TEST_HUB__ = undefined;
  await hub.stop();
}

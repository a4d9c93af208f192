// Benchmark (not a test): p50/p95 time for the field app to save a visit
// with its outbox entry in IndexedDB, over 500 saves in headless Chromium,
// offline (the save path alone). Run by .ci/bench against the release build.
import { ENVOY, launchBrowser, login, startServer, waitForServiceWorker } from "./harness.mjs";

const N = Number(process.env.BENCH_SAVES || 500);
const server = await startServer();
const browser = await launchBrowser();
try {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  await login(page, server.url, ENVOY, "/field");
  await page.locator('#sync-line[data-ready="true"]').waitFor({ timeout: 60_000 });
  // The benchmark hook is a split chunk: offline it comes from the service
  // worker's cache, as every split page does on a phone.
  await waitForServiceWorker(page);
  await context.setOffline(true);
  const times = await page.evaluate(async (n) => {
    const pkg = document.querySelector('link[rel="modulepreload"][href$=".js"]')?.getAttribute("href") || "/envoy/pkg/envoy.js";
    const m = await import(pkg);
    return Array.from(await m.ylBenchSaveVisits(n));
  }, N);
  if (times.length !== N) throw new Error(`only ${times.length} of ${N} saves succeeded`);
  const waiting = await page.locator("#sync-line").innerText();
  const sorted = [...times].sort((a, b) => a - b);
  const q = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  console.log(`visit saves (record + outbox entry, one IndexedDB transaction), n=${N}:`);
  console.log(`  p50 ${q(0.5).toFixed(1)} ms   p95 ${q(0.95).toFixed(1)} ms   max ${sorted[sorted.length - 1].toFixed(1)} ms   (target p95 <= 30 ms)`);
  console.log(`  phone says: ${waiting}`);
  await context.close();
} finally {
  await browser.close();
  await server.stop();
  server.cleanup();
}

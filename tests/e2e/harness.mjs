// Shared pieces of the browser tests: a real yinling server process on a
// random port with its own SQLite file, and headless Chromium.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

export const ENVOY = { phone: "13800100001", password: "yinling-envoy" };
export const ENVOY_B = { phone: "13800100002", password: "yinling-envoy" };
export const STAFF = { phone: "13900100001", password: "yinling-staff" };
export const ADMIN = { phone: "13700000000", password: "yinling-admin" };

const serverBin = process.env.YINLING_SERVER_BIN;
const siteRoot = process.env.YINLING_SITE_ROOT;
if (!serverBin || !siteRoot) throw new Error("run through .ci/test: YINLING_SERVER_BIN and YINLING_SITE_ROOT are needed");

/** Start the server. `port` 0 picks a free one; pass a port to restart on the same origin. */
export async function startServer({ dir, port = 0, env = {} } = {}) {
  dir = dir ?? mkdtempSync(join(tmpdir(), "yinling-e2e-"));
  const child = spawn(serverBin, ["serve"], {
    env: {
      ...process.env,
      NO_COLOR: "1",
      RUST_LOG: "info,sqlx=warn,tower_http=warn",
      DATABASE_URL: `sqlite://${join(dir, "yinling.db")}`,
      YINLING_LISTEN_ADDR: `127.0.0.1:${port}`,
      YINLING_SITE_ROOT: siteRoot,
      ...env,
    },
    detached: true, // own process group, so a failed test cannot leave it behind
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  // The server's own errors are always worth seeing next to a failed test.
  const echoErrors = (chunk) => {
    for (const line of chunk.toString().replace(/\x1b\[[0-9;]*m/g, "").split("\n")) {
      if (/\b(ERROR|WARN)\b|panicked/.test(line)) console.log(`# server: ${line}`);
    }
  };
  child.stdout.on("data", echoErrors);
  child.stderr.on("data", echoErrors);
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("server did not start in 60 s:\n" + log)), 60_000);
    const onData = (chunk) => {
      log += chunk.toString();
      const m = log.replace(/\x1b\[[0-9;]*m/g, "").match(/yinling is listening addr=(127\.0\.0\.1:\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve(`http://${m[1]}`);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => reject(new Error(`server exited with ${code}:\n${log}`)));
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    try { process.kill(-child.pid, "SIGKILL"); } catch {}
    await exited;
  };
  return { url, port: Number(new URL(url).port), dir, stop, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Sign in through the real login form and wait for the home page. */
export async function login(page, base, who, home) {
  await page.goto(base + "/login");
  await page.fill("#phone", who.phone);
  await page.fill("#password", who.password);
  await Promise.all([page.waitForURL(base + home), page.click("#login-form button[type=submit]")]);
}

/** Wait until a service worker controls the page (the shell is then cached). */
export async function waitForServiceWorker(page) {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
}

/**
 * Wait until the phone says everything is synced and no sync is running. On
 * a timeout, say what the phone showed instead (waiting count, error line,
 * refused records), so a failure in CI explains itself.
 */
export async function synced(page, timeout = 30_000) {
  try {
    await page.locator('#sync-line[data-ready="true"][data-waiting="0"][data-syncing="false"]').waitFor({ timeout });
  } catch (e) {
    const shown = await page.evaluate(() => {
      const line = document.querySelector("#sync-line");
      return {
        url: location.href,
        line: line?.outerHTML ?? "no #sync-line",
        error: document.querySelector("#sync-error")?.textContent ?? null,
        quarantine: document.querySelector("#quarantine")?.textContent ?? null,
        online: navigator.onLine,
      };
    }).catch((err) => ({ unreadable: String(err) }));
    e.message += "\nthe phone showed: " + JSON.stringify(shown, null, 2);
    throw e;
  }
}

/** Log a step, so a hung test shows where it stopped. */
export function step(msg) {
  if (process.env.YINLING_E2E_VERBOSE) console.log(`  · ${msg}`);
}

/**
 * A Chromium process we own, with a profile directory that survives it: so a
 * test can SIGKILL the browser mid-work and start it again on the same data.
 */
export async function launchKillableBrowser(profileDir) {
  const child = spawn(process.env.CHROMIUM_PATH || "/usr/bin/chromium", [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    `--user-data-dir=${profileDir}`, "--remote-debugging-port=0", "about:blank",
  ], { detached: true, stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  const ws = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("chromium did not start:\n" + log)), 30_000);
    child.stderr.on("data", (c) => {
      log += c.toString();
      const m = log.match(/DevTools listening on (ws:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on("exit", (code) => reject(new Error(`chromium exited with ${code}:\n${log}`)));
  });
  const browser = await chromium.connectOverCDP(ws);
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    try { process.kill(-child.pid, "SIGKILL"); } catch {}
    await exited;
  };
  /** Quit the way a user closes the browser (state is flushed to disk). */
  const quit = async () => {
    const exited = new Promise((r) => child.once("exit", r));
    const cdp = await browser.newBrowserCDPSession();
    await cdp.send("Browser.close").catch(() => {});
    await exited;
  };
  return { browser, context: browser.contexts()[0], kill, quit };
}

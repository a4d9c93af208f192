// Lighthouse (npm `lighthouse`, mobile preset: emulated phone, simulated slow
// 4G and 4x CPU slowdown) with Debian's Chromium, on the residents' pages:
// the station list, the booking form (a day chosen) and a booking's page.
// Starts the server binary itself on a fresh SQLite database (demo county).
//
//   YINLING_SERVER_BIN=target/release/yinling-server YINLING_SITE_ROOT=target/site \
//     node tests/bench/lighthouse.mjs
//
// Prints the scores (targets: performance >= 95, accessibility 100) and the
// failing accessibility audits, if any. Fails only on a broken run.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const lighthouse = join(here, "lighthouse", "node_modules", ".bin", "lighthouse");
const serverBin = process.env.YINLING_SERVER_BIN;
const siteRoot = process.env.YINLING_SITE_ROOT;
if (!serverBin || !siteRoot) throw new Error("set YINLING_SERVER_BIN and YINLING_SITE_ROOT (see .ci/bench)");
const chrome = process.env.CHROME_PATH || "/usr/bin/chromium";

async function startServer(dir) {
  const child = spawn(serverBin, ["serve"], {
    env: {
      ...process.env,
      NO_COLOR: "1",
      RUST_LOG: "warn,yinling_server=info",
      DATABASE_URL: `sqlite://${join(dir, "yinling.db")}`,
      YINLING_LISTEN_ADDR: "127.0.0.1:0",
      YINLING_SITE_ROOT: siteRoot,
    },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("server did not start:\n" + log)), 60_000);
    const onData = (chunk) => {
      log += chunk.toString();
      const m = log.match(/yinling is listening addr=(127\.0\.0\.1:\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve(`http://${m[1]}`);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => reject(new Error(`server exited with ${code}:\n${log}`)));
  });
  return { url, stop: () => { try { process.kill(-child.pid, "SIGKILL"); } catch {} } };
}

/** Book the first free slot of the first station, as a resident's browser would (JSON reply). */
async function makeBooking(base) {
  const first = await fetch(base + "/");
  const csrf = first.headers.getSetCookie().map((c) => c.split(";")[0]).find((c) => c.startsWith("yl_csrf="));
  const stations = await (await fetch(base + "/api/v1/public/stations")).json();
  const station = stations.find((s) => s.bookable).station.id;
  const picker = await (await fetch(`${base}/api/v1/public/stations/${station}/slots`)).json();
  const day = picker.days.find((d) => d.free > 0).day;
  const slots = await (await fetch(`${base}/api/v1/public/stations/${station}/slots?day=${day}`)).json();
  const slot = slots.slots.find((s) => s.capacity > s.booked);
  const hm = (m) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
  const form = new URLSearchParams({
    station_id: station, day, start: hm(slot.start_min), kind: "dispute",
    description: "楼上装修噪音，晚上十点以后还在施工。", name: "王秀英", phone: "13812345678",
    other_party: "", consent: "yes", idempotency_key: slots.idempotency_key, csrf_token: csrf.split("=")[1],
  });
  const r = await fetch(base + "/api/v1/bookings", {
    method: "POST",
    headers: { accept: "application/json", "content-type": "application/x-www-form-urlencoded", cookie: csrf, origin: base },
    body: form,
  });
  if (r.status !== 201) throw new Error(`booking failed: ${r.status} ${await r.text()}`);
  const booking = await r.json();
  return { station, day, url: booking.url };
}

function audit(url, out) {
  execFileSync(lighthouse, [
    url,
    "--quiet",
    "--only-categories=performance,accessibility",
    "--output=json",
    `--output-path=${out}`,
    "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run",
  ], { env: { ...process.env, CHROME_PATH: chrome }, stdio: ["ignore", "ignore", "inherit"] });
  return JSON.parse(readFileSync(out, "utf8"));
}

const dir = mkdtempSync(join(tmpdir(), "yinling-lh-"));
const server = await startServer(dir);
let failed = false;
try {
  const b = await makeBooking(server.url);
  const pages = [
    ["station list", "/stations"],
    ["booking form", `/stations/${b.station}/book?day=${b.day}`],
    ["booking page", b.url],
  ];
  const ms = (r, id) => `${Math.round(r.audits[id].numericValue)} ms`;
  console.log("page            perf  a11y   FCP       LCP       TBT      CLS    (Lighthouse mobile preset)");
  for (const [name, path] of pages) {
    const r = audit(server.url + path, join(dir, `${name.replace(/ /g, "-")}.json`));
    const perf = Math.round(r.categories.performance.score * 100);
    const a11y = Math.round(r.categories.accessibility.score * 100);
    console.log(
      `${name.padEnd(15)} ${String(perf).padStart(4)}  ${String(a11y).padStart(4)}   ${ms(r, "first-contentful-paint").padEnd(9)} ` +
      `${ms(r, "largest-contentful-paint").padEnd(9)} ${ms(r, "total-blocking-time").padEnd(8)} ${r.audits["cumulative-layout-shift"].numericValue.toFixed(3)}`,
    );
    for (const ref of r.categories.accessibility.auditRefs) {
      const a = r.audits[ref.id];
      if (ref.weight > 0 && a.score !== null && a.score < 1) {
        console.log(`    accessibility: ${a.id} — ${a.title}`);
        for (const item of a.details?.items ?? []) console.log(`      ${item.node?.snippet ?? ""}`);
      }
    }
  }
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  server.stop();
  if (!process.env.YINLING_LH_KEEP) rmSync(dir, { recursive: true, force: true });
  else console.log(`reports kept in ${dir}`);
}
process.exit(failed ? 1 : 0);

// Foundation, in a real browser: sign in, the field app starts, and it
// still opens — deep links included — with the server gone.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { ENVOY, STAFF, launchBrowser, login, startServer, step, waitForServiceWorker } from "./harness.mjs";

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

test("an envoy signs in, the field app starts, and it works offline", { timeout: 180_000 }, async () => {
  const server = await startServer();
  try {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    await login(page, server.url, ENVOY, "/field");
    await page.locator("#field-hello").waitFor();
    assert.match(await page.locator("#field-hello").innerText(), /您好/);
    assert.equal(await page.locator(".conn").getAttribute("data-conn"), "online");

    // Running: the 长辈模式 switch works in place, without a page load.
    await page.evaluate(() => { window.__sameDocument = true; });
    await page.click("#elder-switch");
    await page.locator(".app.elder").waitFor();
    assert.equal(await page.evaluate(() => window.__sameDocument), true, "no reload: the click was handled by the app");
    const fontSize = await page.locator(".app").evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    assert.ok(fontSize >= 22, `长辈模式 text is ${fontSize}px`);

    // The field app is a bundle of its own (/envoy/pkg): its home is drawn
    // by its main wasm, and no page split out of it (`cargo leptos build
    // --split`) was fetched; the only split-out code fetched is the sync
    // round (with shared chunks it needs), which starts once the home is up.
    // The site's bundle (residents', staff and county pages) never comes.
    const wasmFetched = await page.evaluate(() =>
      performance.getEntriesByType("resource").map((e) => new URL(e.name).pathname).filter((p) => p.endsWith(".wasm"))
    );
    assert.equal(wasmFetched[0], "/envoy/pkg/envoy.wasm", `field app's wasm first: ${wasmFetched.join(" ")}`);
    assert.ok(wasmFetched.every((p) => p.startsWith("/envoy/pkg/")), `only the field app's code: ${wasmFetched.join(" ")}`);
    const splitEntries = wasmFetched.filter((p) => p.startsWith("/envoy/pkg/split_"));
    assert.ok(splitEntries.every((p) => p.startsWith("/envoy/pkg/split_sync_round")), `no page's chunk was fetched for the home: ${splitEntries.join(" ")}`);

    step("going to a page and back inside the app, back to the same place on the page");
    await page.setViewportSize({ width: 360, height: 320 });
    const left = await page.locator("#my-points").evaluate((el) => { el.scrollIntoView({ block: "center" }); return window.scrollY; });
    assert.ok(left > 50, `the home scrolled down (${left}px)`);
    await page.click("#my-points");
    await page.locator("#points-total").waitFor();
    assert.equal(new URL(page.url()).pathname, "/field/points");
    assert.ok(await page.evaluate(() => window.scrollY) < 5, "a new page opens at its top");
    // A screen reader is taken to the new page's heading, as after a page load.
    await page.waitForFunction(() => document.activeElement?.matches("#field-app h1"));
    assert.match(await page.evaluate(() => document.activeElement.textContent), /积分/);
    await page.goBack();
    await page.locator("#field-hello").waitFor();
    assert.equal(new URL(page.url()).pathname, "/field");
    await page.waitForFunction((y) => Math.abs(window.scrollY - y) < 2, left);
    await page.waitForFunction(() => document.activeElement?.matches("#field-app h1"));
    assert.equal(await page.evaluate(() => window.__sameDocument), true, "no page load: the field app went there and back itself");
    await page.setViewportSize({ width: 360, height: 740 });

    step("waiting for the service worker");
    await waitForServiceWorker(page);
    // ...which cached the field app's bundle, its split-out pages' chunks and
    // their loader with the shell, and none of the site's bundle.
    const cached = await page.evaluate(async () => {
      const keys = await caches.keys();
      const cache = await caches.open(keys.find((k) => k.startsWith("yinling-shell-")));
      return (await cache.keys()).map((r) => new URL(r.url).pathname);
    });
    assert.ok(cached.includes("/envoy/pkg/envoy.wasm"), "field app's wasm cached");
    assert.ok(cached.some((p) => p.startsWith("/envoy/pkg/__wasm_split") && p.endsWith(".js")), "split loader cached");
    assert.ok(cached.filter((p) => p.endsWith(".wasm")).length > 10, `split chunks cached: ${cached.join(" ")}`);
    assert.ok(!cached.some((p) => p.startsWith("/pkg/") && p.endsWith(".wasm")), `the site's bundle is not cached: ${cached.join(" ")}`);
    step("opening a deep link online");
    const caseId = "0193a1b2-7c3d-7000-8000-00000000abcd";
    await page.goto(`${server.url}/field/cases/${caseId}`);
    await page.locator("#case-id").waitFor();

    step("stopping the server");
    await server.stop();
    step("reloading offline");
    // Offline, wait only for the navigation to commit; the locators below wait for the app.
    await page.reload({ waitUntil: "commit" });
    await page.locator("#case-id").waitFor();
    assert.equal(await page.locator("#case-id").innerText(), caseId, "deep link drawn from the cached shell");
    await page.locator('.conn[data-conn="offline"]').waitFor();
    assert.match(await page.locator(".conn").innerText(), /离线/);

    // A field page never opened before also opens offline.
    await page.goto(`${server.url}/field/visits/new`, { waitUntil: "commit" });
    await page.locator("#visit-form").waitFor();
    await page.locator('.conn[data-conn="offline"]').waitFor();
    await context.close();
  } finally {
    await server.stop();
    server.cleanup();
  }
});

test("a wrong password gets a clear Chinese message and no session", { timeout: 120_000 }, async () => {
  const server = await startServer();
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(server.url + "/login");
    await page.fill("#phone", STAFF.phone);
    await page.fill("#password", "wrong-password");
    await Promise.all([page.waitForURL(/error=bad_credentials/), page.click("#login-form button[type=submit]")]);
    assert.equal(await page.locator("#login-message").innerText(), "手机号或密码不正确，请重新输入。");
    const me = await page.evaluate(async () => (await fetch("/api/v1/me")).status);
    assert.equal(me, 401);
    // And the right one lands the staff member on the station page.
    await login(page, server.url, STAFF, "/station");
    await page.locator("#station-name").waitFor();
    assert.match(await page.locator("#roster").innerText(), /138\*\*\*\*0001/);
    await context.close();
  } finally {
    await server.stop();
    server.cleanup();
  }
});

test("a new version waits for the user's tap instead of reloading", { timeout: 180_000 }, async () => {
  const first = await startServer({ env: { YINLING_BUILD_ID: "build-one" } });
  let second;
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    await login(page, first.url, ENVOY, "/field");
    await page.locator("#field-hello").waitFor();
    await waitForServiceWorker(page);
    await first.stop();

    second = await startServer({ dir: first.dir, port: first.port, env: { YINLING_BUILD_ID: "build-two" } });
    await page.evaluate(() => { window.__sameDocument = true; });
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).update());
    const banner = page.locator("#yl-update");
    await banner.waitFor({ state: "visible", timeout: 20_000 });
    assert.equal(await banner.innerText(), "有新版本，点此更新");
    assert.equal(await page.evaluate(() => window.__sameDocument), true, "the page was not reloaded under the user");

    await Promise.all([page.waitForEvent("load"), banner.click()]);
    assert.equal(await page.evaluate(() => window.__sameDocument), undefined, "tapping reloads into the new version");
    const version = await page.evaluate(
      () =>
        new Promise((resolve) => {
          const ch = new MessageChannel();
          ch.port1.onmessage = (e) => resolve(e.data);
          navigator.serviceWorker.controller.postMessage({ type: "VERSION" }, [ch.port2]);
        })
    );
    assert.equal(version, "build-two");
    await context.close();
  } finally {
    await first.stop();
    await second?.stop();
    first.cleanup();
  }
});

test("a page whose code cannot be fetched says so, and the app keeps working", { timeout: 180_000 }, async () => {
  const server = await startServer();
  try {
    // No service worker: it would answer from its cache, which is what
    // normally saves a phone here; this is the moment before it has cached.
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, serviceWorkers: "block" });
    const page = await context.newPage();
    let blocked = true;
    // The first request for the chunk is held until the page has been seen
    // saying it is opening (a slow network), then fails.
    let release;
    const held = new Promise((resolve) => { release = resolve; });
    await context.route(/\/pkg\/split_page_field_points[^/]*\.wasm$/, async (route) => {
      await held;
      return blocked ? route.abort("internetdisconnected") : route.continue();
    });
    await login(page, server.url, ENVOY, "/field");
    await page.locator("#field-hello").waitFor();

    step("while the points page's chunk is on its way, the page says it is opening");
    await page.click("#my-points");
    await page.locator("#page-opening", { hasText: "正在打开" }).waitFor();
    step("the points page's chunk cannot be fetched");
    release();
    const notLoaded = page.locator("#page-not-loaded");
    await notLoaded.waitFor();
    assert.match(await notLoaded.innerText(), /这一页还没有下载到手机上[\s\S]*请连上网络后点“重试”/);

    step("the rest of the app still works");
    await notLoaded.locator("a", { hasText: "返回首页" }).click();
    await page.waitForURL(`${server.url}/field`);
    await page.locator("#field-hello").waitFor();
    await page.click("#new-case-link");
    await page.locator("#case-title-input").waitFor();

    step("with the network back, 重试 opens the page");
    await page.goBack();
    await page.click("#my-points");
    await notLoaded.waitFor();
    blocked = false;
    await Promise.all([page.waitForEvent("load"), notLoaded.locator("button", { hasText: "重试" }).click()]);
    await page.locator("#points-total").waitFor();
    await context.close();
  } finally {
    await server.stop();
    server.cleanup();
  }
});

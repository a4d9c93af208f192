// The field app with no network: log a visit in a few taps, turn a topic
// into a case, and find everything still there (waiting to sync) after a
// reload; a draft survives the browser being killed.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ENVOY, launchBrowser, launchKillableBrowser, login, startServer, step, waitForServiceWorker } from "./harness.mjs";

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

async function ready(page) {
  await page.locator('#sync-line[data-ready="true"]').waitFor({ timeout: 30_000 });
}

test("an envoy logs a visit offline, opens a case from it, and it is all there after a reload", { timeout: 240_000 }, async () => {
  const server = await startServer();
  try {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    await login(page, server.url, ENVOY, "/field");
    await ready(page);
    await waitForServiceWorker(page);
    await page.click("#new-visit");
    await page.locator('[data-pick="compound"] button').first().waitFor();

    step("no network from here on");
    await context.setOffline(true);
    await page.locator('[data-pick="compound"] button').first().click();
    await page.locator('[data-pick="building"] button').first().click();
    await page.locator('[data-pick="unit"] button', { hasText: "2单元" }).click();
    await page.click("#new-household summary");
    await page.selectOption("#new-floor", "3");
    await page.selectOption("#new-door", "1");
    await page.fill("#head-name", "王秀兰");
    await page.locator('[data-pick="met"] button', { hasText: "见到了" }).click();
    await page.locator('[data-pick="topics"] button', { hasText: "矛盾纠纷" }).click();
    await page.locator('[data-pick="topics"] button', { hasText: "民生诉求·电梯" }).click();
    await page.fill("#visit-note", "楼上漏水到楼下，两家有矛盾；电梯常坏。");
    await page.check("#follow-up");
    await page.click("#save-visit");
    assert.equal(await page.locator("#visit-message").innerText(), "走访已保存在本机");

    step("turn the dispute into a case");
    await page.locator('#to-case [data-topic="矛盾纠纷"] button').click();
    await page.locator('#to-case [data-topic="矛盾纠纷"] a', { hasText: "查看事项" }).click();
    await page.locator("#case-title", { hasText: "矛盾纠纷" }).waitFor();
    assert.equal(await page.locator("#description").inputValue(), "楼上漏水到楼下，两家有矛盾；电梯常坏。");
    assert.match(await page.locator("#case-sync").innerText(), /待同步/);
    // Only the allowed next steps are offered; the chosen mechanism shows as pressed.
    assert.deepEqual(await page.locator("#status-actions [data-status]").evaluateAll((bs) => bs.map((b) => b.dataset.status)), ["accepted"]);
    await page.locator('#status-actions [data-status="accepted"]').click();
    await page.locator("#case-status", { hasText: "受理" }).waitFor();
    await page.locator('[data-pick="mechanism"] button', { hasText: "现场调处" }).click();
    await page.locator('[data-pick="mechanism"] button[aria-pressed="true"]', { hasText: "现场调处" }).waitFor();

    step("reload with no network");
    await page.goto(`${server.url}/field`, { waitUntil: "commit" });
    await ready(page);
    // The household, the visit and the case wait to sync.
    assert.equal(await page.locator("#sync-line").innerText(), "3 条记录待同步");
    const card = page.locator("#case-list [data-case]", { hasText: "矛盾纠纷" });
    assert.match(await card.innerText(), /待同步/);
    await page.goto(`${server.url}/field/visits/new`, { waitUntil: "commit" });
    await page.locator('[data-pick="compound"] button').first().click();
    await page.locator('[data-pick="building"] button').first().click();
    await page.locator('[data-pick="unit"] button', { hasText: "2单元" }).click();
    await page.locator('[data-pick="household"] button', { hasText: "2单元301 王秀兰" }).waitFor();

    step("back online, everything syncs");
    await context.setOffline(false);
    await page.goto(`${server.url}/field`);
    await page.locator('#sync-line[data-ready="true"][data-waiting="0"][data-syncing="false"]').waitFor({ timeout: 30_000 });
    assert.match(await card.innerText(), /已同步/);
    await context.close();
  } finally {
    await server.stop();
    server.cleanup();
  }
});

test("a visit draft survives the browser being killed", { timeout: 180_000 }, async () => {
  const server = await startServer();
  const profile = mkdtempSync(join(tmpdir(), "yinling-profile-"));
  try {
    // The envoy has used the app before (signed in, browser closed normally).
    let chrome = await launchKillableBrowser(profile);
    let page = await chrome.context.newPage();
    await login(page, server.url, ENVOY, "/field");
    await ready(page);
    await chrome.quit();

    chrome = await launchKillableBrowser(profile);
    page = await chrome.context.newPage();
    await page.goto(`${server.url}/field/visits/new`);
    await ready(page);
    await page.locator('[data-pick="compound"] button').first().click();
    await page.fill("#visit-note", "三楼老人独居，需要助餐");
    // The draft is written as the envoy types; give the write a moment.
    await page.waitForTimeout(500);
    step("SIGKILL the browser mid-draft");
    await chrome.kill();

    chrome = await launchKillableBrowser(profile);
    page = await chrome.context.newPage();
    await page.goto(`${server.url}/field/visits/new`);
    await page.waitForFunction(() => document.querySelector("#visit-note")?.value === "三楼老人独居，需要助餐", null, { timeout: 30_000 });
    assert.equal(await page.locator('[data-pick="compound"] button[aria-pressed="true"]').count(), 1, "the compound tap is kept too");
    await chrome.kill();
  } finally {
    rmSync(profile, { recursive: true, force: true });
    await server.stop();
    server.cleanup();
  }
});

// The field app with no network: log a visit in a few taps, turn a topic
// into a case, and find everything still there (waiting to sync) after a
// reload; a draft survives the browser being killed.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ENVOY, STAFF, launchBrowser, launchKillableBrowser, login, startServer, step, synced, waitForServiceWorker } from "./harness.mjs";

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
    step("take a photo: a 2400 px picture is shrunk to 1600 px before it is kept");
    const picture = Buffer.from(await page.evaluate(() => {
      const c = document.createElement("canvas");
      c.width = 2400; c.height = 1200;
      const x = c.getContext("2d");
      x.fillStyle = "#c33"; x.fillRect(0, 0, 2400, 1200);
      x.fillStyle = "#fff"; x.fillRect(600, 300, 900, 500);
      return c.toDataURL("image/jpeg", 0.95).split(",")[1];
    }), "base64");
    await page.setInputFiles("#visit-photo", { name: "leak.jpg", mimeType: "image/jpeg", buffer: picture });
    const preview = page.locator("#visit-photo-pending li[data-photo] img");
    await preview.waitFor();
    await page.waitForFunction(() => document.querySelector("#visit-photo-pending img")?.naturalWidth > 0);
    assert.equal(await preview.evaluate((img) => img.naturalWidth), 1600);
    const photoId = await page.locator("#visit-photo-pending li[data-photo]").getAttribute("data-photo");
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
    // Each step is on the case's timeline, with who and when.
    await page.locator("#timeline-list li", { hasText: "处理方式：现场调处" }).waitFor();
    assert.match(await page.locator("#timeline-list").innerText(), /状态改为“受理”/);
    const caseUrl = page.url();

    step("record the mediation: two parties told their rights and consenting, a session, a signed agreement");
    await page.click("#open-mediation");
    await page.locator("#mediation-title").waitFor();
    for (const [name, relation] of [["王秀兰", "楼上楼下"], ["李建国", "楼上楼下"]]) {
      await page.fill("#party-name", name);
      await page.locator('[data-pick="party-relation"] button', { hasText: relation }).click();
      await page.check("#party-informed");
      await page.check("#party-consented");
      await page.click("#add-party-button");
      await page.locator(`#parties [data-party="${name}"]`).waitFor();
    }
    await page.fill("#facts", "楼上卫生间漏水，楼下天花板发霉。");
    await page.fill("#disputes", "维修费用由谁承担。");
    await page.locator('[data-pick="mediation-status"] button', { hasText: "调解成功" }).click();
    await page.locator('[data-pick="agreement-form"] button', { hasText: "书面协议" }).click();
    await page.fill("#terms", "楼上住户七日内修好水管，并承担楼下粉刷费用八百元。");
    await page.locator('[data-pick="performance"] button', { hasText: "限期履行" }).click();
    // Without signatures the agreement is not recorded as a success.
    await page.click("#save-mediation");
    assert.match(await page.locator("#mediation-message").innerText(), /书面协议还缺签名/);
    const signers = await page.locator("#signatures [data-signer]").evaluateAll((li) => li.map((l) => l.dataset.signer));
    assert.equal(signers.length, 3, `two parties and the mediator sign: ${signers}`);
    for (const signer of signers) {
      await page.locator(`#signatures [data-signer="${signer}"] button`).click();
      const box = await page.locator("#pad").boundingBox();
      await page.mouse.move(box.x + 30, box.y + 60);
      await page.mouse.down();
      await page.mouse.move(box.x + 140, box.y + 100, { steps: 6 });
      await page.mouse.move(box.x + 240, box.y + 40, { steps: 6 });
      await page.mouse.up();
      await page.click("#pad-done");
      await page.locator(`#signatures [data-signer="${signer}"][data-signed="true"] svg path`).waitFor();
    }
    await page.click("#save-mediation");
    await page.locator("#mediation-message", { hasText: "调解记录已保存在本机" }).waitFor();
    await page.locator("#agreement").waitFor();
    assert.equal(await page.locator("#agreement svg.signature").count(), 3);
    await page.click("#sessions summary");
    await page.fill("#session-summary", "双方到场，楼上同意维修，楼下同意不再追究。");
    await page.click("#add-session button[type=submit]");
    await page.locator("#session-message", { hasText: "调解会记录已保存在本机" }).waitFor();
    await page.locator("#session-list li", { hasText: "楼上同意维修" }).waitFor();

    step("reload with no network");
    await page.goto(`${server.url}/field`, { waitUntil: "commit" });
    await ready(page);
    // Household, visit, photo, case, mediation, session and 5 timeline entries wait to sync.
    assert.equal(await page.locator("#sync-line").innerText(), "11 条记录待同步");
    const card = page.locator("#case-list [data-case]", { hasText: "矛盾纠纷" });
    assert.match(await card.innerText(), /待同步/);
    await page.goto(`${server.url}/field/visits/new`, { waitUntil: "commit" });
    await page.locator('[data-pick="compound"] button').first().click();
    await page.locator('[data-pick="building"] button').first().click();
    await page.locator('[data-pick="unit"] button', { hasText: "2单元" }).click();
    await page.locator('[data-pick="household"] button', { hasText: "2单元301 王秀兰" }).waitFor();
    await page.goto(`${caseUrl}/mediation`, { waitUntil: "commit" });
    await ready(page);
    await page.locator('#parties [data-party="李建国"] input[data-confirm="consented"]:checked').waitFor();
    assert.equal(await page.locator('#signatures [data-signed="true"]').count(), 3);
    assert.match(await page.locator("#agreement-terms").innerText(), /七日内修好水管/);
    assert.match(await page.locator("#session-list").innerText(), /待同步/);

    step("back online, everything syncs");
    await context.setOffline(false);
    await page.goto(`${server.url}/field`);
    await synced(page);
    assert.match(await card.innerText(), /已同步/);
    // The photo's bytes followed its record to the server, shrunk.
    const uploaded = await page.evaluate(async (id) => {
      for (let i = 0; i < 50; i++) {
        const r = await fetch(`/api/v1/photos/${id}`);
        if (r.ok) return { type: r.headers.get("content-type"), size: (await r.arrayBuffer()).byteLength };
        await new Promise((ok) => setTimeout(ok, 200));
      }
      return null;
    }, photoId);
    assert.equal(uploaded?.type, "image/jpeg");
    assert.ok(uploaded.size > 1000 && uploaded.size < picture.length, `shrunk photo on the server: ${uploaded.size} B`);
    await context.close();

    step("the station desk prints the same agreement");
    const desk = await browser.newContext();
    const staff = await desk.newPage();
    await login(staff, server.url, STAFF, "/station");
    await staff.click("#to-mediations");
    const row = staff.locator("#mediations tbody tr").first();
    await row.waitFor();
    await row.locator("a", { hasText: "协议书" }).click();
    await staff.locator("#agreement").waitFor();
    assert.match(await staff.locator("#agreement-terms").innerText(), /七日内修好水管/);
    assert.equal(await staff.locator("#agreement svg.signature").count(), 3);
    assert.ok(await staff.locator("#print-agreement").isVisible());
    await desk.close();
  } finally {
    await server.stop();
    server.cleanup();
  }
});

test("a visit draft, its photo included, survives the browser being killed", { timeout: 180_000 }, async () => {
  const server = await startServer();
  const profile = mkdtempSync(join(tmpdir(), "yinling-profile-"));
  let chrome;
  try {
    // The envoy has used the app before (signed in, browser closed normally).
    chrome = await launchKillableBrowser(profile);
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
    const picture = Buffer.from(await page.evaluate(() => {
      const c = document.createElement("canvas");
      c.width = 800; c.height = 600;
      const x = c.getContext("2d");
      x.fillStyle = "#36c"; x.fillRect(0, 0, 800, 600);
      return c.toDataURL("image/jpeg", 0.9).split(",")[1];
    }), "base64");
    await page.setInputFiles("#visit-photo", { name: "kitchen.jpg", mimeType: "image/jpeg", buffer: picture });
    await page.waitForFunction(() => document.querySelector("#visit-photo-pending img")?.naturalWidth > 0);
    const photoId = await page.locator("#visit-photo-pending li[data-photo]").getAttribute("data-photo");
    // The draft is written as the envoy types; give the write a moment.
    await page.waitForTimeout(500);
    step("SIGKILL the browser mid-draft");
    await chrome.kill();

    chrome = await launchKillableBrowser(profile);
    page = await chrome.context.newPage();
    await page.goto(`${server.url}/field/visits/new`);
    await page.waitForFunction(() => document.querySelector("#visit-note")?.value === "三楼老人独居，需要助餐", null, { timeout: 30_000 });
    // The compound tap is kept too (its buttons appear once the address book is read).
    await page.locator('[data-pick="compound"] button[aria-pressed="true"]').waitFor({ timeout: 15_000 });
    assert.equal(await page.locator('[data-pick="compound"] button[aria-pressed="true"]').count(), 1, "exactly one compound chosen");
    // So is the photo taken before the kill, with its picture.
    await page.waitForFunction((id) => document.querySelector(`#visit-photo-pending li[data-photo="${id}"] img`)?.naturalWidth === 800, photoId, { timeout: 15_000 });
    assert.equal(await page.locator("#visit-photo-pending li[data-photo]").count(), 1);
  } finally {
    await chrome?.kill();
    // Chromium's helper processes die a moment after the main one: retry
    // rather than let a cleanup race hide the test's own result.
    rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    await server.stop();
    server.cleanup();
  }
});

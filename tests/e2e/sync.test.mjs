// Sync, in real browsers: two envoys edit the same case field offline, both
// come back online, the conflict lands in the station's 同步队列, staff
// settle it, and both phones show the settled value after their next sync.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { ENVOY, ENVOY_B, STAFF, launchBrowser, login, startServer, step, synced } from "./harness.mjs";

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });


async function syncNow(page) {
  await page.locator("#sync-now:not([disabled])").click();
  await synced(page);
}

async function description(page) {
  return page.locator("#description").inputValue();
}

test("a conflict between two offline phones is settled by staff and reaches both", { timeout: 240_000 }, async () => {
  const server = await startServer();
  try {
    const phone = { viewport: { width: 360, height: 740 } };
    const ctxA = await browser.newContext(phone);
    const ctxB = await browser.newContext(phone);
    const a = await ctxA.newPage();
    const b = await ctxB.newPage();

    step("envoy A registers a case and adds B as a handler");
    await login(b, server.url, ENVOY_B, "/field");
    const envoyB = await b.evaluate(() => fetch("/api/v1/me").then((r) => r.json()));
    await login(a, server.url, ENVOY, "/field");
    await synced(a);
    assert.equal(await a.locator("#sync-line").innerText(), "全部记录已同步");
    await a.click("#new-case-link");
    await a.fill("#case-title-input", "电梯故障");
    await a.selectOption("#case-kind", "livelihood");
    await a.click("#new-case button[type=submit]");
    // Saved, the phone goes on to the new case's page.
    await a.waitForURL(/\/field\/cases\/[0-9a-f-]{36}$/);
    await a.locator("#case-title", { hasText: "电梯故障" }).waitFor();
    const caseId = a.url().split("/").pop();
    await a.locator("#case-sync", { hasText: "已同步" }).waitFor();
    await synced(a);
    await a.locator(`#assignee-pick option[value="${envoyB.id}"]`).waitFor({ state: "attached" });
    await a.selectOption("#assignee-pick", envoyB.id);
    await a.click("#add-assignee button[type=submit]");
    // Saved on the phone (B is listed), then pushed: only then can B's pull
    // bring the case as one B handles. ("已同步" alone would still be the
    // case's state from before the save.)
    await a.locator("#case-assignees", { hasText: envoyB.name }).waitFor();
    await synced(a);
    await a.locator("#case-sync", { hasText: "已同步" }).waitFor();

    step("envoy B gets the case");
    await syncNow(b);
    await b.locator("#case-list [data-case]", { hasText: "电梯故障" }).waitFor();
    await b.goto(`${server.url}/field/cases/${caseId}`);
    await b.locator("#description").waitFor();
    await synced(b);

    step("both edit the description with no network");
    await ctxA.setOffline(true);
    await ctxB.setOffline(true);
    await a.fill("#description", "物业说周五来修");
    await a.click("#case-description button[type=submit]");
    await b.fill("#description", "住户说电梯已停三天");
    await b.click("#case-description button[type=submit]");
    for (const p of [a, b]) {
      await p.locator("#case-sync", { hasText: "待同步" }).waitFor();
      await p.locator('#sync-line[data-waiting="1"]').waitFor();
      assert.equal(await p.locator("#sync-line").innerText(), "1 条记录待同步");
    }

    step("both come back online and sync");
    await ctxA.setOffline(false);
    await syncNow(a);
    await ctxB.setOffline(false);
    await syncNow(b);
    // Nothing silently overwritten: A's value stays until staff decide.
    await b.locator("#case-sync", { hasText: "已同步" }).waitFor();
    assert.equal(await description(b), "物业说周五来修");
    assert.equal(await b.locator("#quarantine").count(), 0, "B's edit was not refused, it is in the review queue");

    step("staff see both values and keep B's");
    const ctxS = await browser.newContext();
    const s = await ctxS.newPage();
    await login(s, server.url, STAFF, "/station");
    await s.click("#to-sync-queue");
    const conflict = s.locator(".conflict", { hasText: "电梯故障" });
    await conflict.waitFor();
    assert.match(await conflict.locator('[data-side="stored"]').innerText(), /物业说周五来修/);
    assert.match(await conflict.locator('[data-side="incoming"]').innerText(), /住户说电梯已停三天/);
    await Promise.all([
      s.waitForURL(`${server.url}/station/sync`),
      conflict.locator('[data-side="incoming"] button[type=submit]').click(),
    ]);
    await s.locator("#no-conflicts").waitFor();

    step("both phones show the settled value after their next sync");
    for (const p of [a, b]) {
      await syncNow(p);
      await p.waitForFunction(() => document.querySelector("#description")?.value === "住户说电梯已停三天");
    }
    await Promise.all([ctxA.close(), ctxB.close(), ctxS.close()]);
  } finally {
    await server.stop();
    server.cleanup();
  }
});

// Residents' bookings in a real browser (360 px wide, like a cheap phone):
// a resident books a slot, reloads the booking from its URL, staff confirm it,
// the resident sees 已确认, staff turn it into a case and close it, the
// resident rates it, and the station's satisfaction figure counts it. Then
// the same booking form without JavaScript.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { STAFF, launchBrowser, login, startServer, step } from "./harness.mjs";

const STATION = "东关社区银龄解忧工作室"; // station 01, where STAFF works
let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

/** Pick the first day and slot with room, fill the form as a resident would. */
async function fillBooking(page, phone) {
  await page.locator("#day-list a.day:not(.day-full)").first().click();
  await page.locator("#book-form").waitFor();
  await page.locator("#slots input[name=start]:not([disabled])").first().check();
  await page.selectOption("#kind", "dispute");
  await page.fill("#description", "楼上装修噪音，晚上十点以后还在施工。");
  await page.fill("#name", "王秀英");
  await page.fill("#phone", phone);
  assert.equal(await page.isChecked("#consent"), false, "consent is not pre-ticked");
  await page.check("#consent");
}

/** Submit a desk form (a plain POST that redirects back) and wait for the new status. */
async function deskAction(page, form, status) {
  await Promise.all([page.waitForEvent("load"), page.click(`${form} button[type=submit]`)]);
  await page.locator(`#desk-status[data-status="${status}"]`).waitFor();
}

test("book, confirm, turn into a case, close, rate: the satisfaction figure counts it", { timeout: 240_000 }, async () => {
  const server = await startServer();
  try {
    const resident = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await resident.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));

    step("the public list");
    const wasm = [];
    page.on("request", (r) => { if (r.url().endsWith(".wasm")) wasm.push(r.url()); });
    await page.goto(server.url + "/stations", { waitUntil: "networkidle" });
    assert.deepEqual(wasm, [], "reading the list loads no WebAssembly (the page hydrates on first touch)");
    const card = page.locator("article.station-card", { hasText: STATION });
    assert.match(await card.locator(".satisfaction").innerText(), /暂无评价/);
    assert.doesNotMatch(await card.innerText(), /1[3-9]\d{9}/, "no phone numbers on the public list");
    await Promise.all([page.waitForURL(/\/stations\/[^/]+\/book$/), card.locator("a.btn-primary").click()]);

    step("booking");
    await fillBooking(page, "13812345678");
    // Touching the form hydrated the page: the submit now goes through fetch.
    await page.locator("body:not(.lazy-hydrate)").waitFor();
    await Promise.all([page.waitForURL(/\/b\/[A-Za-z0-9_-]{43}\?new=1$/), page.click("#book-submit")]);
    const reference = (await page.locator("#booking-ref").innerText()).trim();
    assert.match(reference, /^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/, "no 0/O, 1/I");
    assert.match(await page.locator("#booked").innerText(), /预约已提交/);
    assert.equal(await page.locator("#booking-status").getAttribute("data-status"), "pending");
    const bookingUrl = page.url().replace("?new=1", "");

    step("reloading the booking from its URL");
    await page.goto(bookingUrl);
    assert.match(await page.locator("#status-label").innerText(), /待确认/);
    assert.match(await page.locator("dl.facts").innerText(), /138\*\*\*\*5678/);

    step("staff confirm it");
    const desk = await browser.newContext();
    const staff = await desk.newPage();
    await login(staff, server.url, STAFF, "/station");
    await staff.goto(server.url + "/station/bookings");
    const row = staff.locator("#bookings tr", { hasText: reference });
    assert.match(await row.innerText(), /138\*\*\*\*5678/, "masked in the list");
    await Promise.all([staff.waitForURL(/\/station\/bookings\/[^/?]+$/), row.locator("a").click()]);
    await deskAction(staff, "#confirm-form", "confirmed");

    step("the resident sees 已确认");
    await page.reload();
    assert.match(await page.locator("#status-label").innerText(), /已确认/);

    step("staff open the phone number (audited), turn it into a case and close it");
    await staff.locator('#show-phone[data-ready="true"]').waitFor();
    await staff.click("#show-phone");
    await staff.locator("#resident-phone", { hasText: "13812345678" }).waitFor();
    await staff.locator("#accept-form input[name=assignee]").first().check();
    await deskAction(staff, "#accept-form", "accepted");
    assert.match(await staff.locator("#desk-case").innerText(), /^[0-9a-f-]{36}$/);
    await page.reload();
    assert.match(await page.locator("#status-label").innerText(), /已受理/);
    await deskAction(staff, "#resolve-form", "resolved");

    step("the resident rates it");
    await page.reload();
    assert.match(await page.locator("#status-label").innerText(), /办结/);
    await page.check("#rating-satisfied");
    await page.fill("#comment", "调解很耐心，谢谢！");
    await Promise.all([page.waitForEvent("load"), page.click("#rate-submit")]);
    assert.match(await page.locator("#my-rating").innerText(), /满意/);
    assert.equal(await page.locator("#rate-form").count(), 0, "rated once");

    step("the figure counts it");
    await page.goto(server.url + "/stations");
    assert.match(await card.locator(".satisfaction").innerText(), /满意度 100%（1 人评价）/);
    await staff.goto(server.url + "/station/bookings?filter=all");
    assert.equal(await staff.locator("#desk-satisfaction").getAttribute("data-rated"), "1");
    assert.deepEqual(errors, [], "no script errors");
    await resident.close();
    await desk.close();
  } finally {
    await server.stop();
    server.cleanup();
  }
});

test("booking and finding a booking work without JavaScript", { timeout: 180_000 }, async () => {
  const server = await startServer();
  try {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    await page.goto(server.url + "/stations");
    await page.locator("article.station-card", { hasText: STATION }).locator("a.btn-primary").click();
    await fillBooking(page, "13912345678");
    await Promise.all([page.waitForURL(/\/b\/[A-Za-z0-9_-]{43}\?new=1$/), page.click("#book-submit")]);
    assert.match(await page.locator("#status-label").innerText(), /待确认/);
    const reference = (await page.locator("#booking-ref").innerText()).trim();

    step("finding it again by reference and phone");
    await page.goto(server.url + "/booking");
    await page.fill("#reference", reference.toLowerCase());
    await page.fill("#lookup-phone", "13912345678");
    await Promise.all([page.waitForURL(/\/b\/[A-Za-z0-9_-]{43}$/), page.click("#lookup-form button")]);
    assert.equal((await page.locator("#booking-ref").innerText()).trim(), reference);

    step("a wrong phone gets the same answer as an unknown reference");
    await page.goto(server.url + "/booking");
    await page.fill("#reference", reference);
    await page.fill("#lookup-phone", "13900000000");
    await Promise.all([page.waitForURL(/error=lookup_failed/), page.click("#lookup-form button")]);
    assert.match(await page.locator("#form-error").innerText(), /没有找到与该预约号和手机号相符的预约/);
    await context.close();
  } finally {
    await server.stop();
    server.cleanup();
  }
});

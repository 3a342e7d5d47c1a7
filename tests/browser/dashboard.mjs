// Drives Debian's chromium (through playwright-core; never a downloaded
// browser) against a running jobmon-serve:
//   node dashboard.mjs BASE_URL JOBS_DIR SCREENSHOT_DIR
// Exits non-zero with a message on the first failed check.
import { chromium } from "playwright-core";
import fs from "node:fs";
import path from "node:path";

const [base, jobsDir, shots] = process.argv.slice(2);
fs.mkdirSync(shots, { recursive: true });
let checks = 0;
function check(cond, message) {
  if (!cond) throw new Error("check failed: " + message);
  checks++;
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-quic"],
});
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });

  // Dashboard: cards, statistics strip, filters, search.
  await page.goto(base + "/");
  await page.waitForSelector(".card");
  check(await page.locator(".card").count() === 5, "five job cards (four datatrove, one Data-Juicer)");
  const failedStat = await page.locator('.stat[data-stat="failed"] .n').textContent();
  check(failedStat === "2", "statistics strip counts two failed jobs, got " + failedStat);
  // The hostile job name is shown as text, never parsed as HTML.
  check(await page.locator(".card .name", { hasText: "<img src=x onerror=alert(1)>" }).count() === 1, "hostile name shown as text");
  check(await page.locator(".card img").count() === 0, "no element injected by a job name");
  await page.click('button.chip[data-filter="failed"]');
  await page.waitForFunction(() => document.querySelectorAll(".card").length === 2);
  check(await page.locator(".card").count() === 2, "status filter");
  await page.click('button.chip[data-filter="all"]');
  await page.waitForFunction(() => document.querySelectorAll(".card").length === 5);
  await page.fill("#search", "2023-40");
  await page.waitForFunction(() => document.querySelectorAll(".card").length === 1);
  check((await page.locator(".card .name").textContent()) === "tokenize_CC-MAIN-2023-40", "search");
  await page.fill("#search", "");
  await page.waitForFunction(() => document.querySelectorAll(".card").length === 5);
  await page.screenshot({ path: path.join(shots, "dashboard.png"), fullPage: true });

  // Live update: a new marker shows up without a reload (SSE or the 3 s poll).
  const running = page.locator(".card", { hasText: "running_job" });
  check((await running.textContent()).includes("3 / 10 tasks"), "running job before");
  fs.writeFileSync(path.join(jobsDir, "running_job", "completions", "00003"), "");
  await page.waitForFunction(() => [...document.querySelectorAll(".card")].some(c => c.textContent.includes("4 / 10 tasks")),
                             null, { timeout: 10000 });
  checks++;

  // Pause stops updates; Live resumes them.
  await page.click("#live");
  check((await page.textContent("#live-label")) === "Paused", "pause toggle");
  fs.writeFileSync(path.join(jobsDir, "running_job", "completions", "00004"), "");
  await page.waitForTimeout(4500);  // longer than the 3 s poll, and the server refreshed meanwhile
  check((await running.textContent()).includes("4 / 10 tasks"), "paused: the card did not change");
  await page.click("#live");
  await page.waitForFunction(() => [...document.querySelectorAll(".card")].some(c => c.textContent.includes("5 / 10 tasks")),
                             null, { timeout: 10000 });
  checks++;

  // Job page of the failed job: header, stages, rank grid, errors, charts, logs.
  await page.click(".card >> text=tokenize_CC-MAIN-2023-50");
  await page.waitForSelector("#jobview:not(.hidden)");
  await page.waitForFunction(() => document.querySelectorAll("#j-ranks span").length === 16);
  check((await page.textContent("#j-status")) === "failed", "status badge");
  check(await page.locator("#j-ranks span.f").count() === 2, "two failed ranks in the grid");
  check(await page.locator("#j-stages li").count() === 4, "four pipeline stages");
  check((await page.textContent("#j-errors")).includes("simulated tokenizer crash"), "error messages");
  check(await page.locator("#c-curve path").count() === 1, "completion chart drawn");
  check((await page.textContent("#resources")).includes("Memory"), "host resources");
  await page.click("#logs-box summary");
  await page.waitForFunction(() => document.querySelector("#log").textContent.includes("RuntimeError"));
  checks++;
  await page.click("#log-clear");
  check((await page.textContent("#log")) === "", "log clear");
  await page.screenshot({ path: path.join(shots, "job.png"), fullPage: true });

  // A Data-Juicer job's page: operations as stages, partitions grid, rows chart.
  await page.click("#back");
  await page.waitForSelector("#dashboard:not(.hidden) .card");
  await page.click(".card >> text=failed_job");
  await page.waitForFunction(() => document.querySelector("#grid-title").textContent === "Partitions");
  check((await page.textContent("#j-kind")) === "data_juicer", "kind badge");
  check((await page.textContent("#j-stages")).includes("clean_email_mapper"), "operation as a stage");
  check((await page.textContent("#c2-title")).startsWith("Rows in"), "rows chart title");
  check(await page.locator("#c-rate rect").count() === 2, "rows in and out bars");
  check(await page.locator("#j-ranks span.f").count() === 2, "two failed partitions");
  check((await page.textContent("#j-errors")).includes("ValueError: bad sample"), "Data-Juicer failure messages");
  await page.screenshot({ path: path.join(shots, "data-juicer.png"), fullPage: true });

  // Phone width: no horizontal scrolling.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
  const p2 = await phone.newPage();
  await p2.goto(base + "/");
  await p2.waitForSelector(".card");
  const overflow = await p2.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  check(overflow <= 0, "no horizontal overflow on a phone, got " + overflow + "px");
  await p2.screenshot({ path: path.join(shots, "phone.png"), fullPage: true });
  await p2.click(".card >> text=tokenize_CC-MAIN-2023-50");
  await p2.waitForSelector("#jobview:not(.hidden)");
  const overflow2 = await p2.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  check(overflow2 <= 0, "job page fits a phone, got " + overflow2 + "px");
  await p2.screenshot({ path: path.join(shots, "phone-job.png"), fullPage: true });

  check(errors.length === 0, "no page errors: " + errors.join("; "));
  console.log(`dashboard.mjs: all ${checks} checks passed (screenshots in ${shots})`);
} finally {
  await browser.close();
}

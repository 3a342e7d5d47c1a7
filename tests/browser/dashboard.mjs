// Drives Debian's chromium (through playwright-core; never a downloaded
// browser) against a running jobmon-serve:
//   node dashboard.mjs BASE_URL JOBS_DIR SCREENSHOT_DIR SERVE_BIN WORK_DIR
// One check per behaviour of the page; exits non-zero with a message on the
// first failed one. Screenshots of every page kind at desktop and phone
// width, light and dark, go to SCREENSHOT_DIR.
import { chromium } from "playwright-core";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const [base, jobsDir, shots, serveBin, workDir] = process.argv.slice(2);
fs.mkdirSync(shots, { recursive: true });
let checks = 0;
function check(cond, message) {
  if (!cond) throw new Error("check failed: " + message);
  checks++;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function jobs() { return (await (await fetch(base + "/api/jobs")).json()).jobs; }
async function idOf(name) { return (await jobs()).find((j) => j.name === name).id; }

// A server of our own, to stop and start again (the offline state).
function startServer(port) {
  return new Promise((resolve, reject) => {
    const p = spawn(serveBin, ["--port", String(port), "--interval", "0.3", jobsDir], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    p.stderr.on("data", (d) => {
      err += d;
      const m = err.match(/listening on http:\/\/127\.0\.0\.1:(\d+)\//);
      if (m) resolve({ proc: p, port: Number(m[1]) });
    });
    p.on("exit", (code) => reject(new Error("jobmon-serve exited " + code + ": " + err)));
  });
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-quic"],
});
const own = [];
try {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: "light" });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error" && !/Failed to load resource/.test(m.text())) errors.push(m.text()); });

  // ---- order by attention: failed and stalled first, then running, pending, complete
  await page.goto(base + "/");
  await page.waitForSelector("a.card");
  const order = await page.$$eval("a.card", (cs) => cs.map((c) => c.dataset.status));
  const rank = { failed: 0, stalled: 1, running: 2, pending: 3, complete: 4 };
  check(order.length === 8, "eight job cards, got " + order.length);
  check(order.every((s, i) => i === 0 || rank[order[i - 1]] <= rank[s]), "cards in attention order: " + order.join(","));
  check(order[0] === "failed" && order.includes("running") && order.at(-1) === "complete", "failed first, complete last");
  // A sort control: by name, kept in the URL.
  await page.selectOption("#sort", "name");
  const names = await page.$$eval("a.card .name", (ns) => ns.map((n) => n.textContent));
  check(JSON.stringify(names) === JSON.stringify([...names].sort((a, b) => a.localeCompare(b))), "sorted by name: " + names.join(","));
  check(new URL(page.url()).searchParams.get("sort") === "name", "sort kept in the URL");
  await page.selectOption("#sort", "attention");

  // ---- cards are real links (middle click opens a new tab)
  const href = await page.$eval("a.card", (a) => a.getAttribute("href"));
  check(/^\/job\/[0-9a-f]{16}$/.test(href), "card href is the job page, got " + href);
  const [tab] = await Promise.all([context.waitForEvent("page"), page.click("a.card", { button: "middle" })]);
  await tab.waitForLoadState();
  check(tab.url().endsWith(href), "middle click opened the job in a new tab");
  await tab.close();
  check(await page.locator("a.card .name", { hasText: "<img src=x onerror=alert(1)>" }).count() === 1, "hostile name shown as text");
  check(await page.locator("a.card img").count() === 0, "no element injected by a job name");
  // One word per state, kind shown small (not repeated in capitals).
  check(!(await page.textContent("#cards")).includes("DATATROVE"), "no DATATROVE repeated on cards");
  const foot = await page.locator('a.card[data-status="running"] .foot span').first().textContent();
  check(/^3 \/ 10 ranks · 30%$/.test(foot), "running card footer says ranks, got " + foot);

  // ---- statistics tiles click through to the filter; filter and search live in the URL
  check((await page.textContent('.stat[data-stat="failed"] .n')) === "4", "four failed jobs counted");
  await page.click('.stat[data-stat="failed"]');
  await page.waitForFunction(() => document.querySelectorAll("a.card").length === 4);
  check(new URL(page.url()).searchParams.get("status") === "failed", "tile sets status=failed in the URL");
  await page.reload();
  await page.waitForSelector("a.card");
  await page.waitForFunction(() => document.querySelectorAll("a.card").length === 4);
  check(await page.locator('button.chip.on[data-filter="failed"]').count() === 1, "filter restored from the URL");
  await page.click('button.chip[data-filter="all"]');
  await page.fill("#search", "2023-40");
  await page.waitForFunction(() => document.querySelectorAll("a.card").length === 1);
  check(new URL(page.url()).searchParams.get("q") === "2023-40", "search kept in the URL");
  await page.goto(base + "/?q=running_job");
  await page.waitForFunction(() => document.querySelectorAll("a.card").length === 1);
  check((await page.inputValue("#search")) === "running_job", "search restored from the URL");
  // Ranks and Data-Juicer partition-operations counted apart.
  await page.goto(base + "/");
  await page.waitForSelector("a.card");
  check(await page.locator('.stat[data-stat="ranks done"]').count() === 1 && await page.locator('.stat[data-stat="partition-ops"]').count() === 1,
        "ranks and partition-ops tiles apart");
  // Warnings listed, not only counted.
  await page.waitForSelector("#warnings li");
  const warnings = await page.textContent("#warnings");
  check(warnings.includes("broken_job") && warnings.includes("notes_not_a_job"), "both warnings listed: " + warnings);

  // ---- live update through the event stream, with few requests
  fs.writeFileSync(path.join(jobsDir, "running_job", "completions", "00003"), "");
  await page.waitForFunction(() => [...document.querySelectorAll("a.card")].some((c) => c.textContent.includes("4 / 10 ranks")), null, { timeout: 10000 });
  checks++;
  await page.click("#live");
  check((await page.textContent("#live-label")) === "Paused", "pause toggle");
  fs.writeFileSync(path.join(jobsDir, "running_job", "completions", "00004"), "");
  await sleep(2500);
  check((await page.locator('a.card[data-status="running"]').textContent()).includes("4 / 10 ranks"), "paused: the card did not change");
  await page.click("#live");
  await page.waitForFunction(() => [...document.querySelectorAll("a.card")].some((c) => c.textContent.includes("5 / 10 ranks")), null, { timeout: 10000 });
  checks++;
  let apiCalls = 0;
  const countCalls = (r) => { if (r.url().includes("/api/jobs")) apiCalls++; };
  page.on("request", countCalls);
  await sleep(7000);
  page.off("request", countCalls);
  check(apiCalls <= 2, "an idle dashboard asks nothing without a change (SSE, no timer), got " + apiCalls + " calls in 7 s");

  // ---- a failed job: identical failures grouped, tracebacks kept, each linked to its log, a next step
  await page.goto(base + "/job/" + await idOf("dedup_minhash_stage2"));
  await page.waitForSelector("#j-errors li");
  check(await page.locator("#j-errors li").count() === 1, "20 identical failures in one group");
  check((await page.textContent("#j-errors li b")) === "ranks 40-59", "group lists its ranks as a range");
  const pre = await page.textContent("#j-errors pre");
  check(pre.includes("RuntimeError") && await page.$eval("#j-errors pre", (p) => getComputedStyle(p).whiteSpace) === "pre-wrap",
        "the message is preformatted (a traceback keeps its line breaks)");
  check((await page.textContent("#next-step")).includes("relaunch"), "next-step callout for a relaunch");
  check((await page.title()).startsWith("dedup_minhash_stage2 · failed"), "page title says job and state, got " + await page.title());
  await page.click("#j-errors .linkish >> text=45");
  await page.waitForFunction(() => document.querySelector("#log-file").value === "logs/task_00045.log" && document.querySelector("#log").textContent.includes("rank=45"));
  checks++;
  check(await page.locator("#log .l-err").count() > 0, "error lines coloured");
  check((await page.textContent("#log-count")).startsWith("20 files"), "log picker says how many files: " + await page.textContent("#log-count"));
  await page.screenshot({ path: path.join(shots, "failed-1440-light.png"), fullPage: true });

  // ---- the fixture's failed job: real step names and figures from stats
  await page.goto(base + "/job/" + await idOf("tokenize_CC-MAIN-2023-50"));
  await page.waitForFunction(() => document.querySelector("#j-stages").textContent.includes("READER"));
  const stages = await page.textContent("#j-stages");
  check(!/step \d/.test(stages) && stages.includes("TOKENIZER") && stages.includes("215 tokens"), "step names and figures from stats: " + stages);
  check(await page.locator("#j-stages .b-failed").count() === 0, "steps do not all take the job's failed state");
  // Charts: axes with ticks, drawn at their real size, a crosshair with the value on hover.
  check(await page.locator("#c-curve .tick").count() >= 4, "completion chart has tick labels");
  const vb = await page.$eval("#c-curve svg", (s) => [s.viewBox.baseVal.width, s.getBoundingClientRect().width]);
  check(Math.abs(vb[0] - vb[1]) < 2, "chart drawn at its real width (no stretched text): " + vb);
  const box = await page.locator("#c-curve svg").boundingBox();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
  await page.waitForSelector("#c-curve .tip:not(.hidden)");
  check(/ranks · /.test(await page.textContent("#c-curve .tip")), "hover shows the exact value");
  // The fixture's markers were all written within a second: one bar that says so, not a rate.
  const c2 = await page.textContent("#c2-title");
  check(c2 === "Completed ranks: all 14 within one second" && await page.locator("#c-rate rect").count() === 1, "a burst is one honest bar: " + c2);

  // ---- a running job: opens on the live log, follows it, pauses on scroll-up
  await page.goto(base + "/job/" + await idOf("running_job"));
  await page.waitForFunction(() => /logs\/task_0000[345]\.log/.test(document.querySelector("#log-file").value) && document.querySelector("#log").textContent.includes("Launching"));
  const live = await page.inputValue("#log-file");
  check((await page.textContent("#following")).includes("following"), "following indicator");
  fs.appendFileSync(path.join(jobsDir, "running_job", live), "2026-01-01 00:00:00.000 | SUCCESS  | new line while following\n");
  await page.waitForFunction(() => document.querySelector("#log").textContent.includes("new line while following"), null, { timeout: 8000 });
  check(await page.locator("#log .l-ok").count() === 1, "SUCCESS lines coloured");
  fs.appendFileSync(path.join(jobsDir, "running_job", live), Array.from({ length: 80 }, (_, i) => "filler " + i).join("\n") + "\n");
  await page.waitForFunction(() => document.querySelector("#log").textContent.includes("filler 79"), null, { timeout: 8000 });
  await page.$eval("#log", (t) => { t.scrollTop = 0; t.dispatchEvent(new Event("scroll")); });
  await page.waitForFunction(() => document.querySelector("#following").textContent.includes("paused"));
  checks++;
  check((await page.textContent("#c2-title")).startsWith("Completed ranks per"), "throughput of a running job in ranks per interval");
  await page.screenshot({ path: path.join(shots, "running-1440-light.png"), fullPage: true });
  check((await page.title()).includes("running_job · running"), "title of a running job");

  // ---- Data-Juicer: its logs/ listed, stopped operations, stage time says what it sums
  await page.goto(base + "/job/" + await idOf("failed_job"));
  await page.waitForFunction(() => document.querySelector("#grid-title").textContent === "Partitions");
  await page.waitForFunction(() => document.querySelector("#log").textContent.includes("partition 0 exported"));
  check(await page.locator("#log .l-warn").count() === 1 && await page.locator("#log .l-err").count() === 1, "Data-Juicer log lines coloured");
  check(!(await page.textContent("#j-stages")).includes("running"), "a failed Data-Juicer job shows no running operation");
  check((await page.textContent("#j-errors")).includes("ValueError: bad sample"), "Data-Juicer failure messages");
  check((await page.textContent("#j-progress")).includes("partition-ops"), "Data-Juicer progress in partition-ops");
  const resume = await page.textContent("#next-step");
  check(resume.includes("Next step: resume the job") && resume.includes("dj-process --config /outputs/failed_job/process.yaml --job_id failed_job"),
        "Data-Juicer's resumption command in the next-step callout: " + resume);

  // ---- a job on Slurm: rank cells by the joined state, the scheduler panel, the relaunch command
  await page.goto(base + "/job/" + await idOf("slurm_job"));
  await page.waitForSelector("#sched-panel:not(.hidden)");
  const cells = await page.$$eval("#j-ranks span", (s) => s.map((c) => c.className).join(" "));
  check(cells === "c-d c-f c-t c-c", "grid by joined state (done, failed, timeout, cancelled), got " + cells);
  const sched = await page.textContent("#sched");
  const ids = await page.textContent('#sched dt:text-is("Job ids") + dd');
  check(ids === "1" && sched.includes("DependencyNeverSatisfied") && sched.includes("never runs"),
        "scheduler panel: ids, merge job that never runs: " + sched);
  check(sched.includes("1 timeout") && sched.includes("1 cancelled"), "ranks by joined state in the panel: " + sched);
  const next = await page.textContent("#next-step");
  check(next.includes("sbatch --array=1-3") && next.includes("launch_script.slurm"), "relaunch command with the array indices: " + next);
  check((await page.getAttribute("#j-ranks span.c-t", "title")).includes("timeout"), "a cell says its state on hover");
  const failures = await page.textContent("#j-errors");
  check(failures.includes("TIMEOUT") && failures.includes("on vm, no exception in its log") && failures.includes("rank 1") && failures.includes("RuntimeError"),
        "failures list the exception and the ranks Slurm ended: " + failures);
  await page.screenshot({ path: path.join(shots, "slurm-1440-light.png"), fullPage: true });

  // ---- a pending job: its configuration
  await page.goto(base + "/job/" + await idOf("pending_job"));
  await page.waitForSelector("#config-panel:not(.hidden)");
  const config = await page.textContent("#config-panel");
  check(config.includes("400") && config.includes("64") && config.includes("data_folder=s3://bucket/cc"), "pending job previews executor.json: " + config);

  // ---- not found: an unknown id and a malformed one
  await page.goto(base + "/job/0000000000000000");
  await page.waitForSelector("#notfound:not(.hidden)");
  check((await page.textContent("#notfound h2")) === "Job not found" && await page.locator("#jobview.hidden").count() === 1, "unknown id: job not found");
  await page.goto(base + "/job/notanid");
  await page.waitForSelector("#notfound:not(.hidden)");
  checks++;

  // ---- offline: a server that goes away, then comes back
  const first = await startServer(0);
  own.push(first.proc);
  const off = await context.newPage();
  await off.goto(`http://127.0.0.1:${first.port}/`);
  await off.waitForSelector("a.card");
  first.proc.kill();
  await off.waitForSelector("#offline:not(.hidden)", { timeout: 15000 });
  check((await off.textContent("#live-label")) === "Offline" && await off.locator("#dot.offline").count() === 1, "grey dot and Offline label");
  check(await off.locator("main.stale").count() === 1, "stale data marked");
  const again = await startServer(first.port);
  own.push(again.proc);
  await off.waitForSelector("#offline.hidden", { timeout: 20000, state: "attached" });
  check((await off.textContent("#live-label")) === "Live", "back online");
  await off.close();

  // ---- dark mode: the system's, and a toggle that is remembered
  const dark = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: "dark" });
  const dp = await dark.newPage();
  await dp.goto(base + "/");
  await dp.waitForSelector("a.card");
  check((await dp.getAttribute("html", "data-theme")) === "dark", "follows prefers-color-scheme: dark");
  const bg = await dp.evaluate(() => getComputedStyle(document.body).backgroundColor);
  check(bg === "rgb(11, 13, 18)", "dark background, got " + bg);
  await dp.click("#theme");
  check((await dp.getAttribute("html", "data-theme")) === "light", "toggle to light");
  await dp.reload();
  await dp.waitForSelector("a.card");
  check((await dp.getAttribute("html", "data-theme")) === "light", "the choice is remembered");
  await dp.click("#theme");
  await dark.close();

  // ---- phone width: no sideways scroll, header on one line, tiles in two rows
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
  const p2 = await phone.newPage();
  await p2.goto(base + "/");
  await p2.waitForSelector("a.card");
  const overflow = await p2.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  check(overflow <= 0, "no horizontal overflow on a phone, got " + overflow + "px");
  const headerH = await p2.$eval("header", (h) => h.getBoundingClientRect().height);
  check(headerH < 50, "header on one line on a phone, height " + headerH);
  const tileRows = await p2.$$eval(".stat", (s) => new Set(s.map((x) => Math.round(x.getBoundingClientRect().top))).size);
  check(tileRows <= 2, "tiles fit two rows on a phone, got " + tileRows);
  await p2.goto(base + "/job/" + await idOf("tokenize_CC-MAIN-2023-50"));
  await p2.waitForSelector("#j-errors li");
  const overflow2 = await p2.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  check(overflow2 <= 0, "job page fits a phone, got " + overflow2 + "px");
  await phone.close();

  // ---- screenshots: every page kind, both widths, light and dark
  const pages = [["dashboard", "/"], ["running", "/job/" + await idOf("running_job")], ["failed", "/job/" + await idOf("tokenize_CC-MAIN-2023-50")],
                 ["complete", "/job/" + await idOf("tokenize_CC-MAIN-2023-40")], ["data-juicer", "/job/" + await idOf("failed_job")],
                 ["slurm", "/job/" + await idOf("slurm_job")]];
  for (const scheme of ["light", "dark"]) {
    for (const [w, h] of [[1440, 900], [390, 844]]) {
      const ctx = await browser.newContext({ viewport: { width: w, height: h }, colorScheme: scheme, isMobile: w < 500 });
      const p = await ctx.newPage();
      for (const [name, url] of pages) {
        await p.goto(base + url);
        await p.waitForSelector(name === "dashboard" ? "a.card" : "#j-ranks span");
        await sleep(400);
        await p.screenshot({ path: path.join(shots, `${name}-${w}-${scheme}.png`), fullPage: true });
      }
      await ctx.close();
    }
  }

  check(errors.length === 0, "no page errors: " + errors.join("; "));
  console.log(`dashboard.mjs: all ${checks} checks passed (screenshots in ${shots})`);
} finally {
  for (const p of own) p.kill();
  await browser.close();
}

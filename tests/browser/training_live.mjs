// Drives Debian's chromium (through playwright-core) against a running
// jobmon-serve while tests/e2e/training_writer.py writes a run record by
// record (tests/e2e/test_training_live_browser.sh starts both):
//   node training_live.mjs BASE_URL RUN_NAME MAX_STEPS READY_FILE SHOT_DIR [NAME:STATE...]
// It opens the dashboard, touches READY_FILE (the shell starts the writer
// then), waits for the run's card, opens the run's page and, without ever
// reloading it (the page follows the server's SSE "change" events), samples
// what it shows until the run is complete: the state word, the step, the
// loss chart's point count, the ETA and the stage tracker. Screenshots at
// three moments (running early, running later, complete) go to SHOT_DIR.
// Then each NAME:STATE run (written beforehand, stopped mid-way) must show
// STATE (failed, stalled) with its reason in the callout and the badge's
// title, and a stopped training stage. Prints the timeline it saw, then the verdict.
import { chromium } from "playwright-core";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const [base, runName, maxArg, readyFile, shots, ...stopped] = process.argv.slice(2);
const MAX = Number(maxArg);
fs.mkdirSync(shots, { recursive: true });
let checks = 0;
const failures = [];
function check(cond, message) {
  if (cond) checks++;
  else failures.push(message);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const profile = fs.mkdtempSync(path.join(os.tmpdir(), "jobmon-chromium-"));

// A fresh profile (--user-data-dir), which playwright takes as launchPersistentContext's first argument.
const context = await chromium.launchPersistentContext(profile, {
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-quic"],
  viewport: { width: 1440, height: 1000 }, colorScheme: "light",
});
try {
  const page = context.pages()[0] || await context.newPage();
  const errors = [];
  let navigations = 0;
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error" && !/Failed to load resource/.test(m.text())) errors.push(m.text()); });
  page.on("framenavigated", (f) => { if (f === page.mainFrame()) navigations++; });

  // ---- the dashboard before the run exists, then its card as soon as the writer starts
  await page.goto(base + "/");
  await page.waitForSelector("#cards");
  fs.writeFileSync(readyFile, "ready\n");
  const card = page.locator('a.card[data-kind="training"]', { hasText: runName });
  await card.waitFor({ timeout: 15000 });
  const firstCard = (await card.locator(".badge").textContent()).trim();
  check(firstCard === "pending" || firstCard === "running", "the run's first card is pending or running, got " + firstCard);

  // ---- the run's page, opened by a click (an in-page route change, not a load)
  await card.click();
  await page.waitForSelector("#t-view:not(.hidden)");
  const navsAtOpen = navigations;
  await page.evaluate(() => { window.__jobmonLiveMarker = "same document"; });

  // Sample the page every 100 ms until it says complete (or 60 s pass).
  const sample = () => page.evaluate(() => {
    const text = (id) => (document.getElementById(id)?.textContent || "").trim();
    const stages = {};
    for (const li of document.querySelectorAll("#t-stages li[data-stage]")) stages[li.dataset.stage] = li.className.replace(/^s-/, "");
    const key = [...document.querySelectorAll("#t-key [data-series]")].map((k) => k.textContent.trim());
    const m = /^([\d,]+)(?: \/ [\d,]+)? steps?/.exec(text("j-progress")) || /^step ([\d,]+)/.exec(text("j-progress"));
    return { status: text("j-status"), progress: text("j-progress"), eta: text("j-eta"), key,
             step: m ? Number(m[1].replace(/,/g, "")) : null, stages, marker: window.__jobmonLiveMarker || null };
  });
  const timeline = [];
  const t0 = Date.now();
  const shotsTaken = [];
  const shoot = async (name) => { await page.screenshot({ path: path.join(shots, name), fullPage: true }); shotsTaken.push(name); };
  let last = "";
  while (Date.now() - t0 < 60000) {
    const s = await sample();
    s.t = ((Date.now() - t0) / 1000).toFixed(1);
    const sig = JSON.stringify([s.status, s.step, s.key, s.stages, s.eta.startsWith("ETA")]);
    if (sig !== last) { timeline.push(s); last = sig; }
    if (s.status === "running" && s.step !== null && s.step > 0 && !shotsTaken.includes("live-1-running-early.png")) await shoot("live-1-running-early.png");
    if (s.status === "running" && s.step !== null && s.step >= MAX * 0.6 && !shotsTaken.includes("live-2-running-late.png")) await shoot("live-2-running-late.png");
    if (s.status === "complete" && s.stages.saved === "done") break;
    await sleep(100);
  }
  const end = await sample();
  await shoot("live-3-complete.png");
  for (const s of timeline) {
    console.log(`t=${s.t}s ${s.status} step=${s.step} eta=[${s.eta}] key=[${s.key.join(" | ")}] stages=${Object.entries(s.stages).map(([k, v]) => k + ":" + v).join(",")}`);
  }

  // ---- what the timeline must show
  check(end.marker === "same document" && navigations === navsAtOpen, `the page updated by itself: no reload (navigations ${navsAtOpen} -> ${navigations})`);
  check(["pending", "running"].includes(timeline[0].status), "first state on the run's page is pending or running, got " + timeline[0].status);
  const running = timeline.filter((s) => s.status === "running");
  const steps = [...new Set(running.map((s) => s.step).filter((x) => x !== null))];
  check(steps.length >= 3, "the step rose across at least 3 values while running: " + steps.join(","));
  check(steps.every((x, i) => i === 0 || x > steps[i - 1]), "steps only rise: " + steps.join(","));
  const points = (s) => s.key.length ? Number((/· ([\d,]+) points?/.exec(s.key[0]) || [0, "0"])[1].replace(/,/g, "")) : 0;
  const counts = [...new Set(timeline.map(points))];
  check(counts.length >= 3 && points(end) > counts[0], "the loss chart gained points: " + counts.join(","));
  check(running.some((s) => /^ETA \S/.test(s.eta)), "an ETA shown while running: " + [...new Set(running.map((s) => s.eta))].join(" | "));
  check(running.some((s) => s.stages.training === "active"), "the training stage is active while running");
  const firstIndex = (pred) => timeline.findIndex(pred);
  const trainingActive = firstIndex((s) => s.stages.training === "active");
  const validationDone = firstIndex((s) => s.stages.validation === "done");
  const checkpointDone = firstIndex((s) => s.stages.checkpoint === "done");
  const savedDone = firstIndex((s) => s.stages.saved === "done");
  check(trainingActive >= 0 && validationDone > trainingActive && checkpointDone > validationDone && savedDone > checkpointDone,
        `stage tracker order: training active #${trainingActive}, validation done #${validationDone}, checkpoint done #${checkpointDone}, saved done #${savedDone}`);
  check(validationDone >= 0 && timeline[validationDone].status === "running", "validation done while still running");
  check(checkpointDone >= 0 && timeline[checkpointDone].status === "running", "a checkpoint done while still running");
  check(end.status === "complete", "the run ends complete, got " + end.status);
  check(end.step === MAX && end.progress.startsWith(`${MAX} / ${MAX} steps · 100%`), "complete at max_steps: " + end.progress);
  check(end.stages.training === "done" && end.stages.saved === "done", "training and saved done at the end: " + JSON.stringify(end.stages));
  check(/^finished /.test(end.eta), "a complete run says when it finished, got " + end.eta);
  // The API agrees with what the page shows.
  const jobs = (await (await fetch(base + "/api/jobs?limit=1000")).json()).jobs;
  const job = jobs.find((j) => j.name === runName);
  check(job && job.status === "complete" && job.step === MAX && job.max_steps === MAX, "API: complete at max_steps");
  // The dashboard card follows too (a route change back, still no reload).
  await page.click("#back");
  await page.waitForSelector(`a.card[data-id="${job.id}"] .badge`);
  const foot = await page.locator(`a.card[data-id="${job.id}"] .foot span`).first().textContent();
  check((await page.locator(`a.card[data-id="${job.id}"] .badge`).textContent()) === "complete", "the dashboard card says complete");
  check(foot.startsWith(`${MAX} / ${MAX} steps`), "the card's footer: " + foot);

  // ---- runs stopped mid-way (no final entry): the state word and why, on their pages
  for (const spec of stopped) {
    const [name, want] = spec.split(":");
    const j = jobs.find((x) => x.name === name);
    check(j !== undefined, "stopped run listed: " + name);
    if (!j) continue;
    const detail = await (await fetch(base + "/api/jobs/" + j.id)).json();
    await page.click(`a.card[data-id="${j.id}"]`);
    await page.waitForSelector("#t-view:not(.hidden)");
    await page.waitForFunction((id) => location.pathname === "/job/" + id, j.id);
    const badge = page.locator("#j-status");
    check((await badge.textContent()) === want, `${name}: badge ${want}, got ${await badge.textContent()}`);
    check((await badge.getAttribute("title")) === detail.state_reason, `${name}: the badge's title is the reason: ${await badge.getAttribute("title")}`);
    check(!(await page.locator("#next-step").isHidden()), `${name}: a callout says why`);
    const callout = await page.textContent("#next-step");
    check(callout.includes(detail.state_reason), `${name}: the callout holds the reason [${detail.state_reason}]: ${callout}`);
    check(want !== "failed" || /stopped at step \d+ of \d+ with no final entry/.test(callout), `${name}: failed reason names the step: ${callout}`);
    check(want !== "stalled" || /no write for /.test(callout), `${name}: stalled reason says how long: ${callout}`);
    const stage = await page.getAttribute('#t-stages li[data-stage="training"]', "class");
    check(stage === (want === "failed" ? "s-stopped" : "s-active"), `${name}: training stage ${stage}`);
    const eta = await page.textContent("#j-eta");
    check(eta.startsWith(want === "failed" ? "stopped " : "no progress since "), `${name}: ${eta}`);
    await shoot(`live-4-${want}.png`);
    await page.click("#back");
    await page.waitForSelector(`a.card[data-id="${j.id}"] .badge`);
  }
  check(errors.length === 0, "no page errors: " + errors.join("; "));
  console.log("screenshots: " + shotsTaken.join(", "));
  if (failures.length) {
    for (const f of failures) console.error("check failed: " + f);
    process.exitCode = 1;
  } else {
    console.log(`training_live.mjs: all ${checks} checks passed`);
  }
} finally {
  await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
}

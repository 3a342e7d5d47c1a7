// Drives Debian's chromium (through playwright-core) against a running
// jobmon-serve that serves training runs:
//   node training.mjs BASE_URL SCREENSHOT_DIR
// The dashboard's run cards, and a run's page: the loss chart with its train
// and eval curves (hover gives the exact step and values the API has),
// metric cards (a click charts that metric), the stage tracker, checkpoints,
// the arguments table; no element injected by a run's name. Screenshots at
// desktop and phone width, light and dark, go to SCREENSHOT_DIR.
import { chromium } from "playwright-core";
import fs from "node:fs";
import path from "node:path";

const [base, shots] = process.argv.slice(2);
fs.mkdirSync(shots, { recursive: true });
let checks = 0;
function check(cond, message) {
  if (!cond) throw new Error("check failed: " + message);
  checks++;
}
async function api(p) { return (await fetch(base + p)).json(); }
const jobs = (await api("/api/jobs?limit=1000")).jobs;
const idOf = (name) => jobs.find((j) => j.name === name).id;

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-quic"],
});
try {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: "light" });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error" && !/Failed to load resource/.test(m.text())) errors.push(m.text()); });
  page.on("dialog", (d) => { errors.push("dialog: " + d.message()); d.dismiss(); });

  // ---- dashboard: a card per run, steps and loss in its footer, the kind tag
  await page.goto(base + "/");
  await page.waitForSelector('a.card[data-kind="training"]');
  const runs = jobs.filter((j) => j.kind === "training");
  check(await page.locator('a.card[data-kind="training"]').count() === runs.length, "one card per training run");
  const whisper = jobs.find((j) => j.name === "hf-whisper-small-hi-wer");
  const card = page.locator(`a.card[data-id="${whisper.id}"]`);
  const foot = await card.locator(".foot span").first().textContent();
  check(/^5,000 \/ 5,000 steps · loss 0\.0002$/.test(foot), "run card footer: steps and loss, got " + foot);
  check((await card.locator(".kind-tag").textContent()) === "TR", "run cards say TR");
  check((await card.locator(".badge").textContent()) === whisper.status, "card state word");
  check(await page.locator("a.card img").count() === 0, "no element injected by a run's name");
  check(await page.locator("a.card .name", { hasText: "<img src=x onerror=alert(1)>" }).count() === 1, "hostile name shown as text");
  await page.screenshot({ path: path.join(shots, "training-dashboard.png"), fullPage: true });

  // ---- a run's page: header, cards, chart
  const detail = await api("/api/jobs/" + whisper.id);
  await card.click();
  await page.waitForSelector("#t-chart svg");
  check(!(await page.locator("#t-view").isHidden()), "the training view shows");
  check(await page.locator("#j-cols").isHidden(), "the other kinds' panels are hidden");
  check((await page.textContent("#j-kind")) === "training run", "kind in the header");
  check((await page.textContent("#j-progress")).startsWith("5,000 / 5,000 steps · 100% · epoch 12.22 of 13"), "progress line: " + await page.textContent("#j-progress"));
  const paths = await page.$$eval("#t-chart path[data-series]", (ps) => ps.map((p) => p.dataset.series));
  check(JSON.stringify(paths) === JSON.stringify(["loss", "eval_loss"]), "both curves drawn: " + paths.join(","));
  const key = await page.$$eval("#t-key [data-series]", (ks) => ks.map((k) => k.textContent));
  check(key.length === 2 && key[0].startsWith("loss · 200 points") && key[1].startsWith("eval_loss · 5 points"), "chart key: " + key.join(" | "));

  // Hover: the tip names the nearest step and each curve's exact value there, as the API has them.
  const svgBox = await page.locator("#t-chart svg").boundingBox();
  const series = detail.chart.series;
  let hovered = 0;
  for (const fraction of [0.2, 0.5, 0.79, 0.995]) {
    await page.mouse.move(svgBox.x + svgBox.width * fraction, svgBox.y + svgBox.height / 2);
    const tip = page.locator("#t-chart .tip");
    check(await tip.isVisible(), "tip shows on hover");
    const rows = await tip.locator("[data-series]").evaluateAll((rs) => rs.map((r) => ({ name: r.dataset.series, step: +r.dataset.step, value: r.dataset.value, text: r.textContent })));
    check(rows.length >= 1, "tip lists at least one curve");
    for (const r of rows) {
      const point = series[r.name].find((p) => p[0] === r.step);
      check(point !== undefined, `tip step ${r.step} of ${r.name} is a real point`);
      check(Number(r.value) === point[1], `tip value ${r.value} of ${r.name} at ${r.step} is the API's ${point[1]}`);
      check(r.text.includes(String(point[1])), `tip text shows the exact value: ${r.text}`);
      hovered++;
    }
    const head = await tip.locator("div").first().textContent();
    check(/^step [\d,]+$/.test(head), "tip's first line is the step: " + head);
  }
  check(hovered >= 5, "hovered points checked: " + hovered);
  // At the end both curves have a point (eval at 5000): the tip shows both.
  const endRows = await page.locator("#t-chart .tip [data-series]").count();
  check(endRows === 2, "at the last step the tip shows train and eval, got " + endRows);
  await page.screenshot({ path: path.join(shots, "training-run-hover.png"), fullPage: true });
  await page.mouse.move(0, 0);

  // Metric cards: one per card the API chose (loss first), then the epoch; best values said.
  const cards = await page.$$eval("#t-cards [data-metric]", (cs) => cs.map((c) => ({ metric: c.dataset.metric, text: c.textContent })));
  check(JSON.stringify(cards.map((c) => c.metric)) === JSON.stringify([...detail.cards.map((c) => c.name), "epoch"]), "cards: " + cards.map((c) => c.metric).join(","));
  const wer = detail.cards.find((c) => c.name === "eval_wer");
  const werCard = cards.find((c) => c.metric === "eval_wer").text;
  check(werCard.includes("32.096") && werCard.includes("best 32.0113 @ 4,000"), "eval_wer card: last and best, got " + werCard);
  check(wer.best_step === 4000, "API's best step for eval_wer");
  // A click charts that metric; the title says which; a second click goes back to the loss.
  await page.click('#t-cards [data-metric="eval_wer"]');
  check((await page.textContent("#t-chart-title")) === "eval_wer", "chart title follows the card");
  check(JSON.stringify(await page.$$eval("#t-chart path[data-series]", (ps) => ps.map((p) => p.dataset.series))) === '["eval_wer"]', "eval_wer charted");
  check(await page.locator('#t-cards [data-metric="eval_wer"].on').count() === 1, "the picked card is marked");
  await page.click('#t-cards [data-metric="eval_wer"]');
  check((await page.textContent("#t-chart-title")) === "Loss", "back to the loss");

  // Stages: the five steps with their state words, as the API says.
  const stages = await page.$$eval("#t-stages li[data-stage]", (ls) => ls.map((l) => l.dataset.stage + ":" + l.className));
  check(JSON.stringify(stages) === JSON.stringify(detail.stages.map((s) => s.name + ":s-" + s.status)), "stages: " + stages.join(","));
  check((await page.textContent('#t-stages li[data-stage="validation"]')).includes("5 evaluations"), "validation stage detail");
  check((await page.textContent("#t-meta")).includes("./whisper-small-colab/checkpoint-4000"), "best checkpoint in the details");

  // ---- checkpoints and arguments: a run with both
  const gpt2 = jobs.find((j) => j.name === "hf-gemma3-checkpoint-series");
  await page.goto(base + "/job/" + gpt2.id);
  await page.waitForSelector("#t-chart svg");
  const gd = await api("/api/jobs/" + gpt2.id);
  const ckpts = await page.$$eval("#t-ckpts tr[data-checkpoint]", (rs) => rs.map((r) => r.dataset.checkpoint));
  check(JSON.stringify(ckpts) === JSON.stringify(gd.checkpoints.map((c) => c.name)), "checkpoints listed: " + ckpts.join(","));
  check(ckpts.length === 3, "three checkpoints");
  await page.screenshot({ path: path.join(shots, "training-checkpoints.png"), fullPage: true });

  const args = jobs.find((j) => j.name === "hf-gpt2-100ep-runs-hparams");
  const ad = await api("/api/jobs/" + args.id);
  await page.goto(base + "/job/" + args.id);
  await page.waitForSelector("#t-chart svg");
  check(!(await page.locator("#t-args-panel").evaluate((d) => d.open)), "arguments start collapsed");
  check((await page.textContent("#t-args-title")) === "Arguments (" + ad.arguments.length + ")", "arguments count in the summary");
  await page.click("#t-args-title");
  check(await page.locator("#t-args tr").count() === ad.arguments.length, "one row per argument");
  const [k0, v0] = ad.arguments[0];
  check((await page.locator("#t-args tr").first().locator("th").textContent()) === k0 &&
        (await page.locator("#t-args tr").first().locator("td").textContent()) === v0, "first argument as key and value");
  // Both spellings (loss, train/loss) read from two writers: one card, one curve.
  check(await page.locator('#t-cards [data-metric="train/loss"]').count() === 0, "TensorBoard's copy of loss is not a card");
  await page.screenshot({ path: path.join(shots, "training-arguments.png"), fullPage: true });

  // ---- a Lightning run (no max_steps: "step N"), a run with no values, the hostile name's page
  const pl = jobs.find((j) => j.kind === "training" && j.writer === "lightning");
  await page.goto(base + "/job/" + pl.id);
  await page.waitForSelector("#t-chart svg");
  check((await page.textContent("#j-progress")).startsWith("step "), "a run without a plan says its step");
  check(await page.locator("#t-chart path[data-series]").count() === 2, "Lightning: train and val loss curves");
  const empty = jobs.find((j) => j.name === "hf-empty-log-history");
  await page.goto(base + "/job/" + empty.id);
  await page.waitForSelector("#t-chart .chart-empty");
  check((await page.textContent("#t-chart")).includes("No loss logged yet"), "a run with no values says so");
  const hostile = jobs.find((j) => j.name === "<img src=x onerror=alert(1)>");
  await page.goto(base + "/job/" + hostile.id);
  await page.waitForSelector("#t-chart svg, #t-chart .chart-empty");
  check((await page.textContent("#j-name")) === "<img src=x onerror=alert(1)>", "hostile name as text on its page");
  check(await page.locator("main img").count() === 0, "no element injected on the run's page");

  // ---- phone width and dark
  for (const [w, h, scheme, name] of [[390, 844, "light", "phone"], [1440, 900, "dark", "dark"]]) {
    const ctx = await browser.newContext({ viewport: { width: w, height: h }, colorScheme: scheme });
    const p = await ctx.newPage();
    p.on("pageerror", (e) => errors.push(String(e)));
    await p.goto(base + "/job/" + whisper.id);
    await p.waitForSelector("#t-chart svg");
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    check(overflow <= 0, `${name}: no horizontal scroll (${overflow}px)`);
    const b = await p.locator("#t-chart svg").boundingBox();
    await p.mouse.move(b.x + b.width * 0.5, b.y + b.height / 2);
    await p.screenshot({ path: path.join(shots, `training-run-${name}.png`), fullPage: true });
    await ctx.close();
  }
  check(errors.length === 0, "no page errors: " + errors.join("; "));
  console.log(`training.mjs: all ${checks} checks passed`);
} finally {
  await browser.close();
}

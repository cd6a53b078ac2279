// The web page's speed in headless Chromium, one page load per configuration; driven by
// benchmarks/bench_web.py, which makes the lines, serves the page and prints the table.
//
//   node benchmarks/bench_web.js URL LINES_JSON RESULT_JSON QUERY...
//
// QUERY: the page's URL parameters for one configuration ("backend=wasm&engine=fused",
// "" for the page's defaults). LINES_JSON: [strokes, ...]. Each configuration: the page is
// loaded (a new browser context: nothing cached) --loads times, each followed by a first
// call (the medians of both are reported), then every line is recognized --runs times
// through window.hwrDemo.recognizer.recognize on the last load. With $BENCH_WEB_PAGES (a
// JSON file: [{strokes, lines: [[stroke index, ...] per true line]}, ...]), every page is
// then read --runs times by window.hwrDemo.recognizer.readPage (lines found and read, as
// the page does it, but never from its memory of lines read before) and its true lines
// recognized one by one, each timed.
// RESULT_JSON: [{query, backend, engine, decoder, loadMs (navigation to data-state=ready,
// median), loadCpuMs (the renderer's CPU time until then, page and worker threads
// together, median), loadsMs (each load's), timings (the last load's own: model load, warm-up),
// firstMs (median), calls: [{line, run, ms, cpuMs,
// text}], downloads: [{url, bytes, gzipBytes}] (every response until ready, 0 bytes if the
// browser had it already; gzip at
// zlib's default level, as a server would send it), errors, pageCalls: [{page, run, ms,
// cpuMs, linesMs, linesCpuMs (its true lines one by one), found: [[stroke index, ...]
// per line found]}]}]. cpuMs is the renderer
// process's CPU time (Chrome's ProcessTime metric), which on a busy machine says what an
// idle one would take; ms is wall time.
// Chromium: Debian's /usr/bin/chromium, or $CHROMIUM, as demo/web/test/browser_draw.js.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';

const require = createRequire(new URL('../demo/web/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TIMEOUT_MS = 300000;
const RUNS = Number(process.env.BENCH_WEB_RUNS || 3);
const LOADS = Number(process.env.BENCH_WEB_LOADS || 1);
const PAGES = process.env.BENCH_WEB_PAGES
  ? JSON.parse(readFileSync(process.env.BENCH_WEB_PAGES, 'utf8')) : [];

async function processSeconds(cdp) {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return metrics.find((m) => m.name === 'ProcessTime').value;
}

async function recognizeTimed(page, cdp, strokes) {
  const cpuBefore = await processSeconds(cdp);
  const result = await page.evaluate(async (ink) => {
    const started = performance.now();
    const { text } = await window.hwrDemo.recognizer.recognize(ink);
    return { ms: performance.now() - started, text };
  }, strokes);
  return { ...result, cpuMs: 1000 * ((await processSeconds(cdp)) - cpuBefore) };
}

/** A page of ink read as the page reads it, then its true lines one by one: times. */
async function readPageTimed(page, cdp, { strokes, lines }) {
  const cpuBefore = await processSeconds(cdp);
  const read = await page.evaluate(async (ink) => {
    const started = performance.now();
    const { lines: found } = await window.hwrDemo.recognizer.readPage(ink, 'auto', false);
    return { ms: performance.now() - started, found: found.map((line) => line.strokes) };
  }, strokes);
  const cpuBetween = await processSeconds(cdp);
  const linesMs = await page.evaluate(async (inks) => {
    const started = performance.now();
    for (const ink of inks) await window.hwrDemo.recognizer.recognize(ink);
    return performance.now() - started;
  }, lines.map((line) => line.map((i) => strokes[i])));
  return { ...read, cpuMs: 1000 * (cpuBetween - cpuBefore), linesMs,
    linesCpuMs: 1000 * ((await processSeconds(cdp)) - cpuBetween) };
}

/** Load the page in a new context until it says ready; what it downloaded meanwhile. */
async function loadPage(browser, url, query) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT_MS);
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  const responses = []; // the page's and its worker's
  context.on('response', (response) => responses.push(response));
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
  const started = Date.now();
  await page.goto(`${url}?${query}`);
  await page.waitForSelector('body[data-state="ready"], body[data-state="error"]');
  const loadMs = Date.now() - started;
  const loadCpuMs = 1000 * (await processSeconds(cdp));
  const downloads = await Promise.all(responses.slice().map(async (response) => {
    const body = await response.body().catch(() => Buffer.alloc(0));
    // a file the browser had already (the second worker's hwr.wasm: a 304) came without one
    const { responseBodySize } = await response.request().sizes();
    const fetched = responseBodySize > 0 ? body : Buffer.alloc(0);
    return { url: response.url(), bytes: fetched.length, gzipBytes: gzipSync(fetched).length };
  }));
  if (await page.locator('body[data-state="error"]').count()) {
    const error = await page.textContent('#status');
    await context.close();
    return { error };
  }
  const info = await page.evaluate(() => {
    const { backend, engine, decoder, timings } = window.hwrDemo;
    return { backend, engine, decoder, timings };
  });
  return { context, page, cdp, errors, loadMs, loadCpuMs, downloads, info };
}

/** LOADS page loads (ready and first call each: their medians), then every line RUNS
 * times on the last. */
async function measure(browser, url, query, lines) {
  const loads = [];
  for (let i = 0; i < LOADS; i++) {
    const loaded = await loadPage(browser, url, query);
    if (loaded.error) return { query, error: loaded.error };
    loaded.first = await recognizeTimed(loaded.page, loaded.cdp, lines[0]);
    loads.push(loaded);
    if (i < LOADS - 1) await loaded.context.close();
  }
  const { context, page, cdp, errors, downloads, info } = loads[loads.length - 1];
  const calls = [];
  for (let run = 0; run < RUNS; run++) {
    for (let line = 0; line < lines.length; line++) {
      calls.push({ line, run, ...(await recognizeTimed(page, cdp, lines[line])) });
    }
  }
  const pageCalls = [];
  for (let run = 0; run < RUNS; run++) {
    for (let k = 0; k < PAGES.length; k++) {
      pageCalls.push({ page: k, run, ...(await readPageTimed(page, cdp, PAGES[k])) });
    }
  }
  await context.close();
  return { query, ...info, loadMs: median(loads.map((l) => l.loadMs)),
    loadCpuMs: median(loads.map((l) => l.loadCpuMs)),
    loadsMs: loads.map((l) => l.loadMs), firstMs: median(loads.map((l) => l.first.ms)),
    calls, downloads, errors, pageCalls };
}

function median(values) {
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[(sorted.length - 1) >> 1];
}

async function main([url, linesPath, resultPath, ...queries]) {
  if (!queries.length) throw new Error('usage: bench_web.js URL LINES_JSON RESULT_JSON QUERY...');
  const lines = JSON.parse(readFileSync(linesPath, 'utf8'));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_ARGS,
  });
  const results = [];
  try {
    for (const query of queries) {
      results.push(await measure(browser, url, query, lines));
      process.stderr.write(`bench_web.js: measured ${query || '(defaults)'}\n`);
    }
  } finally {
    await browser.close();
  }
  writeFileSync(resultPath, JSON.stringify(results));
}

main(process.argv.slice(2)).catch((error) => {
  console.error(`bench_web.js: ${error.stack || error}`);
  process.exit(1);
});

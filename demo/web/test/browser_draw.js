// Writes stored strokes on the demo page in headless Chromium with real mouse input
// (Chrome DevTools Protocol Input.dispatchMouseEvent, through playwright-core), waits for
// the text the page shows after the pause, presses Recognize, presses Download ink, hovers
// the last line of text where it shows several, then chooses best path in the Decoder
// menu (where it is offered) and waits for the text again, and saves what the page shows,
// the downloaded InkML and a screenshot.
//
//   node demo/web/test/browser_draw.js URL STROKES_JSON OUT_DIR
//
// STROKES_JSON: [[[x, y, t], ...], ...], any units: scaled to fit the canvas.
// OUT_DIR/result.json: {"live_text": text shown after the pause, "text": shown after
// Recognize (texts shown: the lines shown joined by newlines), "lines": the lines shown
// ({text, strokes: indices into "strokes"}, window.hwrDemo.lines()), "highlighted": the
// strokes highlighted while the last line is hovered (null for one line), "strokes": the
// strokes as the page recorded them, "status", "backend" (the
// TensorFlow.js backend the page picked), "engine", "decoder": the page's default decoder
// (window.hwrDemo.decoder), "decoders": those its menu offers, "best_path_text": shown
// after choosing best path (null if not offered), "probabilities": the page's model output
// for those strokes (T * C, row-major), "line_probabilities": the same for each line shown,
// read as the page reads it (on its reading clock), "errors": uncaught page errors};
// OUT_DIR/ink.inkml (the download), OUT_DIR/screenshot.png.
// Chromium: Debian's /usr/bin/chromium, or the one named by $CHROMIUM (no download), which
// playwright-core starts headless with a new empty profile (--user-data-dir).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { chromium } from 'playwright-core';

const CHROMIUM_ARGS = [ // quiet and offline: a closed network otherwise floods the log
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const MARGIN = 24; // CSS pixels left free around the ink on the canvas
const TIMEOUT_MS = 300000; // generous: a machine busy with training slows the page tenfold

/** Page coordinates of the strokes, scaled and centred into the canvas box. */
function fitToBox(strokes, box) {
  const points = strokes.flat();
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const [left, top] = [Math.min(...xs), Math.min(...ys)];
  const width = Math.max(Math.max(...xs) - left, 1);
  const height = Math.max(Math.max(...ys) - top, 1);
  const scale = Math.min((box.width - 2 * MARGIN) / width, (box.height - 2 * MARGIN) / height);
  const x0 = box.x + (box.width - scale * width) / 2;
  const y0 = box.y + (box.height - scale * height) / 2;
  return strokes.map((stroke) => stroke.map(([x, y]) => [x0 + scale * (x - left),
    y0 + scale * (y - top)]));
}

async function write(page, strokes) {
  const box = await page.locator('#ink').boundingBox();
  for (const stroke of fitToBox(strokes, box)) {
    await page.mouse.move(...stroke[0]);
    await page.mouse.down();
    for (const point of stroke.slice(1)) await page.mouse.move(...point);
    await page.mouse.up();
  }
}

/** The text the page shows: its lines of text, joined by newlines. */
function shownText(page) {
  return page.$$eval('#result .line', (lines) => lines.map((line) => line.textContent)
    .join('\n'));
}

async function main([url, strokesPath, outDir]) {
  if (!outDir) throw new Error('usage: browser_draw.js URL STROKES_JSON OUT_DIR');
  mkdirSync(outDir, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    headless: true,
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 560 },
      acceptDownloads: true });
    page.setDefaultTimeout(TIMEOUT_MS);
    const errors = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto(url);
    await page.waitForSelector('body[data-state="ready"], body[data-state="error"]');
    if (await page.locator('body[data-state="error"]').count()) {
      throw new Error(`the page failed: ${await page.textContent('#status')}`);
    }
    await write(page, JSON.parse(readFileSync(strokesPath, 'utf8')));
    await page.waitForSelector('#result[data-state="done"]'); // recognized after the pause
    const liveText = await shownText(page);
    await page.click('#recognize');
    await page.waitForSelector('#result[data-state="done"]');
    const [download] = await Promise.all([page.waitForEvent('download'),
      page.click('#download')]);
    await download.saveAs(join(outDir, 'ink.inkml'));
    const result = {
      live_text: liveText,
      text: await shownText(page),
      lines: await page.evaluate(() => window.hwrDemo.lines()),
      highlighted: null,
      strokes: await page.evaluate(() => window.hwrDemo.strokes()),
      status: await page.textContent('#status'),
      backend: await page.evaluate(() => window.hwrDemo.backend),
      engine: await page.evaluate(() => window.hwrDemo.engine),
      decoder: await page.evaluate(() => window.hwrDemo.decoder),
      decoders: await page.evaluate(() => window.hwrDemo.recognizer.decoders),
      probabilities: await page.evaluate(async () => {
        const { recognizer, strokes } = window.hwrDemo;
        return Array.from((await recognizer.recognize(strokes())).probabilities);
      }),
      line_probabilities: await page.evaluate(async () => {
        const { onReadingClock } = await import('./page_reader.js');
        const { recognizer, strokes, lines } = window.hwrDemo;
        const shown = lines();
        const read = shown.map((line) => recognizer.recognize(shown.length > 1
          ? onReadingClock(strokes(), line.strokes) : strokes()));
        return (await Promise.all(read)).map((line) => Array.from(line.probabilities));
      }),
      best_path_text: null,
      errors,
    };
    if (result.lines.length > 1) {
      await page.locator('#result .line').last().hover();
      result.highlighted = await page.evaluate(() => window.hwrDemo.highlighted());
    }
    await page.screenshot({ path: join(outDir, 'screenshot.png') });
    if (result.decoders.includes('best_path') && result.decoders.length > 1) {
      await page.selectOption('#decoder', 'best_path');
      await page.waitForSelector('#result[data-state="done"]');
      result.best_path_text = await shownText(page);
      result.decoder_after_switch = await page.evaluate(() => window.hwrDemo.decoder);
    }
    writeFileSync(join(outDir, 'result.json'), JSON.stringify(result));
  } finally {
    await browser.close();
  }
}

main(process.argv.slice(2)).catch((error) => {
  console.error(`browser_draw.js: ${error.stack || error}`);
  process.exit(1);
});

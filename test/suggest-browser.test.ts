/// <reference lib="dom" />
/**
 * `suggest --html`'s page in a real browser: headless Chromium (CHROMIUM_PATH, or Debian's
 * `chromium`; `.ci/chromium.sh` installs it when missing, else fetches one from the npm registry)
 * driven over CDP by puppeteer-core loads the page written by the command over a mixed fleet
 * with no console error and no failed request, and a screenshot of the whole page shows the
 * summary table and every heatmap drawn: CPU cells in the heat colours, the busy dots in black,
 * and the proposed running hours in the box blue.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer, { type Browser } from 'puppeteer-core';
import { main } from '../lib/cli/cli';
import type { SuggestReport } from '../lib/suggest/suggest-report';
import { startCloudWatchEndpoint, type CloudWatchEndpoint } from '../harness/cloudwatch-endpoint';
import { makeInstances, startEc2Endpoint, type Ec2Endpoint } from '../harness/ec2';
import {
  alwaysBusy,
  alwaysIdle,
  launchedAt,
  nightBatch,
  officeHours,
  withGaps,
} from '../harness/utilization-profiles';
import { fakeAwsEnv, setEnv, useTempDirs } from './support/cli';

const NOW = new Date('2026-12-01T12:00:00Z');
const TZ = 'Europe/Berlin';
/** Per instance, by its index modulo 6: every verdict, and two proposals. */
const KINDS = [
  officeHours(TZ, 1),
  withGaps(officeHours(TZ, 2), { seed: 3 }),
  nightBatch(TZ, 4),
  alwaysBusy(5),
  alwaysIdle(6),
  launchedAt(alwaysBusy(7), new Date(NOW.getTime() - 2 * 86_400_000)),
];
const FLEET = 12;
const tempDir = useTempDirs('suggest-browser');

/**
 * The browser: CHROMIUM_PATH when set (it must exist: .ci/run sets it to the Chromium that
 * .ci/chromium.sh found or fetched), else Debian's or another distribution's usual place.
 */
function chromiumPath(): string {
  const given = process.env.CHROMIUM_PATH;
  if (given) {
    if (!fs.existsSync(given)) {
      throw new Error(
        `CHROMIUM_PATH is "${given}", which does not exist: set it to a Chromium or Chrome binary, or unset it to use /usr/bin/chromium`,
      );
    }
    return given;
  }
  const found = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find(
    (c) => fs.existsSync(c),
  );
  if (!found) {
    throw new Error(
      "no Chromium for the browser test: run `bash .ci/chromium.sh` (apt-get install -y chromium, else the npm registry's @sparticuz/chromium) and set CHROMIUM_PATH to the path it prints",
    );
  }
  return found;
}

let ec2: Ec2Endpoint;
let cw: CloudWatchEndpoint;
let restoreEnv: () => void;
let browser: Browser;
let page: string;
let report: SuggestReport;

beforeAll(async () => {
  ec2 = await startEc2Endpoint();
  ec2.addInstances(makeInstances(FLEET, { tags: (i) => ({ Name: `app-${i}` }) }));
  cw = await startCloudWatchEndpoint({
    now: () => NOW.getTime(),
    utilizationOf: (id, hour) => KINDS[parseInt(id.slice(-4), 16) % KINDS.length](id, hour),
  });
  restoreEnv = setEnv({ ...fakeAwsEnv(ec2.url), AWS_ENDPOINT_URL_CLOUDWATCH: cw.url });
  page = path.join(tempDir(), 'suggest.html');
  const out: string[] = [];
  const code = await main(['suggest', '--json', '--time-zone', TZ, '--no-prices', '--html', page], {
    out: (text) => out.push(text),
    err: () => undefined,
    now: () => NOW,
  });
  expect(code).toBe(0);
  report = JSON.parse(out.join('\n')) as SuggestReport;
  browser = await puppeteer.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  restoreEnv();
  await Promise.all([ec2.close(), cw.close()]);
});

/** Pixels of a screenshot region by kind: heat colours, the box blue, black, and all non-white. */
interface Counts {
  readonly heat: number;
  readonly blue: number;
  readonly black: number;
  readonly ink: number;
}

interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

test('the page loads with no console error and draws the summary and every heatmap', async () => {
  const tab = await browser.newPage();
  const problems: string[] = [];
  tab.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warn') problems.push(`${m.type()}: ${m.text()}`);
  });
  tab.on('pageerror', (e) => problems.push(`page error: ${String(e)}`));
  tab.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  await tab.setViewport({ width: 1000, height: 800 });
  await tab.goto(pathToFileURL(page).href, { waitUntil: 'load' });

  // The summary first: in the first screen, a row per schedule and per other verdict.
  const summary = await tab.$eval('table.summary', (t) => {
    const r = t.getBoundingClientRect();
    return {
      x: r.x,
      y: r.y,
      width: r.width,
      height: r.height,
      rows: t.querySelectorAll('tbody tr').length,
    };
  });
  expect(summary.y + summary.height).toBeLessThan(800);
  // 2 schedules, the total, always idle, always busy, not enough data.
  expect(report.groups.map((g) => g.name)).toEqual(['mon-fri-07-19', 'daily-00-05']);
  expect(summary.rows).toBe(6);

  // Every instance has a heatmap of the full size, with its id's anchor.
  const maps = await tab.$$eval('section', (sections) =>
    sections.map((s) => {
      const r = (s.querySelector('svg.hm') as SVGSVGElement).getBoundingClientRect();
      return { id: s.id, x: r.x, y: r.y + window.scrollY, width: r.width, height: r.height };
    }),
  );
  expect(maps.map((m) => m.id).sort()).toEqual(report.instances.map((i) => i.instanceId).sort());
  for (const m of maps) expect([m.width, m.height]).toEqual([472, 144]);

  const shot = await tab.screenshot({ fullPage: true, encoding: 'base64' });
  const counts = await pixelCounts(shot, [summary, ...maps]);
  const [summaryInk, ...perMap] = counts;
  expect(summaryInk.ink).toBeGreaterThan(2000); // text and rules, not a blank box
  const byId = new Map(report.instances.map((i) => [i.instanceId, i]));
  perMap.forEach((c, k) => {
    const i = byId.get(maps[k].id);
    const seen = { id: maps[k].id, heat: c.heat > 0, blue: c.blue > 0, black: c.black > 0 };
    expect(seen).toEqual({
      id: maps[k].id,
      // Every map but the one with no data at all (hatched grey) shows heat colours.
      heat: i?.maxCpu.some((x) => x !== null),
      blue: i?.running !== undefined,
      black: i?.busy.some(Boolean),
    });
  });
  expect(problems).toEqual([]);
  await tab.close();
});

/** Counts the pixels of each box of a PNG (base64) in a blank tab, through a canvas. */
async function pixelCounts(png: string, boxes: readonly Box[]): Promise<Counts[]> {
  const tab = await browser.newPage();
  try {
    return await tab.evaluate(
      async (data: string, regions: Box[]) => {
        const img = new Image();
        img.src = `data:image/png;base64,${data}`;
        await img.decode();
        const canvas = document.createElement('canvas');
        canvas.width = img.width;
        canvas.height = img.height;
        const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
        ctx.drawImage(img, 0, 0);
        return regions.map((b) => {
          const px = ctx.getImageData(
            Math.floor(b.x),
            Math.floor(b.y),
            Math.ceil(b.width),
            Math.ceil(b.height),
          ).data;
          const c = { heat: 0, blue: 0, black: 0, ink: 0 };
          for (let p = 0; p < px.length; p += 4) {
            const [r, g, bl] = [px[p], px[p + 1], px[p + 2]];
            if (r < 250 || g < 250 || bl < 250) c.ink++;
            if (r < 40 && g < 40 && bl < 40) c.black++;
            else if (r < 40 && g > 90 && g < 140 && bl > 150)
              c.blue++; // #0072b2
            else if (r > 200 && g < 240 && r - bl > 25) c.heat++; // the oranges
          }
          return c;
        });
      },
      png,
      boxes as Box[],
    );
  } finally {
    await tab.close();
  }
}

/**
 * `cdk-ec2-scheduler suggest` over a fleet prints its JSON, and writes its page, in pieces (a
 * fleet's report is megabytes of text, never held as one string), and the pieces are exactly the
 * documented format: `JSON.stringify(report, null, 2)` with each list of numbers, booleans or
 * nulls on one line, and the page `suggestHtml` makes of the same report.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '../lib/cli/cli';
import { suggestHtml } from '../lib/suggest/suggest-html';
import type { SuggestReport } from '../lib/suggest/suggest-report';
import { startCloudWatchEndpoint, type CloudWatchEndpoint } from '../harness/cloudwatch-endpoint';
import { makeInstances, startEc2Endpoint, type Ec2Endpoint } from '../harness/ec2';
import { startPricingEndpoint, type PricingEndpoint } from '../harness/pricing-endpoint';
import { alwaysIdle, officeHours } from '../harness/utilization-profiles';
import { fakeAwsEnv, setEnv, useTempDirs } from './support/cli';

const NOW = new Date('2026-12-01T12:00:00Z');
/** Two GetMetricData calls' worth (100 instances each over 14 days). */
const FLEET = 120;
const tempDir = useTempDirs('suggest-pieces');

let ec2: Ec2Endpoint;
let cw: CloudWatchEndpoint;
let pricing: PricingEndpoint;
let restoreEnv: () => void;

beforeAll(async () => {
  ec2 = await startEc2Endpoint();
  ec2.addInstances(
    makeInstances(FLEET, { tags: (i) => ({ Name: `app-${i}` }), instanceType: 't3.large' }),
  );
  const office = officeHours('Europe/Berlin', 1);
  const idle = alwaysIdle(2);
  cw = await startCloudWatchEndpoint({
    now: () => NOW.getTime(),
    // Every third instance idle, the others office hours: verdicts and proposals both.
    utilizationOf: (id, hour) => (parseInt(id.slice(-4), 16) % 3 === 0 ? idle : office)(id, hour),
  });
  pricing = await startPricingEndpoint({
    prices: [
      {
        regionCode: 'us-east-1',
        instanceType: 't3.large',
        operatingSystem: 'Linux',
        usdPerHour: 0.0832,
      },
    ],
  });
  restoreEnv = setEnv({
    ...fakeAwsEnv(ec2.url),
    AWS_ENDPOINT_URL_CLOUDWATCH: cw.url,
    AWS_ENDPOINT_URL_PRICING: pricing.url,
  });
});

afterAll(async () => {
  restoreEnv();
  await Promise.all([ec2.close(), cw.close(), pricing.close()]);
});

test('--json over 120 instances comes in pieces that join to the documented format; --html is the same report', async () => {
  const page = path.join(tempDir(), 'suggest.html');
  const pieces: string[] = [];
  const err: string[] = [];
  const code = await main(['suggest', '--json', '--time-zone', 'Europe/Berlin', '--html', page], {
    out: (text) => pieces.push(text),
    err: (line) => err.push(line),
    now: () => NOW,
  });
  expect({ code, err }).toEqual({ code: 0, err: [`wrote ${page} (${FLEET} instances)`] });

  const text = pieces.join('\n');
  const report = JSON.parse(text) as SuggestReport;
  expect(report.instances).toHaveLength(FLEET);
  expect(new Set(report.instances.map((i) => i.verdict))).toEqual(
    new Set(['idle windows', 'always idle']),
  );
  // The format, as documented: indented JSON, each list of week hours on one line.
  const documented = JSON.stringify(report, null, 2).replace(
    /\[\n\s+([-\d.e+truefalsn,\s]*?)\n\s*\]/g,
    (_, items: string) => `[${items.split(/,\n\s*/).join(',')}]`,
  );
  expect(text).toBe(documented);
  // In pieces: none holds more than half the fleet.
  const perPiece = pieces.map((p) => p.split('"instanceId"').length - 1);
  expect(pieces.length).toBeGreaterThan(3);
  expect(Math.max(...perPiece)).toBeLessThanOrEqual(FLEET / 2);

  expect(fs.readFileSync(page, 'utf8')).toBe(suggestHtml(report));
}, 60_000);

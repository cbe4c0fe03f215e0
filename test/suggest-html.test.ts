/**
 * `suggest --html`'s page from a report: escaped tag values, the heatmap's marks (hatching for no
 * data, a dot per busy hour, a box per run of running hours), and its size at fleet scale.
 */
import type { InstanceSuggestion, SuggestReport } from '../lib/suggest/suggest-report';
import { groupProposals } from '../lib/suggest/proposal-groups';
import { suggestHtml, suggestHtmlPieces } from '../lib/suggest/suggest-html';

const hours = <T>(value: T): T[] => new Array<T>(168).fill(value);

function report(partial: Partial<InstanceSuggestion>[]): SuggestReport {
  const instances: InstanceSuggestion[] = partial.map((instance, k) => ({
    instanceId: `i-0a1b2c3d4e5f${(60801 + k).toString(16).padStart(5, '0')}`,
    instanceType: 't3.large',
    platform: 'Linux/UNIX',
    verdict: 'always idle',
    reason: 'never busy',
    maxCpu: hours<number | null>(null),
    busy: hours(false),
    ...instance,
  }));
  return {
    region: 'eu-central-1',
    timeZone: 'Europe/Berlin',
    tagKey: 'Schedule',
    period: { start: '2026-11-17T12:00:00Z', end: '2026-12-01T12:00:00Z', days: 14 },
    thresholds: { idleCpu: 5, idleNetworkMb: 5, marginHours: 1 },
    calls: {},
    groups: groupProposals(instances),
    alwaysIdle: { instanceIds: [], savingsIfStoppedPerMonthUsd: 0, unpriced: 0 },
    savingsPerMonthUsd: 0,
    notes: [],
    instances,
  };
}

/** The `d` of a heatmap's path of `cls`. */
const pathOf = (html: string, cls: string): string | undefined =>
  new RegExp(`<path class="${cls}" d="([^"]*)"`).exec(
    html.slice(html.indexOf('<svg class="hm"')),
  )?.[1];

test('tag values an attacker controls are escaped, never markup', () => {
  const html = suggestHtml(report([{ name: '<img src=x onerror=alert(1)>"&\'' }]));
  expect(html).not.toContain('<img');
  expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;&quot;&amp;&#39;');
});

test('hours without data are hatched; busy hours are dots, running hours boxes, each run one mark', () => {
  const running = hours(false);
  const busy = hours(false);
  for (const h of [8, 9, 10]) running[1 * 24 + h] = true; // Monday 08:00-11:00, the first row
  busy[1 * 24 + 9] = true;
  const maxCpu = hours<number | null>(null);
  maxCpu[1 * 24 + 9] = 30;
  const html = suggestHtml(
    report([
      {
        verdict: 'idle windows',
        start: 'cron(0 8 ? * MON *)',
        stop: 'cron(0 11 ? * MON *)',
        running,
        busy,
        maxCpu,
      },
    ]),
  );
  // Row 0 (Monday): no data, 30% at 09:00 (level "under 50%"), no data; the other rows no data.
  expect(pathOf(html, 'nd')).toBe(
    'M0 0.5h9M10 0.5h14' + [1, 2, 3, 4, 5, 6].map((r) => `M0 ${r}.5h24`).join(''),
  );
  expect(pathOf(html, 'c2')).toBe('M9 0.5h1');
  expect(pathOf(html, 'bz')).toBe('M9.5 0.5h0.01');
  expect(pathOf(html, 'rn')).toBe('M8 0h3v1h-3z');
  // The marks are told apart by shape: round dots, unfilled boxes, in the legend too.
  expect(html).toMatch(
    /\.bz\{stroke:#000;stroke-width:\.3;stroke-linecap:round;stroke-dasharray:0 1\}/,
  );
  expect(html).toContain('busy hour (dot)');
  expect(html).toContain('proposed running hours (blue box)');
});

test('at most 5 KB per instance over 2,000 instances whose every hour differs from the next', () => {
  let seed = 1;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const many = Array.from({ length: 2000 }, (_, k) => ({
    name: `app-${k}`,
    verdict: 'idle windows' as const,
    reason: "busy in 50 of the week's 168 hours; runs every busy hour seen with 1 h of margin",
    start: 'cron(0 7 ? * MON-FRI *)',
    stop: 'cron(0 19 ? * MON-FRI *)',
    runningHoursPerWeek: 60,
    stoppedShare: 0.643,
    stoppedHoursPerMonth: 470,
    usdPerHour: 0.0832,
    savingsPerMonthUsd: 39.1,
    maxCpu: Array.from({ length: 168 }, (_, h) => (h % 2 ? 2 : 30) + Math.round(random() * 60)),
    busy: Array.from({ length: 168 }, (_, h) => h % 2 === 0),
    running: Array.from({ length: 168 }, (_, h) => h % 24 >= 7 && h % 24 < 19),
  }));
  const bytes = [...suggestHtmlPieces(report(many))].reduce((n, p) => n + Buffer.byteLength(p), 0);
  expect(bytes / 2000).toBeLessThanOrEqual(5 * 1024);
});

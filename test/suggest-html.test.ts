import type { InstanceSuggestion, SuggestReport } from '../lib/suggest/suggest-report';
import { suggestHtml } from '../lib/suggest/suggest-html';

const hours = <T>(value: T): T[] => new Array<T>(168).fill(value);

function report(instance: Partial<InstanceSuggestion>): SuggestReport {
  return {
    region: 'eu-central-1',
    timeZone: 'Europe/Berlin',
    period: { start: '2026-11-17T12:00:00Z', end: '2026-12-01T12:00:00Z', days: 14 },
    thresholds: { idleCpu: 5, idleNetworkMb: 5, marginHours: 1 },
    calls: {},
    savingsPerMonthUsd: 0,
    notes: [],
    instances: [
      {
        instanceId: 'i-0a1b2c3d4e5f60801',
        instanceType: 't3.large',
        platform: 'Linux/UNIX',
        verdict: 'always idle',
        reason: 'never busy',
        maxCpu: hours<number | null>(null),
        busy: hours(false),
        ...instance,
      },
    ],
  };
}

test('tag values an attacker controls are escaped, never markup', () => {
  const html = suggestHtml(report({ name: '<img src=x onerror=alert(1)>"&\'' }));
  expect(html).not.toContain('<img');
  expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;&quot;&amp;&#39;');
});

test('cells without data are grey and say so; running hours are outlined', () => {
  const running = hours(false);
  running[1 * 24 + 8] = true; // Monday 08:00
  const html = suggestHtml(
    report({
      verdict: 'idle windows',
      start: 'cron(0 8 ? * MON *)',
      stop: 'cron(0 9 ? * MON *)',
      running,
    }),
  );
  expect(html.match(/fill="#d9d9d9"><title>[A-Z][a-z]{2} \d\d:00 no data/g)).toHaveLength(168);
  expect(html.match(/class="run"/g)).toHaveLength(1);
  expect(html).toContain('<title>Mon 08:00 no data, running</title>');
});

/**
 * `suggest`'s proposals grouped by start and stop: the names suggested for them, the order, and
 * the `aws ec2 create-tags` lines, at most 100 instances each (CreateTags takes up to 1,000).
 */
import { createTagsLines, groupProposals, scheduleNameFor } from '../lib/suggest/proposal-groups';
import type { InstanceSuggestion } from '../lib/suggest/suggest-report';
import { validateScheduleName } from '../lib/schedule/validation';

test.each([
  ['cron(0 7 ? * MON-FRI *)', 'cron(0 19 ? * MON-FRI *)', 'mon-fri-07-19'],
  ['cron(0 0 ? * * *)', 'cron(0 5 ? * * *)', 'daily-00-05'],
  ['cron(0 21 ? * SUN-FRI *)', 'cron(0 3 ? * MON-SAT *)', 'sun-fri-21-03'],
  ['cron(0 23 ? * SUN *)', 'cron(0 1 ? * SAT *)', 'sun-23-to-sat-01'],
  ['cron(0 8 ? * MON,WED-FRI *)', 'cron(0 18 ? * MON,WED-FRI *)', 'mon_wed-fri-08-18'],
])('%s / %s is named %s, a valid schedule name', (start, stop, name) => {
  expect(scheduleNameFor(start, stop)).toBe(name);
  expect(() => validateScheduleName(name)).not.toThrow();
});

const proposal = (
  n: number,
  start: string,
  stop: string,
  savingsPerMonthUsd?: number,
): InstanceSuggestion => ({
  instanceId: `i-0${n.toString(16).padStart(16, '0')}`,
  instanceType: 't3.large',
  platform: 'Linux/UNIX',
  verdict: 'idle windows',
  reason: '',
  start,
  stop,
  runningHoursPerWeek: 60,
  stoppedShare: 0.643,
  ...(savingsPerMonthUsd === undefined ? {} : { savingsPerMonthUsd }),
  maxCpu: [],
  busy: [],
});

test('identical pairs form one group; the group saving most comes first; unpriced ones are counted', () => {
  const office = ['cron(0 7 ? * MON-FRI *)', 'cron(0 19 ? * MON-FRI *)'] as const;
  const night = ['cron(0 0 ? * * *)', 'cron(0 5 ? * * *)'] as const;
  const groups = groupProposals([
    proposal(1, ...office, 39.1),
    proposal(2, ...night, 110.98),
    proposal(3, ...office, 52.08),
    proposal(4, ...office),
  ]);
  expect(
    groups.map((g) => [g.name, g.instanceIds.length, g.savingsPerMonthUsd, g.unpriced]),
  ).toEqual([
    ['daily-00-05', 1, 110.98, 0],
    ['mon-fri-07-19', 3, 91.18, 1],
  ]);
});

test('two pairs that would get one name get distinct ones', () => {
  const groups = groupProposals([
    proposal(1, 'cron(0 7 ? * MON-FRI *)', 'cron(0 19 ? * MON-FRI *)', 2),
    proposal(2, 'cron(0 7 ? * MON-FRI *)', 'cron(0 19 ? * TUE-SAT *)', 1),
    proposal(3, 'cron(0 7 ? * MON-FRI *)', 'cron(0 19 ? * MON-FRI *)', 2),
  ]);
  expect(groups.map((g) => [g.name, g.stop, g.instanceIds.length])).toEqual([
    ['mon-fri-07-19', 'cron(0 19 ? * MON-FRI *)', 2],
    ['mon-fri-07-19-2', 'cron(0 19 ? * TUE-SAT *)', 1],
  ]);
});

test('create-tags: 250 instances in three lines of at most 100 ids', () => {
  const ids = Array.from({ length: 250 }, (_, k) => `i-0${k.toString(16).padStart(16, '0')}`);
  const [group] = groupProposals(
    ids.map((_, k) => proposal(k, 'cron(0 7 ? * MON-FRI *)', 'cron(0 19 ? * MON-FRI *)', 1)),
  );
  const lines = createTagsLines(group, 'eu-central-1', 'Schedule');
  expect(lines.map((l) => l.split(' --resources ')[1].split(' ').length)).toEqual([100, 100, 50]);
  expect(lines[0]).toMatch(
    /^aws ec2 create-tags --region eu-central-1 --tags 'Key=Schedule,Value=mon-fri-07-19' --resources i-0/,
  );
  expect(lines.flatMap((l) => l.split(' --resources ')[1].split(' '))).toEqual(ids);
});

/**
 * `suggest`'s proposals grouped by identical start and stop, each group with a schedule name
 * made from its days and hours (`mon-fri-07-19`), its savings, and the lines that adopt it: the
 * `addSchedule(...)` call and the `aws ec2 create-tags` commands that tag its instances.
 */
import type { IdleSummary, InstanceSuggestion, ProposalGroup } from './suggest-report';

/** Instances one `aws ec2 create-tags` line tags (the API takes up to 1,000; lines stay short). */
export const IDS_PER_TAG_LINE = 100;

const cents = (usd: number): number => Math.round(usd * 100) / 100;

/** The parts of an EventBridge cron `cron(0 7 ? * MON-FRI *)`: hour and day-of-week field. */
function hourAndDays(expression: string): { hour: string; days: string } {
  const fields = expression.replace(/^cron\(|\)$/g, '').split(' ');
  return { hour: fields[1].padStart(2, '0'), days: fields[4] };
}

/** `MON-FRI` as `mon-fri`, `*` as `daily`, `SUN,SAT` as `sun_sat`. */
function daysSlug(days: string): string {
  return days === '*' ? 'daily' : days.toLowerCase().replace(/,/g, '_');
}

/**
 * A schedule name for a start and stop pair: `<days>-<start hour>-<stop hour>`
 * (`mon-fri-07-19`, `daily-00-05`), or `<day>-<hour>-to-<day>-<hour>` for one start and one stop
 * a week on different days (`sun-23-to-sat-01`).
 */
export function scheduleNameFor(start: string, stop: string): string {
  const a = hourAndDays(start);
  const b = hourAndDays(stop);
  const single = (d: string) => /^[A-Z]{3}$/.test(d);
  if (single(a.days) && single(b.days) && a.days !== b.days) {
    return `${daysSlug(a.days)}-${a.hour}-to-${daysSlug(b.days)}-${b.hour}`;
  }
  return `${daysSlug(a.days)}-${a.hour}-${b.hour}`;
}

/**
 * The proposals grouped by start and stop, the group saving most first (then the largest); each
 * name unique (a `-2` is added when two pairs would get the same one).
 */
export function groupProposals(instances: readonly InstanceSuggestion[]): ProposalGroup[] {
  const byPair = new Map<string, InstanceSuggestion[]>();
  for (const i of instances) {
    if (i.start === undefined || i.stop === undefined) continue;
    const key = `${i.start}|${i.stop}`;
    const list = byPair.get(key) ?? [];
    list.push(i);
    byPair.set(key, list);
  }
  const groups = [...byPair.values()].map((list) => {
    const first = list[0];
    return {
      name: scheduleNameFor(first.start as string, first.stop as string),
      start: first.start as string,
      stop: first.stop as string,
      runningHoursPerWeek: first.runningHoursPerWeek ?? 0,
      stoppedShare: first.stoppedShare ?? 0,
      instanceIds: list.map((i) => i.instanceId),
      savingsPerMonthUsd: cents(list.reduce((sum, i) => sum + (i.savingsPerMonthUsd ?? 0), 0)),
      unpriced: list.filter((i) => i.savingsPerMonthUsd === undefined).length,
    };
  });
  groups.sort(
    (a, b) =>
      b.savingsPerMonthUsd - a.savingsPerMonthUsd ||
      b.instanceIds.length - a.instanceIds.length ||
      a.name.localeCompare(b.name),
  );
  const taken = new Set<string>();
  return groups.map((g) => {
    let name = g.name;
    for (let k = 2; taken.has(name); k++) name = `${g.name}-${k}`;
    taken.add(name);
    return { ...g, name };
  });
}

/** The always-idle instances and the sum of what stopping them saves. */
export function idleSummary(instances: readonly InstanceSuggestion[]): IdleSummary {
  const idle = instances.filter((i) => i.verdict === 'always idle');
  return {
    instanceIds: idle.map((i) => i.instanceId),
    savingsIfStoppedPerMonthUsd: cents(
      idle.reduce((sum, i) => sum + (i.savingsIfStoppedPerMonthUsd ?? 0), 0),
    ),
    unpriced: idle.filter((i) => i.savingsIfStoppedPerMonthUsd === undefined).length,
  };
}

/** The `addSchedule(...)` call that adds a group's schedule to an `Ec2Scheduler` named `scheduler`. */
export function addScheduleCode(group: ProposalGroup, timeZone: string): string[] {
  return [
    `scheduler.addSchedule('${group.name}', {`,
    `  start: '${group.start}',`,
    `  stop: '${group.stop}',`,
    `  timeZone: '${timeZone}',`,
    '});',
  ];
}

/** The `aws ec2 create-tags` lines that tag a group's instances, {@link IDS_PER_TAG_LINE} a line. */
export function createTagsLines(group: ProposalGroup, region: string, tagKey: string): string[] {
  const lines: string[] = [];
  for (let k = 0; k < group.instanceIds.length; k += IDS_PER_TAG_LINE) {
    const ids = group.instanceIds.slice(k, k + IDS_PER_TAG_LINE).join(' ');
    lines.push(
      `aws ec2 create-tags --region ${region} --tags 'Key=${tagKey},Value=${group.name}' --resources ${ids}`,
    );
  }
  return lines;
}

/**
 * The text `suggest` prints: a summary of the proposals grouped by schedule, the lines that adopt
 * them (`addSchedule(...)` and `aws ec2 create-tags`), then a row per instance and the notes.
 */
import { aligned } from '../common/text-table';
import { addScheduleCode, createTagsLines } from './proposal-groups';
import { HOURS_PER_MONTH, type InstanceSuggestion, type SuggestReport } from './suggest-report';

/** `$12.30`. */
export function usd(n: number): string {
  return `$${n.toFixed(2)}`;
}

/**
 * A saving of `count` instances, `unpriced` of them without a price: `$12.30` (with `per`
 * after it), `$12.30 (1 unpriced)`, or `not priced` when none has a price (never `$0.00`).
 */
export function savingsText(amount: number, count: number, unpriced: number, per = ''): string {
  if (count > 0 && unpriced >= count) return 'not priced';
  return `${usd(amount)}${per}${unpriced > 0 ? ` (${unpriced} unpriced)` : ''}`;
}

function outcome(i: InstanceSuggestion): string {
  if (i.verdict === 'always idle') {
    return i.savingsIfStoppedPerMonthUsd !== undefined
      ? `${i.reason}; stopped, it saves ${usd(i.savingsIfStoppedPerMonthUsd)}/month at $${i.usdPerHour}/h`
      : `${i.reason}; stopped, it saves its ${HOURS_PER_MONTH} instance hours a month${i.priceNote ? ` (${i.priceNote})` : ''}`;
  }
  if (i.verdict !== 'idle windows') return i.reason;
  const share = `runs ${i.runningHoursPerWeek} h/week, stopped ${Math.round((i.stoppedShare ?? 0) * 100)}%`;
  const saving =
    i.savingsPerMonthUsd !== undefined
      ? `, saves ${usd(i.savingsPerMonthUsd)}/month at $${i.usdPerHour}/h`
      : i.priceNote
        ? ` (${i.priceNote})`
        : '';
  return `${share}${saving}`;
}

const count = (report: SuggestReport, verdict: InstanceSuggestion['verdict']): number =>
  report.instances.filter((i) => i.verdict === verdict).length;

/** The summary: one sentence, then a row per proposed schedule and the total. */
export function summaryLines(report: SuggestReport): string[] {
  const { groups, alwaysIdle } = report;
  const proposed = groups.reduce((n, g) => n + g.instanceIds.length, 0);
  const unpricedTotal = groups.reduce((n, g) => n + g.unpriced, 0);
  const total = savingsText(report.savingsPerMonthUsd, proposed, unpricedTotal, '/month');
  const idle = alwaysIdle.instanceIds.length;
  const idleSaving = savingsText(
    alwaysIdle.savingsIfStoppedPerMonthUsd,
    idle,
    alwaysIdle.unpriced,
    '/month',
  );
  const sentence = [
    `Summary: ${proposed} of ${report.instances.length} instance(s) fit ${groups.length} proposed schedule(s), ${total === 'not priced' ? 'savings not priced' : `saving ${total}`}`,
    ...(idle > 0
      ? [
          `${idle} always idle (${idleSaving === 'not priced' ? 'the saving if stopped is not priced' : `stopping ${idle === 1 ? 'it' : 'them'} saves ${idleSaving}`})`,
        ]
      : []),
    `${count(report, 'always busy')} always busy`,
    `${count(report, 'not enough data')} without enough data.`,
  ].join('; ');
  if (groups.length === 0) return [sentence];
  return [
    sentence,
    ...aligned([
      ['SCHEDULE', 'START', 'STOP', 'RUNS', 'INSTANCES', 'SAVES/MONTH'],
      ...groups.map((g) => [
        g.name,
        g.start,
        g.stop,
        `${g.runningHoursPerWeek} h/week`,
        String(g.instanceIds.length),
        savingsText(g.savingsPerMonthUsd, g.instanceIds.length, g.unpriced),
      ]),
      [
        'total',
        '',
        '',
        '',
        String(proposed),
        savingsText(report.savingsPerMonthUsd, proposed, unpricedTotal),
      ],
    ]),
  ];
}

/** The lines that adopt every proposed schedule: the `addSchedule` calls, then the tagging. */
export function adoptionLines(report: SuggestReport): string[] {
  if (report.groups.length === 0) return [];
  return [
    'To adopt them, add the schedules to your Ec2Scheduler (here `scheduler`):',
    ...report.groups.flatMap((g) => addScheduleCode(g, report.timeZone)),
    `then, after cdk deploy, tag their instances (${report.tagKey}=<schedule>):`,
    ...report.groups.flatMap((g) => createTagsLines(g, report.region, report.tagKey)),
  ];
}

/** A row per instance; with `--all`, each one's current schedule tag too. */
function instanceTable(report: SuggestReport, all: boolean): string[] {
  const rows = report.instances.map((i) => [
    i.instanceId,
    i.name || '-',
    i.instanceType,
    ...(all ? [i.schedule ?? '-'] : []),
    i.verdict,
    i.proposedSchedule ?? '-',
    outcome(i),
  ]);
  return aligned([
    ['INSTANCE', 'NAME', 'TYPE', ...(all ? ['CURRENT'] : []), 'VERDICT', 'PROPOSED', 'DETAILS'],
    ...rows,
  ]);
}

/** The text `suggest` prints; `all` with `--all` (a column of current schedules). */
export function formatReport(report: SuggestReport, scope: string, all = false): string {
  const { period } = report;
  if (report.instances.length === 0) return `No ${scope} in ${report.region}.`;
  const head = `${report.instances.length} ${scope} in ${report.region}, from ${period.days} days of hourly CloudWatch data (${period.start} to ${period.end}), hours in ${report.timeZone}.`;
  const adoption = adoptionLines(report);
  return [
    head,
    '',
    ...summaryLines(report),
    ...(adoption.length > 0 ? ['', ...adoption] : []),
    '',
    ...instanceTable(report, all),
    '',
    ...report.notes,
  ].join('\n');
}

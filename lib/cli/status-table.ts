/**
 * The instance table `status` prints. By default it fits 120 columns: instance, name, state,
 * schedule, override (for a member of a group, its group) and the next start or stop, times local to the schedule with their offsets, near ones
 * by weekday, names shortened when they do not fit. `--wide` prints every column in full: the
 * last action, the next start and the next stop, times in ISO 8601.
 */
import { EMPTY_VALUE, type DeployedSchedules } from './deployed-schedules';
import type { Membership, OverrideStatus, StatusReport, TransitionTime } from './status-report';
import { aligned } from '../common/text-table';
import { formatLocal, formatOffset, utcOffsetMinutes, wallClock } from '../schedule/time-zone';

/** The width the default table fits. */
export const STATUS_COLUMNS = 120;

/** The narrowest a shortened name gets. */
const MIN_NAME = 8;
const DAY_MS = 86_400_000;
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** What the table is made of, besides the report. */
export interface StatusTableContext {
  readonly schedules: DeployedSchedules;
  readonly now: Date;
  readonly wide: boolean;
}

/**
 * An instant, short: local time in `timeZone` with its offset, to the minute (the second when it
 * has one); by weekday within the next six days (`Fri 17:00-05:00`), else by date
 * (`2027-01-10 00:00-05:00`).
 */
export function shortLocal(at: Date, timeZone: string, now: Date): string {
  const w = wallClock(at, timeZone);
  const offset = formatOffset(utcOffsetMinutes(at, timeZone));
  const time = `${w.hour}:${w.minute}${w.second === '00' ? '' : `:${w.second}`}`;
  const ahead = at.getTime() - now.getTime();
  const day =
    ahead >= 0 && ahead < 6 * DAY_MS
      ? WEEKDAYS[new Date(Date.UTC(+w.year, +w.month - 1, +w.day)).getUTCDay()]
      : `${w.year}-${w.month}-${w.day}`;
  return `${day} ${time}${offset}`;
}

/** What the default table adds to a schedule the deployment lacks (explained under the table). */
const NOT_DEPLOYED = ' *';

/** The note that explains NOT_DEPLOYED. */
export const NOT_DEPLOYED_NOTE =
  '* not a deployed schedule: the cloud assembly has no schedule of this name, so nothing starts or stops these instances or groups; "cdk-ec2-scheduler coverage CDK_OUT_DIR" suggests the closest deployed name.';

/** The note that explains a member's row. */
const MEMBER_NOTE =
  '"in group", "in node group": a member of an Auto Scaling group or EKS managed node group; the scheduler never starts or stops it, nor reads its override: it scales the group, when the group itself carries the schedule tag.';

/** The widest a member's cell gets in the default table. */
const MEMBER_CELL = 32;

/** The note that says names were cut. */
export const SHORTENED_NOTE = `Names shortened (…) to fit ${STATUS_COLUMNS} columns; --wide or --json shows them in full.`;

/** What the table reads of an instance or a group: its schedule, override and next transitions. */
export interface Scheduled {
  readonly schedule: string;
  readonly deployed?: boolean;
  readonly override?: OverrideStatus;
  readonly nextStart?: TransitionTime;
  readonly nextStop?: TransitionTime;
}

/** The schedule tag's value as the table shows it. */
export function scheduleCell(i: Scheduled, wide: boolean): string {
  if (i.schedule === '') return EMPTY_VALUE;
  if (i.deployed !== false) return i.schedule;
  return `${i.schedule}${wide ? ' (not a deployed schedule)' : NOT_DEPLOYED}`;
}

/** The zone an instance's times are shown in: its deployed schedule's, else UTC. */
export function zoneOf(i: Scheduled, schedules: DeployedSchedules): string {
  const found = schedules.lookup(i.schedule);
  return found.kind === 'deployed' ? found.schedule.timeZone : 'UTC';
}

export function overrideCell(
  o: OverrideStatus | undefined,
  time: (utc: string) => string,
  wide: boolean,
) {
  if (!o) return '-';
  switch (o.status) {
    case 'active':
      return `${o.state} until ${time(o.until as string)}`;
    case 'expired':
      return wide ? `expired (${o.state} until ${time(o.until as string)})` : 'expired';
    case 'ignored':
      return 'ignored (see below)';
    case 'unknown':
      return 'not judged (see below)';
  }
}

/** A member's override cell: its group (cut to MEMBER_CELL unless `wide`). */
function memberCell(m: Membership, wide: boolean): string {
  const cell = `in ${m.kind === 'eks-nodegroup' ? 'node group' : 'group'} ${m.name}`;
  return wide ? cell : shortened(cell, MEMBER_CELL);
}

/** The next start or stop, whichever comes first. */
export function nextCell(i: Scheduled, time: (utc: string) => string): string {
  const { nextStart: start, nextStop: stop } = i;
  const first = (a?: TransitionTime, b?: TransitionTime) => (!b || (a && a.utc <= b.utc) ? a : b);
  const next = first(start, stop);
  if (!next) return '-';
  return `${next === start ? 'start' : 'stop'} ${time(next.utc)}`;
}

/** The rows: a header, then a row per instance. */
function rowsOf(report: StatusReport, ctx: StatusTableContext): string[][] {
  const { schedules, now, wide } = ctx;
  const withNext = schedules.fromAssembly;
  const head = ['INSTANCE', 'NAME', 'STATE', 'SCHEDULE', 'OVERRIDE'];
  const header = wide
    ? [...head, 'LAST ACTION', ...(withNext ? ['NEXT START', 'NEXT STOP'] : [])]
    : [...head, ...(withNext ? ['NEXT'] : [])];
  const rows = report.instances.map((i) => {
    const zone = zoneOf(i, schedules);
    const time = (utc: string) =>
      wide ? formatLocal(new Date(utc), zone) : shortLocal(new Date(utc), zone, now);
    const cells = [
      i.instanceId,
      i.name || '-',
      i.state,
      scheduleCell(i, wide),
      i.memberOf ? memberCell(i.memberOf, wide) : overrideCell(i.override, time, wide),
    ];
    if (wide) {
      const next = [i.nextStart?.local ?? '-', i.nextStop?.local ?? '-'];
      return [...cells, i.lastAction || '-', ...(withNext ? next : [])];
    }
    return [...cells, ...(withNext ? [nextCell(i, time)] : [])];
  });
  return [header, ...rows];
}

/** `cell` cut to `width` characters, the last one an ellipsis; a NOT_DEPLOYED mark is kept. */
function shortened(cell: string, width: number): string {
  if (cell.length <= width) return cell;
  const mark = cell.endsWith(NOT_DEPLOYED) ? NOT_DEPLOYED : '';
  const name = cell.slice(0, cell.length - mark.length);
  return `${name.slice(0, Math.max(1, width - mark.length - 1))}…${mark}`;
}

/**
 * The rows with the name and schedule columns (`[a, b]`, by default 1 and 3) cut so that the
 * table fits `columns`, if it can with each at least MIN_NAME wide; and whether any was cut.
 */
export function fitted(
  rows: string[][],
  columns: number,
  [a, b]: readonly [number, number] = [1, 3],
): { rows: string[][]; cut: boolean } {
  const width = (c: number) => Math.max(...rows.map((r) => r[c].length));
  const fixed = rows[0].reduce((sum, _, c) => sum + (c === a || c === b ? 0 : width(c)), 0);
  const room = columns - fixed - 2 * (rows[0].length - 1);
  const [name, schedule] = [width(a), width(b)];
  if (name + schedule <= room) return { rows, cut: false };
  let cap = Math.max(name, schedule);
  while (cap > MIN_NAME && Math.min(name, cap) + Math.min(schedule, cap) > room) cap--;
  const cut = rows.map((r, k) =>
    k === 0 ? r : r.map((cell, c) => (c === a || c === b ? shortened(cell, cap) : cell)),
  );
  return { rows: cut, cut: true };
}

/** The table's lines, and its notes: the marks it uses, and names shortened. */
export function statusTable(report: StatusReport, ctx: StatusTableContext) {
  const rows = rowsOf(report, ctx);
  const members = report.instances.some((i) => i.memberOf) ? [MEMBER_NOTE] : [];
  if (ctx.wide) return { lines: aligned(rows), notes: members };
  const fit = fitted(rows, STATUS_COLUMNS);
  const memberCut = report.instances.some(
    (i) => i.memberOf && memberCell(i.memberOf, true).length > MEMBER_CELL,
  );
  const notes = [
    ...(report.instances.some((i) => i.deployed === false && i.schedule !== '')
      ? [NOT_DEPLOYED_NOTE]
      : []),
    ...members,
    ...(fit.cut || memberCut ? [SHORTENED_NOTE] : []),
  ];
  return { lines: aligned(fit.rows), notes };
}

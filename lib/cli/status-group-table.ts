/**
 * The group table `status` prints under the instances: each Auto Scaling group and EKS managed
 * node group with its kind, schedule, current size and saved size (`min,desired,max`), override
 * and next start or stop, in 120 columns (names shortened) as the instance table; `--wide` adds
 * a node group's status and the last action, and both the next start and the next stop.
 */
import type { GroupStatus, StatusReport } from './status-report';
import {
  fitted,
  NOT_DEPLOYED_NOTE,
  nextCell,
  overrideCell,
  scheduleCell,
  shortLocal,
  SHORTENED_NOTE,
  STATUS_COLUMNS,
  type StatusTableContext,
  zoneOf,
} from './status-table';
import { aligned } from '../common/text-table';
import { formatLocal } from '../schedule/time-zone';

const KIND = { 'auto-scaling-group': 'Auto Scaling', 'eks-nodegroup': 'EKS node group' } as const;

function rowsOf(groups: readonly GroupStatus[], ctx: StatusTableContext): string[][] {
  const { schedules, now, wide } = ctx;
  const withNext = schedules.fromAssembly;
  const head = ['GROUP', 'KIND', 'SCHEDULE', 'SIZE', 'SAVED SIZE', 'OVERRIDE'];
  const header = wide
    ? [...head, 'STATUS', 'LAST ACTION', ...(withNext ? ['NEXT START', 'NEXT STOP'] : [])]
    : [...head, ...(withNext ? ['NEXT'] : [])];
  const rows = groups.map((g) => {
    const zone = zoneOf(g, schedules);
    const time = (utc: string) =>
      wide ? formatLocal(new Date(utc), zone) : shortLocal(new Date(utc), zone, now);
    const cells = [
      g.name,
      KIND[g.kind],
      scheduleCell(g, wide),
      g.size,
      g.savedSize ?? '-',
      overrideCell(g.override, time, wide),
    ];
    if (wide) {
      const next = [g.nextStart?.local ?? '-', g.nextStop?.local ?? '-'];
      return [...cells, g.status ?? '-', g.lastAction || '-', ...(withNext ? next : [])];
    }
    return [...cells, ...(withNext ? [nextCell(g, time)] : [])];
  });
  return [header, ...rows];
}

/** The group table's lines, and its notes. */
export function groupTable(report: StatusReport, ctx: StatusTableContext) {
  const rows = rowsOf(report.groups, ctx);
  if (ctx.wide) return { lines: aligned(rows), notes: [] };
  const fit = fitted(rows, STATUS_COLUMNS, [0, 2]);
  const notes = [
    ...(report.groups.some((g) => g.deployed === false && g.schedule !== '')
      ? [NOT_DEPLOYED_NOTE]
      : []),
    ...(fit.cut ? [SHORTENED_NOTE] : []),
  ];
  return { lines: aligned(fit.rows), notes };
}

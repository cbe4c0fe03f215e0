/**
 * A run's window: how far its chain may go, what becomes of the instances it does not reach
 * before then, and whether an enforcement check acts at all. A start's or stop's chain ends at
 * the schedule's next opposite transition, and what it has not reached then failed with
 * `WindowClosed`. An enforcement check acts only when instances should be stopped both at its
 * scheduled time and when it runs, and never close to the next start: its chain ends
 * {@link START_GUARD_MS} before it, and what it has not reached then is left to the start.
 */
import { nextFiring } from '../../lib/schedule/firings';
import { nextStart, runningAt, type ScheduleCrons } from '../../lib/schedule/timeline';
import type { RunContext } from './context';
import type { RunSummary } from './summary';

/**
 * An enforcement check leaves instances alone this close to the schedule's next start (one that
 * is not on a skip date): stopping an instance minutes before the schedule starts it is churn,
 * and one still stopping at the start would be missed by it.
 */
export const START_GUARD_MS = 10 * 60_000;

/** A schedule with only one side gets this long for its follow-up chain. */
const NO_OPPOSITE_WINDOW_MS = 24 * 3600_000;

/** Whether an enforcement check acts, and until when; or why it does nothing. */
export type EnforcementVerdict =
  | { readonly acts: true; readonly notAfter: Date }
  | { readonly acts: false; readonly notAfter?: Date; readonly summary: Partial<RunSummary> };

/**
 * An enforcement check's verdict (undefined for starts and stops). A first check does nothing
 * when instances should run at its scheduled time or when it is delivered, and a check or its
 * follow-up does nothing once the next start is less than {@link START_GUARD_MS} away.
 */
export function judgeEnforcement(ctx: RunContext, firedAt: Date): EnforcementVerdict | undefined {
  const { input, event, clock } = ctx;
  if (!input.enforce) return undefined;
  const now = new Date(clock.now());
  if (!event.followUp) {
    const skips = new Set(event.skipDates);
    if (runningAt(input.enforce, event.timeZone, skips, firedAt)) {
      return { acts: false, summary: { enforcement: 'inside the running window' } };
    }
    if (runningAt(input.enforce, event.timeZone, skips, now)) {
      return { acts: false, summary: { enforcement: 'inside the running window when delivered' } };
    }
  }
  const notAfter = chainEnd(ctx, firedAt);
  if (firedAt >= notAfter || now >= notAfter) {
    return { acts: false, notAfter, summary: startDue(ctx, notAfter) };
  }
  return { acts: true, notAfter };
}

/**
 * Where the follow-up chain of a run fired at `firedAt` ends: the next opposite transition, or for
 * an enforcement check {@link START_GUARD_MS} before the next start.
 */
export function chainEnd(ctx: RunContext, firedAt: Date): Date {
  const { event, input } = ctx;
  if (event.followUp) return new Date(event.followUp.notAfter);
  const start = input.enforce && nextStartOf(ctx, input.enforce, firedAt);
  if (start) return new Date(start.getTime() - START_GUARD_MS);
  const next = input.opposites
    .map((cron) => nextFiring(cron, event.timeZone, firedAt))
    .filter((at): at is Date => at !== undefined)
    .sort((a, b) => a.getTime() - b.getTime())[0];
  return next ?? new Date(firedAt.getTime() + NO_OPPOSITE_WINDOW_MS);
}

/**
 * What becomes of instances the run cannot reach before `notAfter`: an enforcement check leaves
 * them to the start (skipped, with its time); a start or stop fails them with `WindowClosed`.
 * Returns what the summary says of it.
 */
export function closeWindow(
  ctx: RunContext,
  ids: readonly string[],
  notAfter: Date,
): Partial<RunSummary> {
  if (!ctx.input.enforce) {
    ctx.record.failAll(ids, 'WindowClosed', windowMessage(ctx, notAfter));
    return {};
  }
  const due = startDue(ctx, notAfter);
  const reason = `start due: the schedule starts it at ${due.nextStart}`;
  for (const instanceId of ids) ctx.record.record({ instanceId, outcome: 'skipped', reason });
  return ids.length > 0 ? { nextStart: due.nextStart } : {};
}

/** Why an instance failed with `WindowClosed`. */
export function windowMessage(ctx: RunContext, notAfter: Date): string {
  const opposite = ctx.event.action === 'start' ? 'stop' : 'start';
  return `the schedule's next ${opposite} (${notAfter.toISOString()}) came before this instance could be reached`;
}

/** The summary of an enforcement check that leaves the instances to the start after `notAfter`. */
function startDue(ctx: RunContext, notAfter: Date): Partial<RunSummary> {
  const window = ctx.input.enforce as ScheduleCrons;
  // The chain ends the guard before the start: the first start from then on.
  const start =
    nextStartOf(ctx, window, new Date(notAfter.getTime() - 1)) ??
    new Date(notAfter.getTime() + START_GUARD_MS);
  return { enforcement: 'start due', nextStart: start.toISOString() };
}

function nextStartOf(ctx: RunContext, window: ScheduleCrons, after: Date): Date | undefined {
  const { event } = ctx;
  return nextStart(window, event.timeZone, new Set(event.skipDates), after);
}

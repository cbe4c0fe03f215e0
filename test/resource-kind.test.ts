/**
 * The seam between a run and a kind of scheduled resource (`lambda/run/kind.ts`): a kind that is
 * not EC2 plugs into the same run, and the run's own rules (skip dates, the deadline and the
 * follow-up run, the window's end, a fault, the dry run) apply to it unchanged.
 */
import type { SchedulerEvent } from '../lib/contract/schedule-input';
import type { RunDeps } from '../lambda/run/deps';
import type { ResourceKind } from '../lambda/run/kind';
import {
  endOfRun,
  parseInput,
  RunFailedError,
  runSchedule,
  type RunSummary,
} from '../lambda/run/run';
import { captureLogger, officeHoursEvent } from './support/runs';

/** How long the stand-in kind takes to act on one resource, on the virtual clock. */
const ACT_MS = 3000;
const IDS = ['i-0aaaaaaaaaaaaaaa1', 'i-0aaaaaaaaaaaaaaa2', 'i-0aaaaaaaaaaaaaaa3'];

/**
 * A kind that acts on `ids` one at a time, `ACT_MS` each, and says which of its methods the run
 * called; acting on `stuck` throws. It carries what is left as plain instances (the follow-up
 * state's only field for now).
 */
function standIn(stuck?: string): { kind: ResourceKind; calls: string[] } {
  const calls: string[] = [];
  const kind: ResourceKind = {
    carried: (event) => event.followUp?.instances?.plain,
    open(ctx) {
      let queue: string[] = [];
      return {
        async prepare() {
          calls.push('prepare');
          const carried = ctx.event.followUp?.instances?.plain;
          queue = [...(carried ?? IDS)];
          ctx.record.found = queue.length;
          return carried ? { listed: false } : { listed: true, cutShort: false };
        },
        async act(notAfter) {
          calls.push('act');
          while (queue.length > 0) {
            if (ctx.budget.timeToAct() < ACT_MS) return 'deadline';
            if (ctx.clock.now() + ACT_MS >= notAfter.getTime()) return 'windowClosed';
            if (queue[0] === stuck) {
              throw Object.assign(new Error('the switch is stuck'), { name: 'Stuck' });
            }
            await ctx.clock.sleep(ACT_MS);
            ctx.record.record({ instanceId: queue.shift() as string, outcome: 'started' });
          }
          return 'done';
        },
        dryRun() {
          calls.push('dryRun');
          for (const instanceId of queue.splice(0)) {
            ctx.record.record({ instanceId, outcome: 'started' });
          }
        },
        async verify() {
          calls.push('verify');
        },
        takePending() {
          const ids = queue.splice(0);
          return { ids, carry: { instances: { plain: ids, hibernate: [] } } };
        },
      };
    },
  };
  return { kind, calls };
}

/** Deps on a virtual clock at `event`'s scheduled time, with `budgetMs` of function time. */
function depsFor(event: SchedulerEvent, budgetMs: number) {
  let now = Date.parse(event.scheduledTime as string);
  const deadline = now + budgetMs;
  const followUps: SchedulerEvent[] = [];
  const deps: RunDeps = {
    logger: captureLogger(),
    clock: { now: () => now, sleep: async (ms) => void (now += ms) },
    remainingMs: () => deadline - now,
    followUp: async (next) => void followUps.push(next),
  };
  return { deps, followUps };
}

async function runOn(kind: ResourceKind, event: SchedulerEvent, budgetMs = 60_000) {
  const { deps, followUps } = depsFor(event, budgetMs);
  const run = async () =>
    endOfRun(await runSchedule(parseInput(event, event.action, deps), deps, kind));
  const summary = await run().catch((err: unknown) => {
    if (err instanceof RunFailedError) return { ...err.summary, invocationFailed: err.message };
    throw err;
  });
  return { summary: summary as RunSummary & { invocationFailed?: string }, followUps };
}

describe('a kind of resource other than EC2 instances, in the same run', () => {
  test('is prepared, acted on, verified and reported', async () => {
    const { kind, calls } = standIn();
    const { summary, followUps } = await runOn(kind, officeHoursEvent());
    expect(calls).toEqual(['prepare', 'act', 'verify']);
    expect(summary).toMatchObject({ found: 3, started: 3, failed: 0, deferred: 0 });
    expect(summary.followUp).toBeUndefined();
    expect(followUps).toEqual([]);
  });

  test('on a skip date, is not even prepared', async () => {
    const { kind, calls } = standIn();
    const { summary } = await runOn(kind, officeHoursEvent({ skipDates: ['2026-11-30'] }));
    expect(calls).toEqual([]);
    expect(summary).toMatchObject({ skipDate: '2026-11-30', found: 0, started: 0 });
  });

  test('in a dry run, says what it would do and does not act', async () => {
    const { kind, calls } = standIn();
    const { summary } = await runOn(kind, officeHoursEvent({ dryRun: true }));
    expect(calls).toEqual(['prepare', 'dryRun']);
    expect(summary).toMatchObject({ dryRun: true, found: 3, started: 3 });
  });

  test('at the deadline, what it left is deferred and carried to the follow-up run, which takes it from there', async () => {
    const { kind, calls } = standIn();
    // 10 s: a second of margin and one for the hand-over leave time for two of the three.
    const first = await runOn(kind, officeHoursEvent(), 10_000);
    expect(first.summary).toMatchObject({ found: 3, started: 2, deferred: 1 });
    expect(first.summary.followUp).toMatchObject({ attempt: 1 });
    expect(first.followUps).toHaveLength(1);
    const next = first.followUps[0];
    expect(next.followUp?.instances).toEqual({ plain: [IDS[2]], hibernate: [] });

    calls.length = 0;
    const second = await runOn(kind, next);
    expect(calls).toEqual(['prepare', 'act', 'verify']);
    expect(second.summary).toMatchObject({ found: 1, started: 1, deferred: 0, failed: 0 });
  });

  test('when the window closes, what it left fails with WindowClosed and the invocation fails', async () => {
    const { kind } = standIn();
    // Five seconds before the stop: time for one.
    const { summary } = await runOn(
      kind,
      officeHoursEvent({ scheduledTime: '2026-11-30T21:59:55.000Z' }),
    );
    expect(summary).toMatchObject({ found: 3, started: 1, failed: 2 });
    expect(summary.failures.map((f) => [f.instanceId, f.errorCode])).toEqual([
      [IDS[1], 'WindowClosed'],
      [IDS[2], 'WindowClosed'],
    ]);
    expect(summary.invocationFailed).toMatch(/^2 instance\(s\) failed to start/);
  });

  test('on a fault nothing else handled, what is pending fails with it and the run still reports', async () => {
    const { kind } = standIn(IDS[1]);
    const { summary } = await runOn(kind, officeHoursEvent());
    expect(summary).toMatchObject({
      found: 3,
      started: 1,
      failed: 2,
      error: { errorCode: 'Stuck', message: 'the switch is stuck' },
    });
    expect(summary.failures.map((f) => f.instanceId)).toEqual([IDS[1], IDS[2]]);
    expect(summary.invocationFailed).toContain('run failed: Stuck: the switch is stuck');
  });
});

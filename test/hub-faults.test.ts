/**
 * A hub's faults (issue 19, points 5 and 6), through `handleHub`: the invocation's own calls (STS
 * AssumeRole, Organizations) are bound by its deadline as EC2's are, so a target whose STS never
 * answers fails alone and in time; and a target follow-up whose AssumeRole fails still reports its
 * carried instances, the chain's earlier failures and its metrics, and fails as the chain's last
 * run. End to end through the shipped bundle: test/e2e-many-accounts.test.ts.
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import type { HttpHandlerOptions } from '@smithy/types';
import { handleHub, TargetsFailedError } from '../lambda/hub/hub';
import { RunFailedError, type RunSummary } from '../lambda/run/run';
import type { TargetDeps } from '../lambda/hub/targets';
import type { RunTarget, SchedulerEvent, TargetsConfig } from '../lib/contract/schedule-input';
import { makeInstances } from '../harness/ec2';
import { captureLogger, officeHoursEvent, summaryFor } from './support/runs';

const A = '111111111111';
const HUNG = '222222222222';
const CONFIG: TargetsConfig = {
  accounts: [A, HUNG],
  organizationalUnitIds: [],
  regions: ['eu-west-1'],
  spokeRoleName: 'ec2-scheduler-spoke',
};
const DEPLOYMENT = { tagKey: 'Schedule', schedules: ['office-hours'], targets: CONFIG };

/** A call that never answers: it ends only when its abort signal fires (the deadline). */
function neverAnswers(options: HttpHandlerOptions): Promise<never> {
  return new Promise((_, reject) => {
    (options.abortSignal as AbortSignal | undefined)?.addEventListener('abort', () =>
      reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' })),
    );
  });
}

/** Deps whose function has `budgetMs` left, on the real clock (abort signals use it). */
function depsFor(budgetMs: number) {
  const deadline = Date.now() + budgetMs;
  const published: RunSummary[] = [];
  return {
    deps: {
      ec2: new EC2Client({ region: 'eu-west-1' }),
      logger: captureLogger(),
      remainingMs: () => deadline - Date.now(),
      deployment: DEPLOYMENT,
      metrics: { publish: (s: RunSummary) => published.push(s) },
    },
    published,
  };
}

describe('a target whose STS never answers', () => {
  test('fails alone before the deadline, with its cause; the other target and the hub report', async () => {
    const seen: HttpHandlerOptions[] = [];
    const t: TargetDeps = {
      config: CONFIG,
      connect: (target, _session, call) =>
        call(async (options) => {
          seen.push(options);
          if (target.account === HUNG) return neverAnswers(options);
          return { ec2: new EC2Client({}), ec2Actions: new EC2Client({}) };
        }),
      accountsOf: async () => [],
    };
    const { deps } = depsFor(3_000);
    const lambdaRun = await import('../lambda/run/run');
    const spy = jest.spyOn(lambdaRun, 'runSchedule').mockImplementation(async (input) =>
      summaryFor(input.event.target as RunTarget, {
        found: 0,
        started: 0,
        apiCalls: 1,
        durationMs: 1,
      }),
    );
    try {
      const error = await handleHub(officeHoursEvent(), 'start', deps, t).catch((e: Error) => e);
      // Each AssumeRole had a request timeout and an abort signal from the time left.
      expect(seen.map((o) => [o.requestTimeout, o.abortSignal !== undefined])).toEqual([
        [expect.any(Number), true],
        [expect.any(Number), true],
      ]);
      expect(error).toBeInstanceOf(TargetsFailedError);
      const summary = (error as TargetsFailedError).summary;
      expect(summary.targets.map((s) => s.account)).toEqual([A]);
      expect(summary.failedTargets).toEqual([
        {
          account: HUNG,
          region: 'eu-west-1',
          errorCode: 'AbortError',
          message:
            "the invocation's deadline came before the spoke role was assumed (Request aborted)",
        },
      ]);
      // Returned before the function's deadline, with time for the report.
      expect(deps.remainingMs()).toBeGreaterThan(0);
      const messages = deps.logger.lines.map((l) => `${l.level} ${l.message}`);
      expect(messages).toContain('error target failed');
      expect(messages).toContain('info targets');
    } finally {
      spy.mockRestore();
    }
  });
});

describe('a target follow-up whose AssumeRole fails', () => {
  const carried = makeInstances(3, { firstIndex: 1 }).map((i) => i.instanceId);
  const earlier = makeInstances(7, { firstIndex: 101 }).map((i) => ({
    instanceId: i.instanceId,
    errorCode: 'InsufficientInstanceCapacity',
  }));
  /** STS's answer once the SDK's retries are spent. */
  const throttled = Object.assign(new Error('Rate exceeded'), {
    name: 'Throttling',
    $metadata: { httpStatusCode: 400, attempts: 3 },
  });
  const t: TargetDeps = {
    config: CONFIG,
    connect: async () => {
      throw throttled;
    },
    accountsOf: async () => [],
  };

  function followUp(state: Partial<NonNullable<SchedulerEvent['followUp']>>): SchedulerEvent {
    return officeHoursEvent({
      target: { account: A, region: 'eu-west-1' },
      followUp: {
        attempt: 2,
        notAfter: '2026-11-30T22:00:00.000Z',
        failures: { count: 7, first: earlier },
        ...state,
      },
    });
  }

  async function run(event: SchedulerEvent) {
    const { deps, published } = depsFor(60_000);
    const error = await handleHub(event, 'start', deps, t).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunFailedError);
    return { error: error as RunFailedError, deps, published };
  }

  test('reports its 3 carried instances failed with the cause, names the 7 earlier failures, and writes lines, summary and metrics', async () => {
    const { error, deps, published } = await run(
      followUp({ instances: { plain: carried, hibernate: [] } }),
    );
    const cause = 'the spoke role could not be assumed: Throttling: Rate exceeded';
    expect(error.message).toBe(
      `10 instance(s) failed to start for schedule "office-hours" (7 in earlier runs of this chain): ${[
        ...earlier.map((f) => `${f.instanceId} (InsufficientInstanceCapacity)`),
        ...carried.map((id) => `${id} (Throttling)`),
      ].join(', ')}; schedule "office-hours": run failed: Throttling: ${cause}`,
    );
    const lines = deps.logger.lines.filter((l) => l.message === 'instance');
    expect(lines.map((l) => l.attributes)).toEqual(
      carried.map((instanceId) =>
        expect.objectContaining({
          instanceId,
          outcome: 'failed',
          errorCode: 'Throttling',
          errorMessage: cause,
          account: A,
          region: 'eu-west-1',
        }),
      ),
    );
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({
      account: A,
      region: 'eu-west-1',
      found: 3,
      failed: 3,
      earlierFailures: { count: 7 },
      error: { errorCode: 'Throttling', message: cause },
    });
    expect(published[0]).not.toHaveProperty('notListed');
    expect(deps.logger.lines).toContainEqual({
      level: 'info',
      message: 'summary',
      attributes: expect.objectContaining({ failed: 3, account: A }),
    });
  });

  test.each([
    ['it would have listed again after its carried instances', { relist: true }],
    ['it carried none (too many to carry) and would have listed', {}],
  ])('says instances were not listed when %s', async (_, state) => {
    const instances = 'relist' in state ? { plain: carried, hibernate: [] } : undefined;
    const { error, published } = await run(
      followUp({ ...state, ...(instances ? { instances } : {}) }),
    );
    expect(published[0]).toMatchObject({ notListed: true });
    expect(error.message).toContain(
      'schedule "office-hours": instances beyond a listing cut short were not reached',
    );
  });
});

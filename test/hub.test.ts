/**
 * A hub's runs across targets, in process: which targets run, that one target never blocks
 * another, how the invocation ends, the target in inputs and the deployment, and the accounts of
 * organizational units. End to end through the shipped bundles: test/e2e-many-accounts.test.ts.
 */
import {
  ListAccountsForParentCommand,
  ListChildrenCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { handleHub, TargetsFailedError } from '../lambda/hub/hub';
import { accountsOfUnits } from '../lambda/hub/organizations';
import type { RunSummary } from '../lambda/run/run';
import { runTargets, sessionNameOf, type TargetDeps } from '../lambda/hub/targets';
import type { TargetsConfig } from '../lib/contract/schedule-input';
import { deploymentFromEnv, parseScheduleInput } from '../lib/contract/schedule-input-parser';
import { captureLogger, officeHoursEvent, summaryFor } from './support/runs';

const A = '111111111111';
const B = '222222222222';
const CONFIG: TargetsConfig = {
  accounts: [A, B],
  organizationalUnitIds: [],
  regions: ['us-east-1', 'eu-west-1'],
  spokeRoleName: 'ec2-scheduler-spoke',
};
const DEPLOYMENT = { tagKey: 'Schedule', schedules: ['office-hours'], targets: CONFIG };

function targetDeps(overrides: Partial<TargetDeps> = {}): TargetDeps & { connected: string[] } {
  const connected: string[] = [];
  return {
    config: CONFIG,
    connect: async (target, session) => {
      connected.push(`${target.account}/${target.region} as ${session.name} (${session.action})`);
      return { ec2: new EC2Client({}), ec2Actions: new EC2Client({}) };
    },
    accountsOf: async () => [],
    connected,
    ...overrides,
  };
}

describe('runs across targets', () => {
  test('every account x Region runs once with its own clients and the schedule as session name, at most `concurrency` at once', async () => {
    const t = targetDeps({ concurrency: 3 });
    let running = 0;
    let most = 0;
    const seen: string[] = [];
    const summary = await runTargets(
      { event: officeHoursEvent(), opposites: [], maxOverrideMs: 1 },
      { ec2: new EC2Client({}), logger: captureLogger(), remainingMs: () => 60_000 },
      t,
      async (input, deps) => {
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 10));
        running--;
        expect(deps.ec2).not.toBeUndefined();
        seen.push(`${input.event.target?.account}/${input.event.target?.region}`);
        return summaryFor(input.event.target!);
      },
      (fn) => fn({}),
    );
    expect(seen.sort()).toEqual([
      `${A}/eu-west-1`,
      `${A}/us-east-1`,
      `${B}/eu-west-1`,
      `${B}/us-east-1`,
    ]);
    expect(most).toBe(3);
    expect(t.connected).toContain(`${A}/us-east-1 as office-hours (start)`);
    expect(summary.targets.map((s) => `${s.account}/${s.region}`)).toHaveLength(4);
    expect(summary.failedTargets).toEqual([]);
  });

  test('a target whose role cannot be assumed fails alone: the others run, and the invocation fails at the end naming it', async () => {
    const denied = Object.assign(new Error('not authorized to perform: sts:AssumeRole'), {
      name: 'AccessDenied',
    });
    const t = targetDeps({
      connect: async (target) => {
        if (target.account === B && target.region === 'eu-west-1') throw denied;
        return { ec2: new EC2Client({}), ec2Actions: new EC2Client({}) };
      },
    });
    const ran: string[] = [];
    const logger = captureLogger();
    const error = await handleHubWith(t, logger, async (input) => {
      ran.push(`${input.event.target?.account}/${input.event.target?.region}`);
      return summaryFor(input.event.target!);
    });
    expect(ran).toHaveLength(3);
    expect(error).toBeInstanceOf(TargetsFailedError);
    expect(error.message).toBe(
      `schedule "office-hours" start: 1 of 4 targets failed: ${B}/eu-west-1: AccessDenied: not authorized to perform: sts:AssumeRole`,
    );
    expect(logger.lines).toContainEqual({
      level: 'error',
      message: 'target failed',
      attributes: expect.objectContaining({
        account: B,
        region: 'eu-west-1',
        errorCode: 'AccessDenied',
      }),
    });
  });
});

/** handleHub with `runOne` standing in for the run of each target; returns what it throws. */
async function handleHubWith(
  t: TargetDeps,
  logger: ReturnType<typeof captureLogger>,
  runOne: (input: Parameters<Parameters<typeof runTargets>[3]>[0]) => Promise<RunSummary>,
): Promise<Error> {
  const lambdaRun = await import('../lambda/run/run');
  const spy = jest.spyOn(lambdaRun, 'runSchedule').mockImplementation((input) => runOne(input));
  try {
    await handleHub(
      officeHoursEvent(),
      'start',
      {
        ec2: new EC2Client({}),
        logger,
        remainingMs: () => 60_000,
        deployment: DEPLOYMENT,
      },
      t,
    );
    throw new Error('handleHub did not fail');
  } catch (err) {
    return err as Error;
  } finally {
    spy.mockRestore();
  }
}

describe('the target in an input', () => {
  test.each([
    [{ account: A, region: 'eu-west-1' }, undefined],
    [{ account: '1234', region: 'eu-west-1' }, 'must be an account (12 digits) and a Region'],
    [{ account: A, region: 'Europe' }, 'must be an account (12 digits) and a Region'],
    [{ account: '333333333333', region: 'eu-west-1' }, "is not one of this scheduler's targets"],
    [{ account: A, region: 'ap-south-1' }, "is not one of this scheduler's targets"],
  ])('%j: %s', (target, error) => {
    const parse = () =>
      parseScheduleInput(officeHoursEvent({ target }), 'start', { deployment: DEPLOYMENT });
    if (error) expect(parse).toThrow(error);
    else expect(parse().event.target).toEqual(target);
  });

  test('a scheduler without targets refuses a target', () => {
    expect(() =>
      parseScheduleInput(
        officeHoursEvent({ target: { account: A, region: 'eu-west-1' } }),
        'start',
        {
          deployment: { tagKey: 'Schedule', schedules: ['office-hours'] },
        },
      ),
    ).toThrow('target is given, but this scheduler has no targets');
  });

  test('the deployment reads its targets from the environment the construct writes', () => {
    const names = { tagKey: 'T', schedules: 'S', targets: 'X' };
    const env = { T: 'Schedule', S: '["office-hours"]' };
    expect(deploymentFromEnv(env, names).targets).toBeUndefined();
    expect(deploymentFromEnv({ ...env, X: JSON.stringify(CONFIG) }, names).targets).toEqual(CONFIG);
    expect(() => deploymentFromEnv({ ...env, X: '{"accounts":["1"]}' }, names)).toThrow(
      "the function's environment variable X is not the targets JSON the Ec2Scheduler construct writes",
    );
  });

  test('a Region the construct accepts, the functions accept too (e.g. eusc-de-east-1)', () => {
    const targets = { ...CONFIG, regions: ['eusc-de-east-1'] };
    const names = { tagKey: 'T', schedules: 'S', targets: 'X' };
    const env = { T: 'Schedule', S: '["office-hours"]', X: JSON.stringify(targets) };
    const deployment = deploymentFromEnv(env, names);
    expect(deployment.targets?.regions).toEqual(['eusc-de-east-1']);
    const target = { account: A, region: 'eusc-de-east-1' };
    expect(
      parseScheduleInput(officeHoursEvent({ target }), 'start', { deployment }).event.target,
    ).toEqual(target);
  });

  test('session names are the schedule name, within STS limits', () => {
    expect(sessionNameOf('office-hours')).toBe('office-hours');
    expect(sessionNameOf('team a/b: nights')).toBe('team-a-b--nights');
    expect(sessionNameOf('x')).toBe('x-');
    expect(sessionNameOf('n'.repeat(100))).toHaveLength(64);
  });
});

describe('accounts of organizational units', () => {
  test('active accounts of each unit and the units below it, each once, over pages', async () => {
    const org = mockClient(OrganizationsClient);
    const accounts = (ids: [string, string][]) =>
      ids.map(([Id, State]) => ({ Id, State: State as 'ACTIVE' }));
    org
      .on(ListAccountsForParentCommand, { ParentId: 'ou-root-aaaaaaaa' })
      .resolves({ Accounts: accounts([[A, 'ACTIVE']]), NextToken: 'p2' })
      .on(ListAccountsForParentCommand, { ParentId: 'ou-root-aaaaaaaa', NextToken: 'p2' })
      .resolves({ Accounts: accounts([['444444444444', 'SUSPENDED']]) })
      .on(ListAccountsForParentCommand, { ParentId: 'ou-root-bbbbbbbb' })
      .resolves({
        Accounts: accounts([
          [B, 'ACTIVE'],
          [A, 'ACTIVE'],
        ]),
      })
      .on(ListChildrenCommand, { ParentId: 'ou-root-aaaaaaaa', ChildType: 'ORGANIZATIONAL_UNIT' })
      .resolves({ Children: [{ Id: 'ou-root-bbbbbbbb', Type: 'ORGANIZATIONAL_UNIT' }] })
      .on(ListChildrenCommand, { ParentId: 'ou-root-bbbbbbbb', ChildType: 'ORGANIZATIONAL_UNIT' })
      .resolves({ Children: [] });
    try {
      const options: unknown[] = [];
      const found = await accountsOfUnits(
        new OrganizationsClient({ region: 'us-east-1' }),
        ['ou-root-aaaaaaaa'],
        (fn) => {
          const callOptions = { requestTimeout: 1000 + options.length };
          options.push(callOptions);
          return fn(callOptions);
        },
      );
      expect(found).toEqual([A, B]);
      // Every page is its own call, with the options of its own time.
      const sent = org.send.getCalls().map((c) => (c.args as unknown[])[1]);
      expect(sent).toHaveLength(5);
      expect(sent).toEqual(options);
    } finally {
      org.restore();
    }
  });

  test('a unit that cannot be listed is a problem of the run; listed accounts still run', async () => {
    const t = targetDeps({
      config: { ...CONFIG, accounts: [A], organizationalUnitIds: ['ou-root-aaaaaaaa'] },
      accountsOf: async () => {
        throw Object.assign(new Error('You are not authorized'), { name: 'AccessDeniedException' });
      },
    });
    const error = await handleHubWith(t, captureLogger(), async (input) =>
      summaryFor(input.event.target!),
    );
    expect(error.message).toBe(
      'schedule "office-hours" start: listing the organizational units failed: AccessDeniedException: You are not authorized',
    );
  });
});

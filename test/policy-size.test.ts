/**
 * IAM's limits on a role's policies (issue 19, point 9): a role's inline policies together may
 * hold 10,240 characters, a managed policy 6,144 (IAM User Guide, "IAM and AWS STS quotas";
 * whitespace not counted). The schedule names appear once per role, so what Lambda's 4 KB of
 * environment allows fits; what still cannot fit fails synth with the size, the limit, what takes
 * the room and the fix, instead of failing the deployment (or, for the StackSet, every account).
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Ec2Scheduler, Ec2SchedulerSpokeRole, type Ec2SchedulerProps } from '../lib';
import { deployedValue, testStack, type TemplateStatement } from './support/app';
import { NO_BUILTIN_VALIDATION } from '../harness/assembly';

const OU = 'ou-ab12-cdef3456';
const HUB = '999988887777';
const STOP = 'cron(0 19 * * ? *)';

/** `count` distinct valid schedule names of `length` characters. */
function names(count: number, length: number): string[] {
  return Array.from({ length: count }, (_, i) => `${i}-`.padEnd(length, 'n'));
}

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

/**
 * A policy document as IAM counts it: JSON without whitespace, intrinsics evaluated as deployed in
 * us-east-1 (`aws`), the spoke template's HubAccountId a 12-digit account, resource attributes
 * 100 characters.
 */
function charactersOf(document: unknown): number {
  const text = JSON.stringify(document).replaceAll('{"Ref":"HubAccountId"}', `"${HUB}"`);
  const evaluate = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(evaluate);
    if (value === null || typeof value !== 'object') return value;
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) {
      // A resource's attribute (a function's, queue's or log group's ARN): about 100 characters.
      return keys[0] === 'Fn::GetAtt' ? 'a'.repeat(100) : deployedValue(value);
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, evaluate(v)]));
  };
  return JSON.stringify(evaluate(JSON.parse(text))).length;
}

/** Each role's inline policies together (its own and the AWS::IAM::Policy resources naming it). */
function inlineSizes(resources: Resources): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [id, role] of Object.entries(resources)) {
    if (role.Type !== 'AWS::IAM::Role') continue;
    const own = (role.Properties.Policies as { PolicyDocument: unknown }[] | undefined) ?? [];
    const attached = Object.values(resources).filter(
      (p) =>
        p.Type === 'AWS::IAM::Policy' &&
        (p.Properties.Roles as { Ref?: string }[]).some((r) => r.Ref === id),
    );
    out[String(role.Properties.RoleName ?? id)] = [
      ...own.map((p) => p.PolicyDocument),
      ...attached.map((p) => p.Properties.PolicyDocument),
    ].reduce<number>((n, d) => n + charactersOf(d), 0);
  }
  return out;
}

function spokeTemplateOf(template: Template): Resources {
  const [stackSet] = Object.values(template.findResources('AWS::CloudFormation::StackSet'));
  return JSON.parse(stackSet.Properties.TemplateBody as string).Resources as Resources;
}

function scheduler(stack: Stack, scheduleNames: readonly string[], props: Ec2SchedulerProps = {}) {
  const built = new Ec2Scheduler(stack, 'Scheduler', props);
  for (const name of scheduleNames) built.addSchedule(name, { stop: STOP });
  return built;
}

describe("the issue's hub: an OU target and 13 schedule names of 255 characters", () => {
  const stack = testStack('Hub');
  scheduler(stack, names(13, 255), {
    targets: { organizationalUnitIds: [OU], regions: ['us-east-1'] },
  });
  const template = Template.fromStack(stack);

  test('each spoke role of the StackSet holds the names once, well within 10,240 characters', () => {
    const sizes = inlineSizes(spokeTemplateOf(template));
    expect(Object.keys(sizes).sort()).toEqual([
      'ec2-scheduler-spoke-start',
      'ec2-scheduler-spoke-stop',
    ]);
    // 13 names x 258 characters once, and the rest (about 600).
    for (const size of Object.values(sizes)) {
      expect(size).toBeGreaterThan(13 * 258);
      expect(size).toBeLessThan(13 * 258 + 1000);
    }
  });

  test("the hub's function roles hold the names once as well", () => {
    const sizes = inlineSizes(template.toJSON().Resources as Resources);
    for (const role of ['ec2-scheduler-spoke-hub-start', 'ec2-scheduler-spoke-hub-stop']) {
      expect(sizes[role]).toBeGreaterThan(13 * 258);
      expect(sizes[role]).toBeLessThan(13 * 258 + 2000);
    }
  });
});

describe('roles that cannot fit fail synth with the size, the limit, what takes the room and the fix', () => {
  test('a spoke role given 40 schedule names of 255 characters', () => {
    const stack = testStack('Spoke');
    new Ec2SchedulerSpokeRole(stack, 'Spoke', { hubAccount: HUB, scheduleNames: names(40, 255) });
    expect(() => Template.fromStack(stack)).toThrow(
      /\[Spoke\/Spoke\/StartRole\] spoke role "ec2-scheduler-spoke-start" would have 1\d{4} characters of inline policy \(all together\), over IAM's limit of 10240 \(whitespace not counted; values known only at deploy counted at their longest\): the schedule names take 10320 of them \(40 names, 40 values\); the largest statement, StartScheduledInstances, takes 1\d{4}\. Use fewer or shorter schedule names or fewer listed accounts \(an organizational unit stands for all its accounts\), or split the schedules or targets over several Ec2Scheduler constructs/,
    );
  });

  test('a hub listing 110 accounts: the AssumeRole statement fits no managed policy', () => {
    const stack = testStack('Hub');
    const accounts = Array.from({ length: 110 }, (_, i) => String(100000000000 + i));
    scheduler(stack, ['office-hours'], { targets: { accounts, regions: ['us-east-1'] } });
    expect(() => Template.fromStack(stack)).toThrow(
      /the start function's role \(Hub\/Scheduler\/StartRole\) would have \d+ characters of managed policy Hub\/Scheduler\/StartRole\/OverflowPolicy1, over IAM's limit of 6144 .*: the largest statement, AssumeSpokeRoleInListedAccounts, takes \d+\. Use fewer or shorter schedule names or fewer listed accounts/,
    );
  });
});

/**
 * Builds a scheduler with the most `length`-character names that Lambda's 4 KB of environment
 * allows (the first count that does not fail on the environment), and returns its template.
 */
function mostNamesTheEnvironmentAllows(length: number, props: Ec2SchedulerProps = {}) {
  for (let count = Math.floor(4096 / (length + 3)); count > 0; count--) {
    const stack = new Stack(new App(NO_BUILTIN_VALIDATION), 'Stack');
    scheduler(stack, names(count, length), props);
    try {
      return { count, template: Template.fromStack(stack) };
    } catch (err) {
      // Only the environment may refuse them: never IAM's policy size.
      expect(String(err)).toMatch(/over Lambda's limit of 4 KB/);
      expect(String(err)).not.toMatch(/IAM's limit/);
    }
  }
  throw new Error('no count fits');
}

describe('the function roles take as many names as the environment allows', () => {
  test.each<[string, number, Ec2SchedulerProps]>([
    ['255-character names, one account', 255, {}],
    ['64-character names, one account', 64, {}],
    [
      '255-character names, a hub with an OU and 10 listed accounts',
      255,
      {
        targets: {
          organizationalUnitIds: [OU],
          accounts: Array.from({ length: 10 }, (_, i) => String(100000000000 + i)),
          regions: ['us-east-1', 'eu-west-1'],
        },
      },
    ],
  ])('%s', (_, length, props) => {
    const { count, template } = mostNamesTheEnvironmentAllows(length, props);
    // The other variables take about 600 bytes (the deduplication table's name counted at 255).
    expect(count).toBeGreaterThan(3500 / (length + 3) - 3);
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as TemplateStatement[],
    );
    const act = statements.find((s) => s.Sid === 'StartScheduledInstances');
    expect(act?.Condition?.StringEquals['aws:ResourceTag/Schedule']).toHaveLength(count);
  });
});

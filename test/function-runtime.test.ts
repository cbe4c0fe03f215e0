/**
 * The functions' runtime: the newest Node.js runtime the app's aws-cdk-lib knows, the same in
 * every Region, or one the user pins, refused when the shipped bundles (built for Node.js 24)
 * cannot run on it. A newer aws-cdk-lib is played by registering the runtime it adds, as
 * aws-cdk-lib 2.278.0 adds nodejs26.x: cdk-nag's AwsSolutions-L1 then wants it too.
 */
import { App, Stack, type Environment } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Ec2Scheduler, type Ec2SchedulerProps } from '../lib';
import { NO_BUILTIN_VALIDATION, exactly, testStack, unacknowledgedNagErrors } from './support/app';
import { WEEKDAYS_17, WEEKDAYS_8 } from './support/crons';

function runtimesOf(stack: Stack): unknown[] {
  return Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function')).map(
    (f) => (f as { Properties: { Runtime: unknown } }).Properties.Runtime,
  );
}

function schedulerStack(
  props: Ec2SchedulerProps = {},
  env?: Environment,
  app = new App(NO_BUILTIN_VALIDATION),
): Stack {
  const stack = new Stack(app, 'Stack', { env });
  new Ec2Scheduler(stack, 'Scheduler', props).addSchedule('office-hours', {
    start: WEEKDAYS_8,
    stop: WEEKDAYS_17,
  });
  return stack;
}

describe('with the aws-cdk-lib this package is developed against (2.269.0)', () => {
  test.each<[string, Environment | undefined]>([
    ['an environment-agnostic stack', undefined],
    ['us-east-1', { region: 'us-east-1', account: '111122223333' }],
    ['eu-central-1', { region: 'eu-central-1', account: '111122223333' }],
    ['cn-north-1', { region: 'cn-north-1', account: '111122223333' }],
    ['us-gov-west-1', { region: 'us-gov-west-1', account: '111122223333' }],
  ])('both functions run on nodejs24.x, a literal, in %s', (_where, env) => {
    expect(runtimesOf(schedulerStack({}, env))).toEqual(['nodejs24.x', 'nodejs24.x']);
  });

  test('NODEJS_LATEST is accepted', () => {
    expect(runtimesOf(schedulerStack({ runtime: lambda.Runtime.NODEJS_LATEST }))).toEqual([
      lambda.Runtime.NODEJS_LATEST.name,
      lambda.Runtime.NODEJS_LATEST.name,
    ]);
  });

  const FIX =
    'pass Node.js 24 or later, e.g. lambda.Runtime.NODEJS_24_X, or leave runtime out for the newest one this aws-cdk-lib knows (nodejs24.x)';
  test.each<[string, lambda.Runtime, string]>([
    [
      'Python',
      lambda.Runtime.PYTHON_3_13,
      `runtime python3.13 is not a Node.js runtime; the functions are JavaScript bundles built for Node.js 24, so ${FIX}`,
    ],
    [
      'an OS-only runtime',
      lambda.Runtime.PROVIDED_AL2023,
      `runtime provided.al2023 is not a Node.js runtime; the functions are JavaScript bundles built for Node.js 24, so ${FIX}`,
    ],
    [
      'Node.js 22',
      lambda.Runtime.NODEJS_22_X,
      `runtime nodejs22.x is older than the functions' bundles support (built for Node.js 24); ${FIX}`,
    ],
    [
      'Node.js 20',
      lambda.Runtime.NODEJS_20_X,
      `runtime nodejs20.x is older than the functions' bundles support (built for Node.js 24); ${FIX}`,
    ],
    [
      'Node.js without a version',
      lambda.Runtime.NODEJS,
      `runtime nodejs names no Node.js version; ${FIX}`,
    ],
  ])('refuses %s', (_what, runtime, message) => {
    const stack = testStack();
    expect(() => new Ec2Scheduler(stack, 'Scheduler', { runtime })).toThrow(exactly(message));
  });
});

describe('with an aws-cdk-lib that knows nodejs26.x (as 2.278.0 does)', () => {
  let nodejs26: lambda.Runtime;
  beforeAll(() => {
    // A Runtime adds itself to lambda.Runtime.ALL, as aws-cdk-lib's own NODEJS_26_X does.
    nodejs26 = new lambda.Runtime('nodejs26.x', lambda.RuntimeFamily.NODEJS, {
      supportsInlineCode: true,
    });
  });

  test.each<[string, Environment | undefined]>([
    ['an environment-agnostic stack', undefined],
    ['eu-central-1', { region: 'eu-central-1', account: '999988887777' }],
    ['ap-southeast-2', { region: 'ap-southeast-2', account: '444455556666' }],
  ])('both functions run on nodejs26.x in %s, and AwsSolutions-L1 is satisfied', (_where, env) => {
    const app = new App();
    const stack = schedulerStack({}, env, app);
    expect(runtimesOf(stack)).toEqual([nodejs26.name, nodejs26.name]);
    expect(unacknowledgedNagErrors(app)).toEqual([]);
  });

  test('a pinned runtime is kept', () => {
    const stack = schedulerStack({ runtime: lambda.Runtime.NODEJS_24_X });
    expect(runtimesOf(stack)).toEqual(['nodejs24.x', 'nodejs24.x']);
  });

  test('the message names the newest runtime', () => {
    expect(() => schedulerStack({ runtime: lambda.Runtime.NODEJS_22_X })).toThrow(
      /leave runtime out for the newest one this aws-cdk-lib knows \(nodejs26\.x\)$/,
    );
  });
});

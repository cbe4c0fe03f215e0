/**
 * cdk-nag's AWS Solutions checks in stacks with an explicit `env`, as most production stacks
 * have: the instance ARNs (and a hub's spoke role ARNs) then carry a literal Region and account,
 * and cdk-nag names its findings after them. Every finding the construct acknowledges must be
 * acknowledged in that form too, for the functions' roles, a hub's roles and the spoke roles.
 */
import { App, Aws, Stack, type Environment } from 'aws-cdk-lib';
import { Ec2Scheduler, Ec2SchedulerSpokeRole, type Ec2SchedulerProps } from '../lib';
import { flattenReference } from '../lib/iam/nag-findings';
import { unacknowledgedNagErrors } from './support/app';
import { WEEKDAYS_17, WEEKDAYS_8 } from './support/crons';

const ENVS: Array<[string, Environment]> = [
  ['eu-central-1 in 999988887777', { account: '999988887777', region: 'eu-central-1' }],
  ['us-west-2 in 111122223333', { account: '111122223333', region: 'us-west-2' }],
  ['ap-southeast-2 in 444455556666', { account: '444455556666', region: 'ap-southeast-2' }],
  ['cn-north-1 (aws-cn) in 555566667777', { account: '555566667777', region: 'cn-north-1' }],
  [
    'us-gov-west-1 (aws-us-gov) in 666677778888',
    { account: '666677778888', region: 'us-gov-west-1' },
  ],
  ['an account with the Region left to deployment', { account: '777788889999' }],
  ['a Region with the account left to deployment', { region: 'sa-east-1' }],
  ['a Region and the pseudo account', { account: Aws.ACCOUNT_ID, region: 'eu-west-3' }],
];

function schedulerIn(env: Environment, props: Ec2SchedulerProps = {}): App {
  const app = new App();
  const stack = new Stack(app, 'Production', { env });
  const scheduler = new Ec2Scheduler(stack, 'Scheduler', { timeZone: 'Europe/Berlin', ...props });
  scheduler.addSchedule('office-hours', { start: WEEKDAYS_8, stop: WEEKDAYS_17 });
  return app;
}

describe('AwsSolutionsChecks on stacks with an explicit env', () => {
  test.each(ENVS)('a scheduler in %s has no unacknowledged error', (_name, env) => {
    expect(unacknowledgedNagErrors(schedulerIn(env))).toEqual([]);
  });

  test.each(ENVS.slice(0, 2))(
    'a scheduler with auditTags off in %s has no unacknowledged error',
    (_name, env) => {
      expect(unacknowledgedNagErrors(schedulerIn(env, { auditTags: false }))).toEqual([]);
    },
  );

  test.each(ENVS.slice(0, 3))(
    'a hub in %s, with listed accounts and OUs in several Regions, has no unacknowledged error',
    (_name, env) => {
      const app = schedulerIn(env, {
        targets: {
          accounts: ['123456789012', '210987654321'],
          organizationalUnitIds: ['ou-ab12-cdef3456'],
          regions: ['us-east-1', 'eu-west-1'],
        },
        organizationId: 'o-a1b2c3d4e5',
      });
      expect(unacknowledgedNagErrors(app)).toEqual([]);
    },
  );

  test.each(ENVS.slice(0, 3))(
    'spoke roles in %s, for any Region and for listed Regions, have no unacknowledged error',
    (_name, env) => {
      const app = new App();
      const stack = new Stack(app, 'Spoke', { env });
      new Ec2SchedulerSpokeRole(stack, 'AnyRegion', {
        hubAccount: '999988887777',
        scheduleNames: ['office-hours'],
      });
      new Ec2SchedulerSpokeRole(stack, 'ListedRegions', {
        hubAccount: '999988887777',
        roleName: 'listed-spoke',
        scheduleNames: ['office-hours', 'evening-stop'],
        regions: ['eu-west-1', 'us-east-1'],
        auditTags: false,
      });
      expect(unacknowledgedNagErrors(app)).toEqual([]);
    },
  );
});

describe('flattenReference (the form of cdk-nag 3 finding ids)', () => {
  test.each<[string, unknown, string]>([
    [
      'a string',
      'arn:aws:ec2:eu-west-1:111122223333:instance/*',
      'arn:aws:ec2:eu-west-1:111122223333:instance/*',
    ],
    [
      'a join with a Ref',
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ec2:eu-west-1:1:instance/*']] },
      'arn:<AWS::Partition>:ec2:eu-west-1:1:instance/*',
    ],
    ['a GetAtt', { 'Fn::GetAtt': ['Role1ABCD', 'Arn'] }, '<Role1ABCD.Arn>'],
    [
      'a Sub',
      { 'Fn::Sub': 'arn:${AWS::Partition}:iam::*:role/x' },
      'arn:<AWS::Partition>:iam::*:role/x',
    ],
    ['an ImportValue', { 'Fn::ImportValue': 'Shared-Arn' }, 'Shared-Arn'],
    ['anything else', { 'Fn::Select': [0, ['*']] }, '{"Fn::Select":[0,["*"]]}'],
  ])('%s', (_what, value, flat) => {
    expect(flattenReference(value)).toBe(flat);
  });
});

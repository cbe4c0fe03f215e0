import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Ec2Scheduler } from '../lib';
import { WEEKDAYS_17, WEEKDAYS_8 } from './support/crons';

const eksArn = (resource: string) => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':eks:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      `:${resource}/*`,
    ],
  ],
});

const FIND = {
  Sid: 'FindTaggedResources',
  Effect: 'Allow',
  Action: 'tag:GetResources',
  Resource: '*',
};
const READ = {
  Sid: 'ReadNodegroupsAndUpdates',
  Effect: 'Allow',
  Action: ['eks:DescribeNodegroup', 'eks:DescribeUpdate'],
  Resource: [eksArn('nodegroup'), eksArn('cluster')],
};

/** Asserts that `action`'s role has a managed policy holding `statements` (in that order). */
function expectRolePolicy(
  auditTags: boolean | undefined,
  action: 'start' | 'stop',
  statements: object[],
) {
  const stack = new Stack(new App(), 'Nodegroups');
  const scheduler = new Ec2Scheduler(
    stack,
    'Scheduler',
    auditTags === undefined ? {} : { auditTags },
  );
  scheduler.addSchedule('office-hours', { start: WEEKDAYS_8, stop: WEEKDAYS_17 });
  scheduler.addSchedule('night', { stop: WEEKDAYS_17 });
  const role: iam.Role = action === 'start' ? scheduler.startRole : scheduler.stopRole;
  Template.fromStack(stack).hasResourceProperties('AWS::IAM::ManagedPolicy', {
    Roles: [stack.resolve(role.roleName)],
    PolicyDocument: { Statement: Match.exact(statements) },
  });
}

describe('the functions may scale only the EKS node groups carrying a schedule tag', () => {
  test.each([
    ['stop', 'StopScheduledNodegroups', ['Schedule:size', 'Schedule:last-action']],
    ['start', 'StartScheduledNodegroups', ['Schedule:last-action']],
  ] as const)(
    'the %s role: tag:GetResources on *, Describe read-only, UpdateNodegroupConfig and TagResource (size and audit keys only) on tagged node groups',
    (action, sid, keys) => {
      expectRolePolicy(undefined, action, [
        FIND,
        READ,
        {
          Sid: sid,
          Effect: 'Allow',
          Action: ['eks:UpdateNodegroupConfig', 'eks:TagResource'],
          Resource: eksArn('nodegroup'),
          Condition: {
            StringEquals: { 'aws:ResourceTag/Schedule': ['office-hours', 'night'] },
            'ForAllValues:StringEquals': { 'aws:TagKeys': keys },
          },
        },
      ]);
    },
  );

  test('without audit tags, the start role writes no tag: UpdateNodegroupConfig alone', () => {
    expectRolePolicy(false, 'start', [
      FIND,
      READ,
      {
        Sid: 'StartScheduledNodegroups',
        Effect: 'Allow',
        Action: 'eks:UpdateNodegroupConfig',
        Resource: eksArn('nodegroup'),
        Condition: { StringEquals: { 'aws:ResourceTag/Schedule': ['office-hours', 'night'] } },
      },
    ]);
  });
});

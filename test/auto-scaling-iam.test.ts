import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Ec2Scheduler } from '../lib';
import { WEEKDAYS_17, WEEKDAYS_8 } from './support/crons';

const ANY_GROUP_ARN = {
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':autoscaling:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      ':autoScalingGroup:*:autoScalingGroupName/*',
    ],
  ],
};

const FIND_GROUPS = {
  Sid: 'FindTaggedAutoScalingGroups',
  Effect: 'Allow',
  Action: ['autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeScalingActivities'],
  Resource: '*',
};

/** Asserts that `action`'s role has a policy holding `statements` (in that order). */
function expectRolePolicy(
  auditTags: boolean | undefined,
  action: 'start' | 'stop',
  statements: object[],
) {
  const stack = new Stack(new App(), 'Groups');
  const scheduler = new Ec2Scheduler(
    stack,
    'Scheduler',
    auditTags === undefined ? {} : { auditTags },
  );
  scheduler.addSchedule('office-hours', { start: WEEKDAYS_8, stop: WEEKDAYS_17 });
  const role: iam.Role = action === 'start' ? scheduler.startRole : scheduler.stopRole;
  Template.fromStack(stack).hasResourceProperties('AWS::IAM::ManagedPolicy', {
    Roles: [stack.resolve(role.roleName)],
    PolicyDocument: { Statement: Match.arrayWith(statements) },
  });
}

describe('the functions may scale only the Auto Scaling groups carrying a schedule tag', () => {
  test.each([
    ['stop', 'StopScheduledAutoScalingGroups', ['Schedule:size', 'Schedule:last-action']],
    ['start', 'StartScheduledAutoScalingGroups', ['Schedule:last-action']],
  ] as const)(
    'the %s role: Describe* on * (no resource-level permissions), UpdateAutoScalingGroup and CreateOrUpdateTags (size and audit keys only) on tagged groups',
    (action, sid, keys) => {
      expectRolePolicy(undefined, action, [
        FIND_GROUPS,
        {
          Sid: sid,
          Effect: 'Allow',
          Action: ['autoscaling:UpdateAutoScalingGroup', 'autoscaling:CreateOrUpdateTags'],
          Resource: ANY_GROUP_ARN,
          Condition: {
            StringEquals: { 'autoscaling:ResourceTag/Schedule': ['office-hours'] },
            'ForAllValues:StringEquals': { 'aws:TagKeys': keys },
          },
        },
      ]);
    },
  );

  test('without audit tags, the start role writes no tag: UpdateAutoScalingGroup alone', () => {
    expectRolePolicy(false, 'start', [
      FIND_GROUPS,
      {
        Sid: 'StartScheduledAutoScalingGroups',
        Effect: 'Allow',
        Action: 'autoscaling:UpdateAutoScalingGroup',
        Resource: ANY_GROUP_ARN,
        Condition: { StringEquals: { 'autoscaling:ResourceTag/Schedule': ['office-hours'] } },
      },
    ]);
  });
});

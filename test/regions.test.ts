/**
 * Target Regions (issue 19, point 11): checked against aws-cdk-lib's own Region facts
 * (`RegionInfo`), in the scheduler's `targets.regions` and in `Ec2SchedulerSpokeRole.regions`: a
 * Region it does not know is refused (naming the closest known one) unless allowed, and a Region of
 * another partition than the stack's is refused, since roles and ARNs do not cross partitions.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import {
  Ec2Scheduler,
  Ec2SchedulerSpokeRole,
  type Ec2SchedulerSpokeRoleProps,
  type Ec2SchedulerTargets,
} from '../lib';
import { spokeRoleArn } from '../lib/contract/spoke-arn';
import { NO_BUILTIN_VALIDATION } from '../harness/assembly';
import { exactly } from './support/app';

const ACCOUNT = '111122223333';

/** A stack in `region`, or environment-agnostic (its Region a token). */
function stackIn(region?: string): Stack {
  const env = region ? { account: ACCOUNT, region } : undefined;
  return new Stack(new App(NO_BUILTIN_VALIDATION), 'Stack', { env });
}

function hub(targets: Partial<Ec2SchedulerTargets>, region?: string) {
  const stack = stackIn(region);
  const scheduler = new Ec2Scheduler(stack, 'Scheduler', {
    targets: { accounts: [ACCOUNT], regions: [], ...targets },
  });
  scheduler.addSchedule('office-hours', { stop: 'cron(0 17 ? * MON-FRI *)' });
  return Template.fromStack(stack);
}

function spoke(props: Partial<Ec2SchedulerSpokeRoleProps>, region?: string) {
  const stack = stackIn(region);
  new Ec2SchedulerSpokeRole(stack, 'Spoke', {
    hubAccount: '999988887777',
    scheduleNames: ['office-hours'],
    ...props,
  });
  return Template.fromStack(stack);
}

describe("a hub's targets.regions", () => {
  test.each<[string, Partial<Ec2SchedulerTargets>, string | undefined, string]>([
    [
      'a Region no one knows',
      { regions: ['us-east-1', 'xx-fake-9'] },
      undefined,
      'targets.regions[1] "xx-fake-9" is not a Region that aws-cdk-lib knows; check the spelling. For a Region newer than your aws-cdk-lib, set targets.allowUnknownRegions: true',
    ],
    [
      'a typo of a known Region',
      { regions: ['eu-wset-1'] },
      undefined,
      'targets.regions[0] "eu-wset-1" is not a Region that aws-cdk-lib knows; did you mean "eu-west-1"? For a Region newer than your aws-cdk-lib, set targets.allowUnknownRegions: true',
    ],
    [
      'a Region of another partition than the stack’s',
      { regions: ['us-east-1', 'cn-north-1'] },
      'us-east-1',
      'targets.regions[1] "cn-north-1" is in partition aws-cn, but the hub\'s stack is in us-east-1 (partition aws); roles and ARNs do not cross partitions, so leave it out, or act there from a stack in aws-cn',
    ],
    [
      'an allowed unknown Region whose prefix names another partition',
      { regions: ['us-gov-north-9'], allowUnknownRegions: true },
      'eu-west-1',
      'targets.regions[0] "us-gov-north-9" is in partition aws-us-gov, but the hub\'s stack is in eu-west-1 (partition aws); roles and ARNs do not cross partitions, so leave it out, or act there from a stack in aws-us-gov',
    ],
    [
      'Regions of two partitions, from a stack whose Region is a token',
      { regions: ['eu-west-1', 'cn-northwest-1'] },
      undefined,
      'targets.regions mixes partitions: "eu-west-1" is in aws and "cn-northwest-1" in aws-cn; roles and ARNs do not cross partitions, so give the Regions of one partition and deploy the hub\'s stack in that partition',
    ],
  ])('refuses %s', (_, targets, region, message) => {
    expect(() => hub(targets, region)).toThrow(exactly(message));
  });

  test.each<[string, Partial<Ec2SchedulerTargets>, string | undefined]>([
    ['Regions of the stack’s partition', { regions: ['us-east-1', 'ap-southeast-4'] }, 'us-east-1'],
    ['China Regions from a stack in China', { regions: ['cn-north-1'] }, 'cn-northwest-1'],
    ['Regions of one partition from a token Region', { regions: ['cn-north-1'] }, undefined],
    [
      'an unknown Region, allowed',
      { regions: ['eu-west-9'], allowUnknownRegions: true },
      'eu-west-1',
    ],
  ])('accepts %s', (_, targets, region) => {
    expect(() => hub(targets, region)).not.toThrow();
  });
});

describe("Ec2SchedulerSpokeRole's regions", () => {
  test.each<[string, Partial<Ec2SchedulerSpokeRoleProps>, string | undefined, string]>([
    [
      'a word that is no Region',
      { regions: ['nowhere'] },
      undefined,
      'regions[0] "nowhere" is not a Region name; write Region codes such as "us-east-1" or "eu-central-1"',
    ],
    [
      'a Region aws-cdk-lib does not know',
      { regions: ['eu-central-1', 'eu-central-7'] },
      undefined,
      'regions[1] "eu-central-7" is not a Region that aws-cdk-lib knows; did you mean "eu-central-1"? For a Region newer than your aws-cdk-lib, set allowUnknownRegions: true',
    ],
    [
      'a Region listed twice',
      { regions: ['eu-west-1', 'eu-west-1'] },
      undefined,
      'regions lists "eu-west-1" twice; list each once',
    ],
    [
      "a Region of another partition than the spoke's stack",
      { regions: ['us-gov-west-1'] },
      'us-east-2',
      'regions[0] "us-gov-west-1" is in partition aws-us-gov, but the spoke role\'s stack is in us-east-2 (partition aws); roles and ARNs do not cross partitions, so leave it out, or act there from a stack in aws-us-gov',
    ],
  ])('refuses %s', (_, props, region, message) => {
    expect(() => spoke(props, region)).toThrow(exactly(message));
  });

  test('accepts an unknown Region when allowed, and any Region by default', () => {
    expect(() => spoke({ regions: ['eu-central-7'], allowUnknownRegions: true })).not.toThrow();
    expect(() => spoke({})).not.toThrow();
  });
});

test("the functions' spoke role ARNs are in each Region's partition, as aws-cdk-lib knows it", () => {
  const wrong = RegionInfo.regions
    .map((r) => ({ region: r.name, arn: spokeRoleArn(ACCOUNT, r.name, 'spoke') }))
    .filter(({ region, arn }) => !arn.startsWith(`arn:${RegionInfo.get(region).partition}:`));
  expect(wrong).toEqual([]);
});

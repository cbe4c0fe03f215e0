import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Ec2Scheduler, type AutoScalingGroupSize } from '../lib';
import { exactly, testStack } from './support/app';
import { WEEKDAYS_17, WEEKDAYS_8 } from './support/crons';

const build = (groupFallbackSize: AutoScalingGroupSize, withStart = true) => {
  const stack = testStack();
  new Ec2Scheduler(stack, 'Scheduler').addSchedule('office-hours', {
    ...(withStart ? { start: WEEKDAYS_8 } : {}),
    stop: WEEKDAYS_17,
    groupFallbackSize,
  });
  return stack;
};

describe('groupFallbackSize', () => {
  const fix = 'e.g. { min: 1, desired: 2, max: 4 }';
  test.each<[string, AutoScalingGroupSize, string]>([
    [
      'a negative min',
      { min: -1, desired: 1, max: 2 },
      `schedule "office-hours": groupFallbackSize.min -1 is not a whole number from 0 to 2147483647; give whole numbers, ${fix}`,
    ],
    [
      'a fractional desired',
      { min: 0, desired: 1.5, max: 2 },
      `schedule "office-hours": groupFallbackSize.desired 1.5 is not a whole number from 0 to 2147483647; give whole numbers, ${fix}`,
    ],
    [
      'max 0',
      { min: 0, desired: 0, max: 0 },
      `schedule "office-hours": groupFallbackSize.max 0 would leave the group unable to run any instance; give max 1 or more, ${fix}`,
    ],
    [
      'min above desired',
      { min: 3, desired: 2, max: 4 },
      `schedule "office-hours": groupFallbackSize.min 3 is more than desired 2; give min <= desired <= max, ${fix}`,
    ],
    [
      'desired above max',
      { min: 1, desired: 5, max: 4 },
      `schedule "office-hours": groupFallbackSize.desired 5 is more than max 4; give min <= desired <= max, ${fix}`,
    ],
  ])(
    '%s fails synth naming the schedule, the field, the value and the fix',
    (_name, size, message) => {
      expect(() => build(size)).toThrow(exactly(message));
    },
  );

  test('reaches the start input only', () => {
    const template = Template.fromStack(build({ min: 1, desired: 2, max: 4 }));
    const inputs = Object.values(template.findResources('AWS::Scheduler::Schedule')).map(
      (r) =>
        JSON.parse(
          (r as { Properties: { Target: { Input: string } } }).Properties.Target.Input,
        ) as Record<string, unknown>,
    );
    expect(inputs.find((i) => i.action === 'start')?.groupFallbackSize).toEqual({
      min: 1,
      desired: 2,
      max: 4,
    });
    expect(inputs.find((i) => i.action === 'stop')).not.toHaveProperty('groupFallbackSize');
  });

  test('on a schedule without a start draws a warning', () => {
    const stack = build({ min: 1, desired: 2, max: 4 }, false);
    Annotations.fromStack(stack).hasWarning(
      '*',
      Match.stringLikeRegexp('groupFallbackSize applies to starts, and this schedule has no start'),
    );
  });
});

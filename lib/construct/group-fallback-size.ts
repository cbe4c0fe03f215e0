/**
 * A schedule's `groupFallbackSize`: the size a start gives an Auto Scaling group at zero that has
 * no saved size (`<tagKey>:size`), checked at synth with the checks `UpdateAutoScalingGroup`
 * makes, so a bad one fails `cdk synth`, not a start at 08:00.
 */
import { Annotations, Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { GROUP_SIZE } from '../common/limits';

/** An Auto Scaling group's size: MinSize, DesiredCapacity and MaxSize. */
export interface AutoScalingGroupSize {
  /** MinSize: a whole number, 0 or more, at most `desired`. */
  readonly min: number;
  /** DesiredCapacity: a whole number from `min` to `max`. */
  readonly desired: number;
  /** MaxSize: a whole number, 1 or more. */
  readonly max: number;
}

const EXAMPLE = '{ min: 1, desired: 2, max: 4 }';

/**
 * Throws when `size` is not one `UpdateAutoScalingGroup` accepts (or one that can never run);
 * warns when the schedule has no start, which is the only thing that uses it.
 */
export function checkGroupFallbackSize(
  scope: IConstruct,
  name: string,
  size: AutoScalingGroupSize | undefined,
  hasStart: boolean,
): void {
  if (size === undefined) return;
  const field = `schedule "${name}": groupFallbackSize`;
  const known = (n: number) => !Token.isUnresolved(n);
  for (const key of ['min', 'desired', 'max'] as const) {
    const n = size[key];
    if (known(n) && !(Number.isInteger(n) && n >= GROUP_SIZE.min && n <= GROUP_SIZE.max)) {
      throw new Error(
        `${field}.${key} ${n} is not a whole number from 0 to ${GROUP_SIZE.max}; give whole numbers, e.g. ${EXAMPLE}`,
      );
    }
  }
  const { min, desired, max } = size;
  if (known(max) && max < 1) {
    throw new Error(
      `${field}.max ${max} would leave the group unable to run any instance; give max 1 or more, e.g. ${EXAMPLE}`,
    );
  }
  if (known(min) && known(desired) && min > desired) {
    throw new Error(
      `${field}.min ${min} is more than desired ${desired}; give min <= desired <= max, e.g. ${EXAMPLE}`,
    );
  }
  if (known(desired) && known(max) && desired > max) {
    throw new Error(
      `${field}.desired ${desired} is more than max ${max}; give min <= desired <= max, e.g. ${EXAMPLE}`,
    );
  }
  if (!hasStart) {
    Annotations.of(scope).addWarningV2(
      'cdk-ec2-scheduler:groupFallbackSizeWithoutStart',
      `schedule "${name}": groupFallbackSize applies to starts, and this schedule has no start`,
    );
  }
}

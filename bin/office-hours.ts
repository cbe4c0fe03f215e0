/**
 * The example stack: the 8-to-5 pattern. Instances tagged Schedule=office-hours run 08:00-17:00 on
 * weekdays, New York time, and stay stopped on the listed holidays. `bin/app.ts` synthesizes it;
 * the tests build the same stack through this function, so they check the example as shipped.
 *
 * Opt an instance in by tagging it:
 *   aws ec2 create-tags --resources i-0123456789abcdef0 --tags Key=Schedule,Value=office-hours
 * or, in CDK:
 *   Tags.of(instance).add('Schedule', 'office-hours');
 */
import { Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { Ec2Scheduler } from '../lib';

export function officeHoursStack(scope: Construct, id = 'OfficeHoursScheduler'): Stack {
  const stack = new Stack(scope, id, {
    description:
      'Starts EC2 instances tagged Schedule=office-hours at 08:00 and stops them at 17:00 on weekdays (America/New_York)',
  });
  const scheduler = new Ec2Scheduler(stack, 'Scheduler', {
    timeZone: 'America/New_York',
  });
  scheduler.addSchedule('office-hours', {
    start: 'cron(0 8 ? * MON-FRI *)',
    stop: 'cron(0 17 ? * MON-FRI *)',
    skipDates: ['2026-12-25', '2027-01-01'],
  });
  return stack;
}

/**
 * The example app (bin/app.ts) with 50 schedules instead of one, for timing `cdk synth`:
 *   npx cdk synth -q --app "npx tsx bench/fifty-schedules.ts" -o <dir>
 * Same stack settings and the same cdk-nag checks as the example.
 */
import { App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Ec2Scheduler } from '../lib';

const app = new App();
const stack = new Stack(app, 'FiftySchedules', {
  description: 'Starts and stops EC2 instances of 50 teams on their own schedules',
});

const scheduler = new Ec2Scheduler(stack, 'Scheduler', {
  timeZone: 'America/New_York',
});
for (let n = 1; n <= 50; n++) {
  // Spread over the morning and evening so no two teams share a minute.
  const minute = (n * 7) % 60;
  scheduler.addSchedule(`team-${String(n).padStart(2, '0')}`, {
    start: `cron(${minute} ${7 + (n % 3)} ? * MON-FRI *)`,
    stop: `cron(${minute} ${17 + (n % 3)} ? * MON-FRI *)`,
    skipDates: ['2026-12-25', '2027-01-01'],
  });
}

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

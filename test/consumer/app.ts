// A consumer's CDK app: the README's example, and an instance tagged to opt in. The consumer test
// (.ci/consumer-test.sh) compiles it with tsc and synthesizes it against the packed library,
// once at the minimum supported aws-cdk-lib and once at the latest pinned.
import { App, Stack, Tags } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Ec2Scheduler, Preview } from 'cdk-ec2-scheduler';

const app = new App();
const stack = new Stack(app, 'ConsumerStack');

const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0 });
const instance = new ec2.Instance(stack, 'Instance', {
  vpc,
  vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
  instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO),
  machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType: ec2.AmazonLinuxCpuType.ARM_64 }),
});

if (process.env.WITHOUT_SCHEDULER !== '1') {
  const scheduler = new Ec2Scheduler(stack, 'Scheduler', {
    timeZone: 'America/New_York',
  });
  scheduler.addSchedule('office-hours', {
    start: 'cron(0 8 ? * MON-FRI *)', // 08:00 New York time, Monday to Friday
    stop: 'cron(0 17 ? * MON-FRI *)', // 17:00
    skipDates: ['2026-12-25'], // no start on these local dates
  });
  Tags.of(instance).add('Schedule', 'office-hours');
  // The preview API, as other languages reach it.
  const preview = Preview.schedule(
    {
      start: 'cron(0 8 ? * MON-FRI *)',
      stop: 'cron(0 17 ? * MON-FRI *)',
      timeZone: 'America/New_York',
    },
    { after: new Date('2026-12-21T00:00:00Z'), count: 2 },
  );
  if (preview.transitions.length !== 2) throw new Error('Preview.schedule listed no transitions');
}

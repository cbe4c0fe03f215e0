// A consumer's CDK app: the README's example, and an instance tagged to opt in. The consumer test
// (.ci/consumer-test.sh) compiles it with tsc and synthesizes it against the packed library,
// at the minimum supported aws-cdk-lib and at the newest on the registry. With NAG=1 the app is
// instead the library alone in stacks with an explicit env (a scheduler, a hub, spoke roles),
// checked by cdk-nag's AWS Solutions rules: `cdk synth` fails on any unacknowledged finding.
import { App, Stack, Tags, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Ec2Scheduler, Ec2SchedulerSpokeRole, Preview } from 'cdk-ec2-scheduler';
import { AwsSolutionsChecks } from 'cdk-nag';

const OFFICE = { start: 'cron(0 8 ? * MON-FRI *)', stop: 'cron(0 17 ? * MON-FRI *)' };

function consumerStack(app: App): void {
  const stack = new Stack(app, 'ConsumerStack');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0 });
  const instance = new ec2.Instance(stack, 'Instance', {
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
    instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO),
    machineImage: ec2.MachineImage.latestAmazonLinux2023({
      cpuType: ec2.AmazonLinuxCpuType.ARM_64,
    }),
  });
  if (process.env.WITHOUT_SCHEDULER === '1') return;
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
    { ...OFFICE, timeZone: 'America/New_York' },
    { after: new Date('2026-12-21T00:00:00Z'), count: 2 },
  );
  if (preview.transitions.length !== 2) throw new Error('Preview.schedule listed no transitions');
}

function nagStacks(app: App): void {
  const hubEnv = { account: '999988887777', region: 'eu-central-1' };
  const single = new Stack(app, 'NagSchedulerStack', { env: hubEnv });
  new Ec2Scheduler(single, 'Scheduler', { timeZone: 'Europe/Berlin' }).addSchedule(
    'office-hours',
    OFFICE,
  );
  const hub = new Stack(app, 'NagHubStack', { env: hubEnv });
  new Ec2Scheduler(hub, 'Scheduler', {
    timeZone: 'Europe/Berlin',
    targets: {
      accounts: ['111122223333'],
      organizationalUnitIds: ['ou-ab12-cdef3456'],
      regions: ['eu-central-1', 'eu-west-1'],
    },
    organizationId: 'o-a1b2c3d4e5',
  }).addSchedule('office-hours', OFFICE);
  const spoke = new Stack(app, 'NagSpokeStack', {
    env: { account: '111122223333', region: 'eu-west-1' },
  });
  new Ec2SchedulerSpokeRole(spoke, 'SpokeRole', {
    hubAccount: hubEnv.account,
    scheduleNames: ['office-hours'],
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}

const app = new App();
if (process.env.NAG === '1') nagStacks(app);
else consumerStack(app);

import { startCloudWatchEndpoint } from './harness/cloudwatch-endpoint';
import { startEc2Endpoint } from './harness/ec2';
import { startPricingEndpoint } from './harness/pricing-endpoint';
import { alwaysBusy, alwaysIdle, launchedAt, nightBatch, officeHours, profileByInstance } from './harness/utilization-profiles';
import { fakeAwsEnv, runCli, setEnv } from './test/support/cli';
const NOW = new Date('2026-12-01T12:00:00Z');
(async () => {
  const fleet: [string, string, string, any, string?][] = [
    ['i-0a1b2c3d4e5f60801', 'build-agent', 't3.large', officeHours('Europe/Berlin', 1)],
    ['i-0b2c3d4e5f6071802', 'reporting', 'm5.xlarge', nightBatch('Europe/Berlin', 2)],
    ['i-0c3d4e5f607182803', 'rdp-host', 't3.large', officeHours('Europe/Berlin', 3), 'Windows'],
    ['i-0d4e5f60718293804', 'db-primary', 'r6i.large', alwaysBusy(4)],
    ['i-0e5f6071829304805', 'old-wiki', 't3.micro', alwaysIdle(5)],
    ['i-0f60718293a415806', 'new-api', 't3.small', launchedAt(alwaysBusy(6), new Date(NOW.getTime() - 2 * 86400000))],
  ];
  const ec2 = await startEc2Endpoint();
  ec2.addInstances(fleet.map(([instanceId, Name, instanceType, , p]) => ({ instanceId, state: 'running', tags: { Name }, instanceType, ...(p ? { platformDetails: p } : {}) })));
  const cw = await startCloudWatchEndpoint({ now: () => NOW.getTime(), utilizationOf: profileByInstance(Object.fromEntries(fleet.map((f) => [f[0], f[3]]))) });
  const pricing = await startPricingEndpoint({ prices: [
    { regionCode: 'eu-central-1', instanceType: 't3.large', operatingSystem: 'Linux', usdPerHour: 0.096 },
    { regionCode: 'eu-central-1', instanceType: 't3.large', operatingSystem: 'Windows', usdPerHour: 0.1236 },
    { regionCode: 'eu-central-1', instanceType: 'm5.xlarge', operatingSystem: 'Linux', usdPerHour: 0.23 },
  ] });
  setEnv({ ...fakeAwsEnv(ec2.url), AWS_REGION: 'eu-central-1', AWS_ENDPOINT_URL_CLOUDWATCH: cw.url, AWS_ENDPOINT_URL_PRICING: pricing.url });
  const args = process.argv.slice(2);
  const run = await runCli(['suggest', ...args], NOW);
  console.log(run.out.join('\n')); console.error(run.err);
  await Promise.all([ec2.close(), cw.close(), pricing.close()]);
})();

/**
 * The naive script, as a child process: what a script would do to get the same 14 days of hourly
 * utilization with a plain `CloudWatchClient` (SDK defaults: standard retry, 3 attempts): list the
 * running instances without the schedule tag, then one `GetMetricStatistics` call per instance
 * per metric (CPUUtilization Average, NetworkIn Sum, NetworkOut Sum; Period 3600), CONCURRENCY
 * calls at a time (1: one after another). It keeps the datapoints and analyses nothing.
 *
 * Environment: the SDK's (Region, credentials, AWS_ENDPOINT_URL_EC2 / _CLOUDWATCH), plus
 * CONCURRENCY, DAYS and TAG_KEY. Prints one JSON line: instances, calls, datapoints, failed
 * calls (after the SDK's retries), and the time of the listing and of the metric calls.
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const nativeRequire = createRequire(import.meta.url);
const { CloudWatchClient, GetMetricStatisticsCommand } = nativeRequire(
  '@aws-sdk/client-cloudwatch',
);
const { EC2Client, paginateDescribeInstances } = nativeRequire('@aws-sdk/client-ec2');

const concurrency = Number(process.env.CONCURRENCY ?? 1);
const days = Number(process.env.DAYS ?? 14);
const tagKey = process.env.TAG_KEY ?? 'Schedule';
const HOUR = 3_600_000;
const METRICS = [
  ['CPUUtilization', 'Average'],
  ['NetworkIn', 'Sum'],
  ['NetworkOut', 'Sum'],
];

const t0 = performance.now();
const ec2 = new EC2Client({});
const ids = [];
for await (const page of paginateDescribeInstances(
  { client: ec2, pageSize: 1000 },
  { Filters: [{ Name: 'instance-state-name', Values: ['running'] }] },
)) {
  for (const r of page.Reservations ?? []) {
    for (const i of r.Instances ?? []) {
      if (!(i.Tags ?? []).some((t) => t.Key === tagKey)) ids.push(i.InstanceId);
    }
  }
}
const listedMs = performance.now() - t0;

const cw = new CloudWatchClient({});
const end = new Date(Math.floor(Date.now() / HOUR) * HOUR);
const start = new Date(end.getTime() - days * 24 * HOUR);
const tasks = ids.flatMap((id) => METRICS.map(([name, stat]) => ({ id, name, stat })));
const data = new Map();
let datapoints = 0;
let failed = 0;
let firstError;
let next = 0;
async function worker() {
  while (next < tasks.length) {
    const { id, name, stat } = tasks[next++];
    try {
      const out = await cw.send(
        new GetMetricStatisticsCommand({
          Namespace: 'AWS/EC2',
          MetricName: name,
          Dimensions: [{ Name: 'InstanceId', Value: id }],
          StartTime: start,
          EndTime: end,
          Period: 3600,
          Statistics: [stat],
        }),
      );
      const points = out.Datapoints ?? [];
      datapoints += points.length;
      data.set(`${id} ${name}`, points);
    } catch (err) {
      failed++;
      firstError ??= `${err.name}: ${err.message}`;
    }
  }
}
const t1 = performance.now();
await Promise.all(Array.from({ length: concurrency }, worker));
const metricsMs = performance.now() - t1;
process.stdout.write(
  `${JSON.stringify({ instances: ids.length, calls: tasks.length, datapoints, failed, firstError, listedMs, metricsMs })}\n`,
);

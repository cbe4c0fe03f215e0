/**
 * The per-instance baseline, as a child process: the approach of the popular Terraform scheduler
 * module (one StartInstances or StopInstances call per instance, one after another), with a plain
 * EC2Client from the AWS SDK against the same endpoint and after the same DescribeInstances.
 *
 * Its retry is ideal for it: on RequestLimitExceeded it waits exactly one refill interval of the
 * call's request bucket (`throttleWaitMs`) and sends the same call again, so it loses nothing and
 * runs at the bucket's rate. (The Terraform module logs the error and moves on.)
 *
 * Parent -> child: { action, tagKey, schedule, throttleWaitMs }; child -> parent: the result.
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { peakRss } from '../harness/peak-rss.mjs';

const baselineRss = process.memoryUsage().rss;
const nativeRequire = createRequire(import.meta.url);

process.once('message', async ({ action, tagKey, schedule, throttleWaitMs }) => {
  const { DescribeInstancesCommand, EC2Client, StartInstancesCommand, StopInstancesCommand } =
    nativeRequire('@aws-sdk/client-ec2');
  // Region, credentials and endpoint from the environment (AWS_ENDPOINT_URL_EC2).
  const ec2 = new EC2Client({ maxAttempts: 1 });
  const t0 = performance.now();
  const ids = [];
  let nextToken;
  do {
    const page = await ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: `tag:${tagKey}`, Values: [schedule] },
          { Name: 'instance-state-name', Values: [action === 'start' ? 'stopped' : 'running'] },
        ],
        MaxResults: 1000,
        NextToken: nextToken,
      }),
    );
    for (const r of page.Reservations ?? []) {
      for (const i of r.Instances ?? []) ids.push(i.InstanceId);
    }
    nextToken = page.NextToken || undefined;
  } while (nextToken);

  let acted = 0;
  let throttled = 0;
  const failures = [];
  for (const id of ids) {
    for (;;) {
      try {
        await ec2.send(
          action === 'start'
            ? new StartInstancesCommand({ InstanceIds: [id] })
            : new StopInstancesCommand({ InstanceIds: [id] }),
        );
        acted++;
        break;
      } catch (err) {
        if (err.name === 'RequestLimitExceeded') {
          throttled++;
          await sleep(throttleWaitMs);
          continue;
        }
        failures.push({ instanceId: id, errorCode: err.name });
        break;
      }
    }
  }
  const wallMs = performance.now() - t0;
  process.send({
    found: ids.length,
    acted,
    throttled,
    failures,
    wallMs,
    baselineRss,
    // Its own peak since it started, not resourceUsage().maxRSS (see harness/peak-rss.mjs).
    maxRss: peakRss(),
  });
  process.disconnect();
});

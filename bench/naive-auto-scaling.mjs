/**
 * The per-group baseline, as a child process: the naive way to schedule Auto Scaling groups, one
 * group at a time, one call after another, with a plain AutoScalingClient from the AWS SDK (its
 * default settings: standard retry, 3 attempts) against the same endpoint as the scheduler. It is
 * given the group names (as a script configured with its list of groups). For each group:
 * - stop: DescribeAutoScalingGroups (that group), CreateOrUpdateTags (`<tagKey>:size` =
 *   min,desired,max), UpdateAutoScalingGroup (MinSize 0, DesiredCapacity 0);
 * - start: DescribeAutoScalingGroups (that group), UpdateAutoScalingGroup (the saved size).
 *
 * Parent -> child: { action, names, sizeTag }; child -> parent: the result.
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const nativeRequire = createRequire(import.meta.url);

process.once('message', async ({ action, names, sizeTag }) => {
  const {
    AutoScalingClient,
    CreateOrUpdateTagsCommand,
    DescribeAutoScalingGroupsCommand,
    UpdateAutoScalingGroupCommand,
  } = nativeRequire('@aws-sdk/client-auto-scaling');
  // Region, credentials and endpoint from the environment (AWS_ENDPOINT_URL_AUTO_SCALING).
  const client = new AutoScalingClient({});
  const t0 = performance.now();
  let acted = 0;
  const failures = [];
  for (const name of names) {
    try {
      const out = await client.send(
        new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }),
      );
      const g = out.AutoScalingGroups?.[0];
      if (!g) throw Object.assign(new Error(`${name} not found`), { name: 'NotFound' });
      if (action === 'stop') {
        const size = `${g.MinSize},${g.DesiredCapacity},${g.MaxSize}`;
        await client.send(
          new CreateOrUpdateTagsCommand({
            Tags: [
              {
                ResourceId: name,
                ResourceType: 'auto-scaling-group',
                Key: sizeTag,
                Value: size,
                PropagateAtLaunch: false,
              },
            ],
          }),
        );
        await client.send(
          new UpdateAutoScalingGroupCommand({
            AutoScalingGroupName: name,
            MinSize: 0,
            DesiredCapacity: 0,
          }),
        );
      } else {
        const saved = g.Tags?.find((t) => t.Key === sizeTag)?.Value ?? '';
        const [min, desired, max] = saved.split(',').map(Number);
        await client.send(
          new UpdateAutoScalingGroupCommand({
            AutoScalingGroupName: name,
            MinSize: min,
            DesiredCapacity: desired,
            MaxSize: max,
          }),
        );
      }
      acted++;
    } catch (err) {
      failures.push({ group: name, errorCode: err.name });
    }
  }
  process.send({ acted, failures, wallMs: performance.now() - t0 });
  process.disconnect();
});

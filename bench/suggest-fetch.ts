/**
 * The fetch alone, as a child process (run with `node --import tsx`): the listing and
 * `readUtilization` of lib/suggest/utilization.ts as `suggest` calls them (its own `runningInstances`,
 * the same clients and HTTP settings), without the analysis, the prices or the report. Prints
 * one JSON line like naive-cloudwatch.mjs.
 */
import { performance } from 'node:perf_hooks';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CLI_HTTP } from '../lib/cli/cli-ec2';
import { runningInstances } from '../lib/cli/suggest-command';
import { periodBefore, readUtilization } from '../lib/suggest/utilization';

async function main(): Promise<void> {
  const t0 = performance.now();
  const { region, facts } = await runningInstances({ tagKey: 'Schedule' }, false);
  const ids = facts.map((f) => f.instanceId);
  const listedMs = performance.now() - t0;
  const cw = new CloudWatchClient({ requestHandler: CLI_HTTP, region });
  const t1 = performance.now();
  let datapoints = 0;
  const calls = await readUtilization(cw, ids, periodBefore(new Date(), 14), (_, hours) => {
    datapoints += hours.length;
  });
  const metricsMs = performance.now() - t1;
  cw.destroy();
  process.stdout.write(
    `${JSON.stringify({ instances: ids.length, calls, hours: datapoints, listedMs, metricsMs })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});

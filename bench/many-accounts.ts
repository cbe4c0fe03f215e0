/**
 * A hub's run across many accounts and Regions: 50 accounts x 2 Regions x 200 instances (20,000)
 * started in one run through the shipped start bundle, against the loopback STS and the
 * per-account, per-Region loopback EC2 (20 ms per call, no rate limits), with the hub's default
 * concurrency (10 targets at once) and one target after another
 * (EC2_SCHEDULER_TARGET_CONCURRENCY=1), side by side.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Stack } from 'aws-cdk-lib';
import { Duration } from 'aws-cdk-lib';
import { Ec2Scheduler } from '../lib';
import { findSchedule, firingAfter, functionSpec, synthesize } from '../harness/assembly';
import { startGroupFakes } from '../harness/group-fakes';
import { Ec2Model, makeInstances, RAISED_EC2_API_LIMITS } from '../harness/ec2';
import { startEc2Accounts } from '../harness/ec2/accounts';
import { startLambdaEndpoint } from '../harness/lambda-endpoint';
import { LambdaRuntime } from '../harness/lambda-runtime';
import { startStsEndpoint } from '../harness/sts-endpoint';

export interface ManyAccountsRow {
  readonly concurrency: number;
  readonly targets: number;
  readonly instances: number;
  readonly started: number;
  readonly apiCalls: number;
  readonly assumeRoleCalls: number;
  readonly invocations: number;
  readonly wallMs: number;
  readonly peakRssMiB: number;
}

const MONDAY_MORNING = new Date('2026-11-30T12:00:00Z');
const REGIONS = ['us-east-1', 'eu-west-1'];

/** One run of the scenario at `concurrency` targets at once. */
export async function manyAccounts(
  concurrency: number,
  accounts = 50,
  perTarget = 200,
  latencyMs = 20,
): Promise<ManyAccountsRow> {
  const ids = Array.from({ length: accounts }, (_, i) => String(100000000000 + i));
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-ec2-scheduler-bench-hub-'));
  const stack = synthesize(outdir, (app) => {
    const s = new Stack(app, 'BenchHub', { env: { account: '123456789012', region: 'us-east-1' } });
    new Ec2Scheduler(s, 'Scheduler', {
      timeZone: 'America/New_York',
      targets: { accounts: ids, regions: REGIONS },
      auditTags: false,
      verifyTimeout: Duration.seconds(0),
    }).addSchedule('office-hours', { start: 'cron(0 8 ? * MON-FRI *)' });
    return s;
  });
  const ec2 = await startEc2Accounts({ latencyMs });
  const sts = await startStsEndpoint();
  const lambda = await startLambdaEndpoint({ functions: stack.functions.map((f) => f.arn) });
  // A hub's runs list no groups (its targets' spoke roles schedule instances); its own account's Auto Scaling is empty.
  const groups = await startGroupFakes(new Ec2Model(Date.now));
  const rt = new LambdaRuntime(lambda);
  try {
    let first = 1;
    for (const account of ids) {
      // The start function assumes the spoke start role.
      sts.allow(`arn:aws:iam::${account}:role/ec2-scheduler-spoke-start`);
      for (const region of REGIONS) {
        const target = await ec2.target(account, region);
        target.addInstances(
          makeInstances(perTarget, {
            tags: { Schedule: 'office-hours' },
            state: 'stopped',
            firstIndex: first,
          }),
        );
        first += perTarget;
      }
    }
    const schedule = findSchedule(stack, 'office-hours', 'start');
    rt.register(
      functionSpec(
        schedule.target,
        { ec2: ec2.url, lambda: lambda.url, ...groups.urls },
        {
          env: {
            AWS_ENDPOINT_URL_STS: sts.url,
            EC2_SCHEDULER_TARGET_CONCURRENCY: String(concurrency),
            // EC2's documented limits are not what this row measures.
            EC2_API_LIMITS: RAISED_EC2_API_LIMITS,
          },
        },
      ),
    );
    const host = await rt.host(schedule.target.arn); // the cold start is not timed
    const { at, payload } = firingAfter(schedule, MONDAY_MORNING);
    rt.setClock(new Date(at.getTime() + 1000));
    const t0 = performance.now();
    const invocations = await rt.invoke(schedule.target.arn, payload);
    const wallMs = performance.now() - t0;
    const stats = await host.stats();
    const endpoints = await Promise.all(ids.flatMap((a) => REGIONS.map((r) => ec2.target(a, r))));
    const errors = invocations.filter((i) => i.error);
    if (errors.length > 0) throw new Error(`hub run failed: ${errors[0].error?.message}`);
    return {
      concurrency,
      targets: endpoints.length,
      instances: accounts * REGIONS.length * perTarget,
      started: endpoints.reduce(
        (n, e) => n + e.instances().filter((i) => i.state !== 'stopped').length,
        0,
      ),
      apiCalls: endpoints.reduce((n, e) => n + e.requests.length, 0),
      assumeRoleCalls: sts.requests.length,
      invocations: invocations.length,
      wallMs: Math.round(wallMs),
      peakRssMiB: Math.round((stats.maxRss / 1024 / 1024) * 10) / 10,
    };
  } finally {
    await rt.close();
    await Promise.all([ec2.close(), sts.close(), lambda.close(), groups.close()]);
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** The row at the default concurrency and one target after another, run back to back. */
export async function manyAccountsRows(): Promise<ManyAccountsRow[]> {
  return [await manyAccounts(10), await manyAccounts(1)];
}

/** Markdown table of the rows. */
export function manyAccountsTable(rows: readonly ManyAccountsRow[]): string {
  const lines = [
    '| Targets at once | Targets | Instances | Started | EC2 calls | AssumeRole calls | Invocations | Wall time | Peak RSS |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.concurrency} | ${r.targets} | ${r.instances.toLocaleString('en-US')} | ${r.started.toLocaleString('en-US')} | ${r.apiCalls} | ${r.assumeRoleCalls} | ${r.invocations} | ${(r.wallMs / 1000).toFixed(1)} s | ${r.peakRssMiB} MiB |`,
    ),
  ];
  return lines.join('\n');
}

if (require.main === module) {
  void manyAccountsRows().then((rows) => {
    process.stdout.write(`${JSON.stringify(rows)}\n${manyAccountsTable(rows)}\n`);
  });
}

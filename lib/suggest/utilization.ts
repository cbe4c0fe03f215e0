/**
 * Reads instances' hourly utilization from CloudWatch for `suggest`: `CPUUtilization` (average)
 * and `NetworkIn` + `NetworkOut` (sums), period one hour, with `GetMetricData`. Calls are as
 * large as the API allows (500 queries, 100,800 datapoints), a few at a time and paced well
 * under the API's rate quota; the SDK's standard retry retries throttled ones.
 */
import {
  CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataQuery,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import type { HourlyUtilization } from './activity-profile';
import { AwsCallError } from '../common/cli-errors';
import { mapLimit } from '../common/map-limit';

/** GetMetricData's limits: queries per call, and datapoints one call returns. */
export const MAX_QUERIES_PER_CALL = 500;
export const MAX_DATAPOINTS_PER_CALL = 100_800;
/** Calls in flight at once, and at most this many started per second (the quota is 50). */
const CONCURRENCY = 4;
const CALLS_PER_SECOND = 20;
const HOUR_MS = 3_600_000;

const METRICS = [
  { key: 'cpu', name: 'CPUUtilization', stat: 'Average' },
  { key: 'in', name: 'NetworkIn', stat: 'Sum' },
  { key: 'out', name: 'NetworkOut', stat: 'Sum' },
] as const;

/** The hours read: from `end` minus `days` days to `end`, both on the hour. */
export interface Period {
  readonly start: Date;
  readonly end: Date;
}

/** The `days` whole days of hours before `now`'s hour. */
export function periodBefore(now: Date, days: number): Period {
  const end = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  return { start: new Date(end - days * 86_400_000), end: new Date(end) };
}

/** Instances per GetMetricData call: three queries each, within both of the API's limits. */
export function instancesPerCall(period: Period): number {
  const hours = Math.ceil((period.end.getTime() - period.start.getTime()) / HOUR_MS);
  const byQueries = Math.floor(MAX_QUERIES_PER_CALL / METRICS.length);
  const byDatapoints = Math.floor(MAX_DATAPOINTS_PER_CALL / (hours * METRICS.length));
  return Math.max(1, Math.min(byQueries, byDatapoints));
}

function queriesOf(instanceIds: readonly string[]): MetricDataQuery[] {
  return instanceIds.flatMap((id, i) =>
    METRICS.map((m) => ({
      Id: `${m.key}${i}`,
      MetricStat: {
        Metric: {
          Namespace: 'AWS/EC2',
          MetricName: m.name,
          Dimensions: [{ Name: 'InstanceId', Value: id }],
        },
        Period: 3600,
        Stat: m.stat,
      },
      ReturnData: true,
    })),
  );
}

type Hours = Map<number, { cpu?: number; in?: number; out?: number }>;

/** One call's queries, all pages of it; the results added to `into` by instance. */
async function readBatch(
  cw: CloudWatchClient,
  instanceIds: readonly string[],
  period: Period,
  into: Map<string, Hours>,
  wait: () => Promise<void>,
): Promise<number> {
  let calls = 0;
  let token: string | undefined;
  do {
    await wait();
    calls++;
    const out = await cw
      .send(
        new GetMetricDataCommand({
          MetricDataQueries: queriesOf(instanceIds),
          StartTime: period.start,
          EndTime: period.end,
          ScanBy: 'TimestampAscending',
          NextToken: token,
        }),
      )
      .catch((err: unknown) => {
        throw AwsCallError.of('GetMetricData', err);
      });
    for (const result of out.MetricDataResults ?? []) addResult(result, instanceIds, into);
    token = out.NextToken;
  } while (token);
  return calls;
}

function addResult(result: MetricDataResult, ids: readonly string[], into: Map<string, Hours>) {
  const m = /^(cpu|in|out)(\d+)$/.exec(result.Id ?? '');
  if (!m) return;
  const key = m[1] as 'cpu' | 'in' | 'out';
  const id = ids[Number(m[2])];
  let hours = into.get(id);
  if (!hours) into.set(id, (hours = new Map()));
  const times = result.Timestamps ?? [];
  (result.Values ?? []).forEach((value, i) => {
    const at = times[i]?.getTime();
    if (at === undefined) return;
    const hour = hours.get(at) ?? {};
    hour[key] = value;
    hours.set(at, hour);
  });
}

/** Starts at most `perSecond` calls a second. */
function pacer(perSecond: number): () => Promise<void> {
  let next = 0;
  return async () => {
    const now = Date.now();
    const at = Math.max(now, next);
    next = at + 1000 / perSecond;
    if (at > now) await new Promise((r) => setTimeout(r, at - now));
  };
}

/** One instance's hours, in time order, from what its batch read. */
function hoursOf(hours: Hours | undefined): HourlyUtilization[] {
  return [...(hours ?? new Map()).entries()]
    .sort(([a], [b]) => a - b)
    .map(([at, h]) => ({
      at,
      ...(h.cpu === undefined ? {} : { cpu: h.cpu }),
      ...(h.in === undefined && h.out === undefined ? {} : { network: (h.in ?? 0) + (h.out ?? 0) }),
    }));
}

/**
 * Reads each instance's hourly utilization over `period` and hands it to `onInstance` (in time
 * order; empty when CloudWatch has no datapoint of it) as soon as its batch is read, so that only
 * the batches in flight are held in memory. Resolves to the number of calls made.
 * @throws AwsCallError when a call fails after the SDK's retries
 */
export async function readUtilization(
  cw: CloudWatchClient,
  instanceIds: readonly string[],
  period: Period,
  onInstance: (instanceId: string, hours: HourlyUtilization[]) => void,
): Promise<number> {
  const size = instancesPerCall(period);
  const batches: string[][] = [];
  for (let i = 0; i < instanceIds.length; i += size) batches.push(instanceIds.slice(i, i + size));
  const wait = pacer(CALLS_PER_SECOND);
  const calls = await mapLimit(batches, CONCURRENCY, async (batch) => {
    const hours = new Map<string, Hours>();
    const n = await readBatch(cw, batch, period, hours, wait);
    for (const id of batch) onInstance(id, hoursOf(hours.get(id)));
    return n;
  });
  return calls.reduce((a, b) => a + b, 0);
}

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

/**
 * One batch's datapoints, as they arrive: a value per metric and hour of the period for each
 * instance (typed arrays, and a bit per metric saying it came), not an object per hour. A
 * datapoint off the hourly grid (CloudWatch answers on the grid of StartTime and Period) is kept
 * apart with its exact time, and merged in by time when the instance's hours are read.
 */
class BatchHours {
  private readonly hours: number;
  private readonly start: number;
  private readonly values: Record<MetricKey, Float64Array>;
  private readonly present: Uint8Array;
  private readonly offGrid = new Map<number, Map<number, Partial<Record<MetricKey, number>>>>();

  constructor(instances: number, period: Period) {
    this.start = period.start.getTime();
    this.hours = Math.max(0, Math.ceil((period.end.getTime() - this.start) / HOUR_MS));
    const size = instances * this.hours;
    this.values = {
      cpu: new Float64Array(size),
      in: new Float64Array(size),
      out: new Float64Array(size),
    };
    this.present = new Uint8Array(size);
  }

  /** One query's result (its Id names the metric and the instance's index in the batch). */
  add(result: MetricDataResult): void {
    const m = /^(cpu|in|out)(\d+)$/.exec(result.Id ?? '');
    if (!m) return;
    const key = m[1] as MetricKey;
    const instance = Number(m[2]);
    const bit = BIT[key];
    const times = result.Timestamps ?? [];
    (result.Values ?? []).forEach((value, i) => {
      const at = times[i]?.getTime();
      if (at === undefined) return;
      const hour = (at - this.start) / HOUR_MS;
      if (Number.isInteger(hour) && hour >= 0 && hour < this.hours) {
        const cell = instance * this.hours + hour;
        this.values[key][cell] = value;
        this.present[cell] |= bit;
      } else {
        let extra = this.offGrid.get(instance);
        if (!extra) this.offGrid.set(instance, (extra = new Map()));
        extra.set(at, { ...extra.get(at), [key]: value });
      }
    });
  }

  /** The hours of the batch's `instance`-th instance, in time order. */
  of(instance: number): HourlyUtilization[] {
    const out: HourlyUtilization[] = [];
    const { cpu, in: netIn, out: netOut } = this.values;
    const base = instance * this.hours;
    for (let hour = 0; hour < this.hours; hour++) {
      const k = base + hour;
      const bits = this.present[k];
      if (bits === 0) continue;
      out.push(
        utilization(
          this.start + hour * HOUR_MS,
          bits & BIT.cpu ? cpu[k] : undefined,
          bits & BIT.in ? netIn[k] : undefined,
          bits & BIT.out ? netOut[k] : undefined,
        ),
      );
    }
    const extra = this.offGrid.get(instance);
    if (!extra) return out;
    const odd = [...extra].map(([at, h]) => utilization(at, h.cpu, h.in, h.out));
    return [...out, ...odd].sort((a, b) => a.at - b.at);
  }
}

type MetricKey = (typeof METRICS)[number]['key'];
const BIT: Record<MetricKey, number> = { cpu: 1, in: 2, out: 4 };

/** An hour's utilization: CPU when it came, network (in + out) when either came. */
function utilization(
  at: number,
  cpu: number | undefined,
  netIn: number | undefined,
  netOut: number | undefined,
): HourlyUtilization {
  const network =
    netIn === undefined && netOut === undefined ? undefined : (netIn ?? 0) + (netOut ?? 0);
  if (cpu === undefined) return network === undefined ? { at } : { at, network };
  return network === undefined ? { at, cpu } : { at, cpu, network };
}

/** One call's queries, all pages of it; the results added to `into`. */
async function readBatch(
  cw: CloudWatchClient,
  instanceIds: readonly string[],
  period: Period,
  into: BatchHours,
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
    for (const result of out.MetricDataResults ?? []) into.add(result);
    token = out.NextToken;
  } while (token);
  return calls;
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
    const hours = new BatchHours(batch.length, period);
    const n = await readBatch(cw, batch, period, hours, wait);
    batch.forEach((id, k) => onInstance(id, hours.of(k)));
    return n;
  });
  return calls.reduce((a, b) => a + b, 0);
}

/**
 * The metric store behind the loopback CloudWatch (`cloudwatch-endpoint.ts`): EC2's basic
 * monitoring of each instance, read from an hourly data source. Each hour with data holds twelve
 * five-minute samples (as basic monitoring publishes): CPUUtilization at the hour's average
 * percent, NetworkIn / NetworkOut at a twelfth of the hour's bytes. So with Period 3600 on whole
 * hours, Average CPUUtilization and Sum NetworkIn/Out are the source's values exactly.
 *
 * Period buckets start at multiples of the period since the epoch, the first at or after
 * StartTime (rounded down as CloudWatch documents: to the minute under 15 days ago, to 5 minutes
 * under 63 days, else to the hour); each bucket holding no sample has no datapoint. Samples older
 * than the retention of the period's resolution (15 days for periods not a multiple of 300,
 * 63 days for those not a multiple of 3600, else 455 days) are gone, as in CloudWatch.
 */

/** One hour of an instance: CPU percent averaged over the hour, network bytes summed over it. */
export interface HourlyUtilization {
  readonly cpu: number;
  readonly networkIn: number;
  readonly networkOut: number;
}

/** Hourly data of an instance; undefined: no datapoint that hour (stopped, not yet launched). */
export type UtilizationSource = (
  instanceId: string,
  hourStart: Date,
) => HourlyUtilization | undefined;

export const EC2_NAMESPACE = 'AWS/EC2';

const METRICS = {
  CPUUtilization: { field: 'cpu', perSample: (v: number) => v, unit: 'Percent' },
  NetworkIn: { field: 'networkIn', perSample: (v: number) => v / 12, unit: 'Bytes' },
  NetworkOut: { field: 'networkOut', perSample: (v: number) => v / 12, unit: 'Bytes' },
} as const;

export const STATISTICS = ['Average', 'Sum', 'Minimum', 'Maximum', 'SampleCount'] as const;
export type Statistic = (typeof STATISTICS)[number];

const MINUTE = 60_000;
const FIVE_MINUTES = 5 * MINUTE;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The statistics of the samples in one period bucket. */
export interface BucketStats {
  readonly Average: number;
  readonly Sum: number;
  readonly Minimum: number;
  readonly Maximum: number;
  readonly SampleCount: number;
}

/** A metric of one instance, as a query names it. */
export interface MetricRef {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: readonly { readonly Name?: string; readonly Value?: string }[];
}

export interface Datapoint {
  /** Bucket start, epoch ms. */
  readonly at: number;
  readonly stats: BucketStats;
}

/** StartTime rounded down as CloudWatch documents, by its age at `now` (epoch ms). */
export function roundStart(start: number, now: number): number {
  const age = now - start;
  const step = age < 15 * DAY ? MINUTE : age < 63 * DAY ? FIVE_MINUTES : HOUR;
  return Math.floor(start / step) * step;
}

/** The bucket starts of [start, end) for a period in seconds (`start` already rounded). */
export function bucketStarts(start: number, end: number, periodSeconds: number): number[] {
  const p = periodSeconds * 1000;
  const out: number[] = [];
  for (let t = Math.ceil(start / p) * p; t < end; t += p) out.push(t);
  return out;
}

/** Number of buckets in [start, end), without listing them. */
export function bucketCount(start: number, end: number, periodSeconds: number): number {
  const p = periodSeconds * 1000;
  const first = Math.ceil(start / p) * p;
  return first >= end ? 0 : Math.ceil((end - first) / p);
}

/** How long samples stay for a period (seconds), as CloudWatch keeps its resolutions. */
function retentionMs(periodSeconds: number): number {
  if (periodSeconds % 3600 === 0) return 455 * DAY;
  if (periodSeconds % 300 === 0) return 63 * DAY;
  return 15 * DAY;
}

/** The instance a metric reference names, when it is one of the EC2 metrics served. */
function instanceOf(ref: MetricRef): { id: string; metric: keyof typeof METRICS } | undefined {
  if (ref.namespace !== EC2_NAMESPACE || !(ref.metricName in METRICS)) return undefined;
  if (ref.dimensions.length !== 1 || ref.dimensions[0].Name !== 'InstanceId') return undefined;
  const id = ref.dimensions[0].Value;
  return id ? { id, metric: ref.metricName as keyof typeof METRICS } : undefined;
}

/** The unit CloudWatch reports for a metric (None for metrics it has no data of). */
export function unitOf(ref: MetricRef): string {
  const found = instanceOf(ref);
  return found ? METRICS[found.metric].unit : 'None';
}

/**
 * The datapoints of a metric in each bucket of [start, end) (`start` rounded), in time order;
 * buckets without samples are left out. Unknown metrics and instances have none.
 */
export function datapoints(
  source: UtilizationSource,
  ref: MetricRef,
  range: { start: number; end: number; periodSeconds: number; now: number },
): Datapoint[] {
  const found = instanceOf(ref);
  if (!found) return [];
  const { field, perSample } = METRICS[found.metric];
  const oldest = range.now - retentionMs(range.periodSeconds);
  const hours = new Map<number, number | undefined>();
  const hourValue = (hour: number): number | undefined => {
    if (!hours.has(hour)) hours.set(hour, source(found.id, new Date(hour))?.[field]);
    return hours.get(hour);
  };
  const out: Datapoint[] = [];
  const p = range.periodSeconds * 1000;
  for (const at of bucketStarts(range.start, range.end, range.periodSeconds)) {
    const bucketEnd = Math.min(at + p, range.end);
    const from = Math.max(at, oldest);
    let count = 0;
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let hour = Math.floor(from / HOUR) * HOUR; hour < bucketEnd; hour += HOUR) {
      const value = hourValue(hour);
      if (value === undefined) continue;
      // Five-minute samples at hour + 5k minutes that fall in [from, bucketEnd).
      const first = Math.max(hour, Math.ceil(from / FIVE_MINUTES) * FIVE_MINUTES);
      const last = Math.min(hour + HOUR, bucketEnd);
      const n = first < last ? Math.ceil((last - first) / FIVE_MINUTES) : 0;
      if (n === 0) continue;
      const v = perSample(value);
      count += n;
      sum += n * v;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    if (count > 0) {
      out.push({
        at,
        stats: { Average: sum / count, Sum: sum, Minimum: min, Maximum: max, SampleCount: count },
      });
    }
  }
  return out;
}

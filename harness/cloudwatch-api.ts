/**
 * CloudWatch's GetMetricData and GetMetricStatistics as the loopback fake answers them: the
 * requests' validation (with CloudWatch's error codes), the datapoint limits, and GetMetricData's
 * pagination. Bodies are the awsJson1_0 shapes `@aws-sdk/client-cloudwatch` sends (timestamps in
 * epoch seconds). Metric math, Metrics Insights queries and percentile statistics are not served:
 * they answer InvalidParameterValue naming the fake.
 */
import { createHash } from 'node:crypto';
import { AwsJsonError } from './aws-json';
import {
  bucketCount,
  datapoints,
  roundStart,
  STATISTICS,
  unitOf,
  type MetricRef,
  type Statistic,
  type UtilizationSource,
} from './cloudwatch-metrics';

/** GetMetricData: queries per call, and datapoints per call (the MaxDatapoints default). */
export const MAX_METRIC_DATA_QUERIES = 500;
export const MAX_DATAPOINTS_PER_CALL = 100_800;
/** GetMetricStatistics: datapoints per call. */
export const MAX_STATISTICS_DATAPOINTS = 1_440;

const ID_PATTERN = /^[a-z][a-zA-Z0-9_]*$/;

type Body = Record<string, unknown>;

/** What an answer carries besides its body, for the call log. */
export interface Answer {
  readonly payload: unknown;
  readonly queries: number;
  readonly datapoints: number;
}

const invalid = (message: string) =>
  new AwsJsonError('InvalidParameterValueException', message, 400, 'InvalidParameterValue');
const combination = (message: string) =>
  new AwsJsonError(
    'InvalidParameterCombinationException',
    message,
    400,
    'InvalidParameterCombination',
  );
const missing = (name: string) =>
  new AwsJsonError(
    'MissingRequiredParameterException',
    `The parameter ${name} is required.`,
    400,
    'MissingParameter',
  );

/** Epoch ms of a JSON timestamp (epoch seconds, or an ISO string). */
function time(body: Body, name: string): number {
  const v = body[name];
  if (v === undefined || v === null) throw missing(name);
  const ms = typeof v === 'number' ? v * 1000 : Date.parse(String(v));
  if (!Number.isFinite(ms)) throw invalid(`The parameter ${name} must be a timestamp.`);
  return ms;
}

function timeRange(body: Body, now: number): { start: number; end: number } {
  const start = time(body, 'StartTime');
  const end = time(body, 'EndTime');
  if (start >= end) {
    throw invalid('The parameter StartTime must be less than the parameter EndTime.');
  }
  return { start: roundStart(start, now), end };
}

function period(value: unknown, name: string): number {
  if (value === undefined) throw missing(name);
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value % 60 !== 0) {
    throw invalid(`The parameter ${name} must be a multiple of 60.`);
  }
  return value;
}

function statistic(value: unknown, name: string): Statistic {
  if (typeof value === 'string' && (STATISTICS as readonly string[]).includes(value)) {
    return value as Statistic;
  }
  throw invalid(
    `The value ${String(value)} for parameter ${name} is not supported by this fake; use one of ${STATISTICS.join(', ')}.`,
  );
}

function metricRef(metric: Body | undefined, prefix: string): MetricRef {
  if (!metric?.MetricName) throw missing(`${prefix}.MetricName`);
  if (!metric.Namespace) throw missing(`${prefix}.Namespace`);
  return {
    namespace: String(metric.Namespace),
    metricName: String(metric.MetricName),
    dimensions: (metric.Dimensions as MetricRef['dimensions'] | undefined) ?? [],
  };
}

interface Query {
  readonly id: string;
  readonly label: string;
  readonly returnData: boolean;
  readonly ref: MetricRef;
  readonly periodSeconds: number;
  readonly stat: Statistic;
}

function decodeQueries(body: Body): Query[] {
  const raw = body.MetricDataQueries;
  if (!Array.isArray(raw) || raw.length === 0) throw missing('MetricDataQueries');
  if (raw.length > MAX_METRIC_DATA_QUERIES) {
    throw invalid(
      `The collection MetricDataQueries must not have a size greater than ${MAX_METRIC_DATA_QUERIES}.`,
    );
  }
  const seen = new Set<string>();
  return (raw as Body[]).map((q, i) => {
    const prefix = `MetricDataQueries.member.${i + 1}`;
    const id = String(q.Id ?? '');
    if (!ID_PATTERN.test(id)) {
      throw invalid(
        `The value ${id} for parameter ${prefix}.Id is not valid: it must start with a lowercase letter and contain only letters, numbers and underscores.`,
      );
    }
    if (seen.has(id))
      throw invalid('The values for parameter id in MetricDataQueries are not unique.');
    seen.add(id);
    if (q.Expression !== undefined) {
      throw invalid(
        `${prefix}.Expression: metric math and Metrics Insights are not served by this fake.`,
      );
    }
    const stat = q.MetricStat as Body | undefined;
    if (!stat)
      throw combination(`${prefix}: exactly one of MetricStat and Expression must be given.`);
    const ref = metricRef(stat.Metric as Body | undefined, `${prefix}.MetricStat.Metric`);
    return {
      id,
      label: typeof q.Label === 'string' ? q.Label : ref.metricName,
      returnData: q.ReturnData !== false,
      ref,
      periodSeconds: period(stat.Period, `${prefix}.MetricStat.Period`),
      stat: statistic(stat.Stat, `${prefix}.MetricStat.Stat`),
    };
  });
}

/** A token naming the request (without its NextToken) and where the next page starts. */
function requestHash(body: Body): string {
  const rest = { ...body };
  delete rest.NextToken;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 16);
}

function readToken(body: Body): { query: number; offset: number } {
  if (body.NextToken === undefined) return { query: 0, offset: 0 };
  try {
    const t = JSON.parse(Buffer.from(String(body.NextToken), 'base64url').toString('utf8'));
    if (t.h === requestHash(body) && Number.isInteger(t.q) && Number.isInteger(t.o)) {
      return { query: t.q, offset: t.o };
    }
  } catch {
    // answered below
  }
  throw new AwsJsonError(
    'InvalidNextToken',
    'The service couldn\u2019t process the NextToken.',
    400,
    'InvalidNextToken',
  );
}

/** GetMetricData: up to MaxDatapoints (default 100,800) datapoints, then a NextToken. */
export function getMetricData(source: UtilizationSource, body: Body, now: number): Answer {
  const queries = decodeQueries(body);
  const { start, end } = timeRange(body, now);
  const scanBy = body.ScanBy ?? 'TimestampDescending';
  if (scanBy !== 'TimestampDescending' && scanBy !== 'TimestampAscending') {
    throw invalid(`The value ${String(scanBy)} for parameter ScanBy is not valid.`);
  }
  const max = body.MaxDatapoints ?? MAX_DATAPOINTS_PER_CALL;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) {
    throw invalid('The parameter MaxDatapoints must be a positive integer.');
  }
  let budget = Math.min(max, MAX_DATAPOINTS_PER_CALL);
  const from = readToken(body);
  let next: { q: number; o: number } | undefined;
  let returned = 0;
  const results: Body[] = [];
  queries.forEach((q, i) => {
    if (!q.returnData) return;
    const points = datapoints(source, q.ref, { start, end, periodSeconds: q.periodSeconds, now });
    if (scanBy === 'TimestampDescending') points.reverse();
    const offset = i < from.query ? points.length : i === from.query ? from.offset : 0;
    const page = next ? [] : points.slice(offset, offset + budget);
    budget -= page.length;
    returned += page.length;
    const more = offset + page.length < points.length;
    if (more && !next) next = { q: i, o: offset + page.length };
    results.push({
      Id: q.id,
      Label: q.label,
      Timestamps: page.map((p) => p.at / 1000),
      Values: page.map((p) => p.stats[q.stat]),
      StatusCode: more ? 'PartialData' : 'Complete',
    });
  });
  const token = next
    ? Buffer.from(JSON.stringify({ ...next, h: requestHash(body) })).toString('base64url')
    : undefined;
  return {
    payload: { MetricDataResults: results, Messages: [], ...(token ? { NextToken: token } : {}) },
    queries: queries.length,
    datapoints: returned,
  };
}

/** GetMetricStatistics: one metric, at most 1,440 datapoints, in no particular order. */
export function getMetricStatistics(source: UtilizationSource, body: Body, now: number): Answer {
  const ref = metricRef(body, '');
  const periodSeconds = period(body.Period, 'Period');
  const { start, end } = timeRange(body, now);
  const raw = body.Statistics;
  if (body.ExtendedStatistics !== undefined) {
    throw invalid('ExtendedStatistics (percentiles) are not served by this fake.');
  }
  if (!Array.isArray(raw) || raw.length === 0) {
    throw combination(
      'At least one of the parameters Statistics and ExtendedStatistics must be specified.',
    );
  }
  const stats = raw.map((s, i) => statistic(s, `Statistics.member.${i + 1}`));
  const requested = bucketCount(start, end, periodSeconds);
  if (requested > MAX_STATISTICS_DATAPOINTS) {
    throw combination(
      `You have requested up to ${requested} datapoints, which exceeds the limit of ${MAX_STATISTICS_DATAPOINTS}. You may reduce the datapoints requested by increasing Period, or decreasing the time range.`,
    );
  }
  const unit = unitOf(ref);
  const points = datapoints(source, ref, { start, end, periodSeconds, now });
  // "GetMetricStatistics does not return the data in chronological order": a fixed shuffle.
  // Each key hashed once (not per comparison: that was ~10 ms a call at 336 datapoints).
  const order = new Map(
    points.map((p) => [p.at, createHash('md5').update(String(p.at)).digest().readUInt32BE(0)]),
  );
  points.sort((a, b) => (order.get(a.at) as number) - (order.get(b.at) as number));
  return {
    payload: {
      Label: ref.metricName,
      Datapoints: points.map((p) => ({
        Timestamp: p.at / 1000,
        ...Object.fromEntries(stats.map((s) => [s, p.stats[s]])),
        Unit: unit,
      })),
    },
    queries: 1,
    datapoints: points.length,
  };
}

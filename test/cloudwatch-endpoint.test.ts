import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import {
  CloudWatchClient,
  CloudWatchServiceException,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  type CloudWatchClientConfig,
  type MetricDataQuery,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import {
  MAX_DATAPOINTS_PER_CALL,
  startCloudWatchEndpoint,
  type CloudWatchEndpoint,
} from '../harness/cloudwatch-endpoint';
import {
  alwaysBusy,
  alwaysIdle,
  launchedAt,
  localWeekHour,
  nightBatch,
  officeHours,
  profileByInstance,
  withGaps,
  type UtilizationSource,
} from '../harness/utilization-profiles';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.parse('2026-04-10T12:00:00Z');
const A = 'i-0000000000000000a';
const B = 'i-0000000000000000b';

const source: UtilizationSource = profileByInstance({
  [A]: officeHours('Europe/Berlin', 'a'),
  [B]: launchedAt(nightBatch('Europe/Berlin', 'b'), new Date('2026-03-30T10:20:00Z')),
});

let ep: CloudWatchEndpoint;
const clients: CloudWatchClient[] = [];

function client(extra: Partial<CloudWatchClientConfig> = {}): CloudWatchClient {
  const c = new CloudWatchClient({
    endpoint: ep.url,
    region: 'eu-central-1',
    credentials: { accessKeyId: 'AKIAFAKEFAKEFAKEFAKE', secretAccessKey: 'fake-secret' },
    ...extra,
  });
  clients.push(c);
  return c;
}

async function failure(p: Promise<unknown>): Promise<CloudWatchServiceException> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CloudWatchServiceException) return e;
    throw e;
  }
  throw new Error('expected the call to fail');
}

const METRICS = [
  ['CPUUtilization', 'Average', 'cpu'],
  ['NetworkIn', 'Sum', 'networkIn'],
  ['NetworkOut', 'Sum', 'networkOut'],
] as const;

function query(id: string, instanceId: string, metric: string, stat: string): MetricDataQuery {
  return {
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/EC2',
        MetricName: metric,
        Dimensions: [{ Name: 'InstanceId', Value: instanceId }],
      },
      Period: 3600,
      Stat: stat,
    },
  };
}

/** What the source says for each hour of [start, end) that has data. */
function expected(
  id: string,
  field: 'cpu' | 'networkIn' | 'networkOut',
  start: number,
  end: number,
) {
  const out: { at: number; value: number }[] = [];
  for (let t = start; t < end; t += HOUR) {
    const u = source(id, new Date(t));
    if (u) out.push({ at: t, value: u[field] });
  }
  return out;
}

function pairs(r: MetricDataResult) {
  return (r.Timestamps ?? []).map((t, i) => ({ at: t.getTime(), value: r.Values![i] }));
}

beforeAll(async () => {
  ep = await startCloudWatchEndpoint({ utilizationOf: source, now: () => NOW });
});

beforeEach(() => {
  ep.reset();
  ep.setLimits(false);
  ep.utilizationOf = source;
});

afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
});

afterAll(async () => {
  await ep.close();
});

describe('GetMetricData', () => {
  const start = Date.parse('2026-03-28T00:00:00Z');
  const end = Date.parse('2026-04-01T00:00:00Z');

  test('two instances, three metrics: the hourly values at their hours, newest first', async () => {
    const queries = [A, B].flatMap((id, n) =>
      METRICS.map(([metric, stat], m) => query(`q${n}_${m}`, id, metric, stat)),
    );
    const out = await client().send(
      new GetMetricDataCommand({
        MetricDataQueries: queries,
        StartTime: new Date(start),
        EndTime: new Date(end),
      }),
    );
    expect(out.NextToken).toBeUndefined();
    expect(out.MetricDataResults).toHaveLength(6);
    [A, B].forEach((id, n) =>
      METRICS.forEach(([metric, , field], m) => {
        const r = out.MetricDataResults!.find((x) => x.Id === `q${n}_${m}`)!;
        expect(r.Label).toBe(metric);
        expect(r.StatusCode).toBe('Complete');
        // ScanBy defaults to TimestampDescending.
        expect(pairs(r)).toEqual(expected(id, field, start, end).reverse());
      }),
    );
    // B was launched at 10:20 on 30 March: no datapoint before that hour.
    const bCpu = pairs(out.MetricDataResults!.find((x) => x.Id === 'q1_0')!);
    expect(Math.min(...bCpu.map((p) => p.at))).toBe(Date.parse('2026-03-30T10:00:00Z'));
    expect(ep.calls).toEqual([
      expect.objectContaining({
        operation: 'GetMetricData',
        queries: 6,
        datapoints: 3 * 96 + (3 * (end - Date.parse('2026-03-30T10:00:00Z'))) / HOUR,
        status: 200,
        region: 'eu-central-1',
      }),
    ]);
  });

  test('an unknown instance has no datapoints and is Complete', async () => {
    const out = await client().send(
      new GetMetricDataCommand({
        MetricDataQueries: [query('x', 'i-0ffffffffffffffff', 'CPUUtilization', 'Average')],
        StartTime: new Date(start),
        EndTime: new Date(end),
        ScanBy: 'TimestampAscending',
      }),
    );
    expect(out.MetricDataResults).toEqual([
      expect.objectContaining({ Id: 'x', Timestamps: [], Values: [], StatusCode: 'Complete' }),
    ]);
  });

  test('501 queries answer InvalidParameterValue', async () => {
    const queries = Array.from({ length: 501 }, (_, i) =>
      query(`q${i}`, A, 'CPUUtilization', 'Average'),
    );
    const err = await failure(
      client().send(
        new GetMetricDataCommand({
          MetricDataQueries: queries,
          StartTime: new Date(start),
          EndTime: new Date(end),
        }),
      ),
    );
    expect(err.name).toBe('InvalidParameterValueException');
    expect((err as unknown as { Code: string }).Code).toBe('InvalidParameterValue');
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(err.message).toBe(
      'The collection MetricDataQueries must not have a size greater than 500.',
    );
    expect(ep.calls[0]).toMatchObject({
      queries: 501,
      status: 400,
      errorCode: 'InvalidParameterValue',
    });
  });

  test.each<[string, Partial<MetricDataQuery>[], number, number, RegExp]>([
    ['an Id not starting with a lowercase letter', [{ Id: 'Cpu' }], 0, DAY, /Id is not valid/],
    ['an Id with a dash', [{ Id: 'cpu-a' }], 0, DAY, /Id is not valid/],
    ['two queries with one Id', [{ Id: 'a' }, { Id: 'a' }], 0, DAY, /are not unique/],
    ['a period not a multiple of 60', [{ Id: 'a', Period: 90 } as never], 0, DAY, /multiple of 60/],
    ['StartTime after EndTime', [{ Id: 'a' }], DAY, 0, /StartTime must be less than/],
  ])('%s answers InvalidParameterValue', async (_name, patches, from, to, message) => {
    const queries = patches.map((p) => {
      const q = query(p.Id!, A, 'CPUUtilization', 'Average');
      const period = (p as { Period?: number }).Period;
      return period ? { ...q, MetricStat: { ...q.MetricStat!, Period: period } } : q;
    });
    const err = await failure(
      client().send(
        new GetMetricDataCommand({
          MetricDataQueries: queries,
          StartTime: new Date(start + from),
          EndTime: new Date(start + to),
        }),
      ),
    );
    expect((err as unknown as { Code: string }).Code).toBe('InvalidParameterValue');
    expect(err.message).toMatch(message);
  });

  test('more than 100,800 datapoints: NextToken pages return each exactly once', async () => {
    ep.utilizationOf = alwaysIdle('many');
    const ids = Array.from({ length: 70 }, (_, i) => `i-${(i + 1).toString(16).padStart(17, '0')}`);
    const input = {
      MetricDataQueries: ids.map((id, i) => query(`m${i}`, id, 'NetworkIn', 'Sum')),
      StartTime: new Date(NOW - 63 * DAY),
      EndTime: new Date(NOW),
    };
    const seen = new Map<string, number[]>();
    let token: string | undefined;
    let pages = 0;
    do {
      const out = await client().send(new GetMetricDataCommand({ ...input, NextToken: token }));
      for (const r of out.MetricDataResults ?? []) {
        seen.set(r.Id!, [...(seen.get(r.Id!) ?? []), ...r.Timestamps!.map((t) => t.getTime())]);
      }
      token = out.NextToken;
      pages++;
    } while (token);
    expect(pages).toBe(2);
    expect(ep.calls.map((c) => c.datapoints)).toEqual([
      MAX_DATAPOINTS_PER_CALL,
      70 * 63 * 24 - MAX_DATAPOINTS_PER_CALL,
    ]);
    for (const [, times] of seen) {
      expect(times).toHaveLength(63 * 24);
      expect(new Set(times).size).toBe(63 * 24);
    }
  });
});

describe('rate limits and faults', () => {
  const input = () =>
    new GetMetricDataCommand({
      MetricDataQueries: [query('a', A, 'CPUUtilization', 'Average')],
      StartTime: new Date('2026-03-30T00:00:00Z'),
      EndTime: new Date('2026-03-31T00:00:00Z'),
    });

  test('Throttling is retried by the standard retry strategy and recorded', async () => {
    ep.throttleNext(2, 'GetMetricData');
    const out = await client({ maxAttempts: 3 }).send(input());
    expect(out.MetricDataResults![0].Values).toHaveLength(24);
    expect(out.$metadata.attempts).toBe(3);
    expect(ep.calls.map((c) => c.errorCode ?? c.status)).toEqual(['Throttling', 'Throttling', 200]);
    expect(ep.throttledCount('GetMetricData')).toBe(2);
  });

  test('Throttling as the SDK sees it: HTTP 400, code Throttling, "Rate exceeded"', async () => {
    ep.throttleNext(1);
    const err = await failure(client({ maxAttempts: 1 }).send(input()));
    // An unmodeled error: the SDK names it by its Query code, one its retry strategy knows.
    expect(err.name).toBe('Throttling');
    expect((err as unknown as { Code: string }).Code).toBe('Throttling');
    expect(err.message).toBe('Rate exceeded');
    expect(err.$metadata.httpStatusCode).toBe(400);
  });

  test("GetMetricData's 50 TPS bucket throttles a burst of 80 calls; retries get them all through", async () => {
    // The bucket holds 50 calls; it refills at a fifth of the rate so that the burst outruns the
    // refill however busy the machine is (at the full rate, a loaded machine sends the 80 calls
    // slower than the bucket refills, and none is throttled).
    ep.setLimits({ timeScale: 0.2 });
    // Backoff 1 s, 2 s, 3 s...: the bucket refills 10 calls a second, so the ~30 throttled calls
    // get through in two rounds, well inside the retry quota (500 tokens, 5 a retry). The
    // standard strategy's random backoff (0 to 0.5 s, doubling) could spend every attempt before
    // the bucket refilled, and failed one of two full-suite runs in CI.
    const c = client({
      retryStrategy: new ConfiguredRetryStrategy(6, (attempt) => attempt * 1000),
    });
    const outs = await Promise.all(Array.from({ length: 80 }, () => c.send(input())));
    expect(outs.every((o) => o.MetricDataResults![0].Values!.length === 24)).toBe(true);
    expect(ep.throttledCount()).toBeGreaterThanOrEqual(5);
    expect(ep.calls.filter((x) => x.status === 200)).toHaveLength(80);
  });

  test('denyAccess answers AccessDenied (403) for every operation', async () => {
    ep.denyAccess = true;
    const err = await failure(client({ maxAttempts: 1 }).send(input()));
    expect((err as unknown as { Code: string }).Code).toBe('AccessDenied');
    expect(err.$metadata.httpStatusCode).toBe(403);
    expect(err.message).toMatch(/not authorized to perform: cloudwatch:GetMetricData/);
    const stats = await failure(
      client({ maxAttempts: 1 }).send(
        new GetMetricStatisticsCommand({
          Namespace: 'AWS/EC2',
          MetricName: 'CPUUtilization',
          StartTime: new Date(0),
          EndTime: new Date(HOUR),
          Period: 3600,
          Statistics: ['Average'],
        }),
      ),
    );
    expect((stats as unknown as { Code: string }).Code).toBe('AccessDenied');
  });

  test("a signature not scoped to 'monitoring' is refused", async () => {
    const res = await fetch(ep.url, {
      method: 'POST',
      headers: {
        'x-amz-target': 'GraniteServiceVersion20100801.GetMetricData',
        'content-type': 'application/x-amz-json-1.0',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIAFAKE/20260401/eu-central-1/cloudwatch/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: '{}',
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual(
      expect.objectContaining({
        message: expect.stringMatching(/scoped to correct service: 'monitoring'/),
      }),
    );
  });
});

describe('GetMetricStatistics', () => {
  const start = Date.parse('2026-03-30T00:00:00Z');
  const end = Date.parse('2026-04-02T00:00:00Z');

  test.each(METRICS)(
    '%s (%s) gives the same values as GetMetricData',
    async (metric, stat, field) => {
      const out = await client().send(
        new GetMetricStatisticsCommand({
          Namespace: 'AWS/EC2',
          MetricName: metric,
          Dimensions: [{ Name: 'InstanceId', Value: A }],
          StartTime: new Date(start),
          EndTime: new Date(end),
          Period: 3600,
          Statistics: [stat],
        }),
      );
      const got = (out.Datapoints ?? [])
        .map((d) => ({ at: d.Timestamp!.getTime(), value: d[stat] }))
        .sort((x, y) => x.at - y.at);
      expect(got).toEqual(expected(A, field, start, end));
      expect(out.Datapoints![0].Unit).toBe(metric === 'CPUUtilization' ? 'Percent' : 'Bytes');
      expect(ep.calls[0]).toMatchObject({
        operation: 'GetMetricStatistics',
        queries: 1,
        datapoints: 72,
      });
    },
  );

  test('more than 1,440 datapoints answer InvalidParameterCombination', async () => {
    const err = await failure(
      client().send(
        new GetMetricStatisticsCommand({
          Namespace: 'AWS/EC2',
          MetricName: 'CPUUtilization',
          Dimensions: [{ Name: 'InstanceId', Value: A }],
          StartTime: new Date(start),
          EndTime: new Date(start + 61 * DAY),
          Period: 3600,
          Statistics: ['Average'],
        }),
      ),
    );
    expect((err as unknown as { Code: string }).Code).toBe('InvalidParameterCombination');
    expect(err.message).toBe(
      'You have requested up to 1464 datapoints, which exceeds the limit of 1440. You may reduce the datapoints requested by increasing Period, or decreasing the time range.',
    );
  });
});

describe('utilization profiles', () => {
  /** The UTC hours of a day that a profile makes busy (cpu of 30 % or more). */
  const busyUtcHours = (p: UtilizationSource, day: string) =>
    Array.from({ length: 24 }, (_, h) => h).filter(
      (h) => (p('i-x', new Date(Date.parse(`${day}T00:00:00Z`) + h * HOUR))?.cpu ?? 0) >= 30,
    );
  const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

  test('officeHours in Berlin: local 08:00-18:00 on weekdays, across the end of March 2026 DST change', () => {
    const p = officeHours('Europe/Berlin');
    expect(busyUtcHours(p, '2026-03-27')).toEqual(range(7, 17)); // Friday, CET (UTC+1)
    expect(busyUtcHours(p, '2026-03-28')).toEqual([]); // Saturday
    expect(busyUtcHours(p, '2026-03-29')).toEqual([]); // Sunday: clocks go forward
    expect(busyUtcHours(p, '2026-03-30')).toEqual(range(6, 16)); // Monday, CEST (UTC+2)
    expect(busyUtcHours(p, '2026-10-23')).toEqual(range(6, 16)); // Friday, CEST
    expect(busyUtcHours(p, '2026-10-26')).toEqual(range(7, 17)); // Monday after it ends, CET
  });

  test('nightBatch: local 01:00-04:00 every day; alwaysBusy and alwaysIdle', () => {
    expect(busyUtcHours(nightBatch('Europe/Berlin'), '2026-03-28')).toEqual([0, 1, 2]);
    expect(busyUtcHours(nightBatch('Europe/Berlin'), '2026-03-30')).toEqual([0, 1, 23]); // CEST: local 01:00 is 23:00 UTC the day before
    expect(busyUtcHours(alwaysBusy(), '2026-03-28')).toEqual(range(0, 24));
    expect(busyUtcHours(alwaysIdle(), '2026-03-28')).toEqual([]);
  });

  test('withGaps drops whole days and hours yet leaves every week-hour in any 14 days', () => {
    const p = withGaps(officeHours(), { seed: 7 });
    for (const startDay of [0, 3, 5]) {
      const start = Date.parse('2026-03-02T00:00:00Z') + startDay * DAY;
      const seen = new Set<string>();
      let missing = 0;
      for (let t = start; t < start + 14 * DAY; t += HOUR) {
        if (p('i-x', new Date(t)) === undefined) missing++;
        else {
          const { weekday, hour } = localWeekHour('Europe/Berlin', new Date(t));
          seen.add(`${weekday} ${hour}`);
        }
      }
      expect(seen.size).toBe(168);
      expect(missing).toBeGreaterThan(24);
    }
  });

  test('profiles are deterministic and differ between instances', () => {
    const at = new Date('2026-03-30T09:00:00Z');
    expect(officeHours()('i-1', at)).toEqual(officeHours()('i-1', at));
    expect(officeHours()('i-1', at)).not.toEqual(officeHours()('i-2', at));
  });
});

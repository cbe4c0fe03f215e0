/**
 * lib/suggest/utilization.ts: GetMetricData calls as large as the API allows, every page read, each
 * instance's hours handed over in time order with network in and out summed.
 */
import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import type { HourlyUtilization } from '../lib/suggest/activity-profile';
import {
  instancesPerCall,
  MAX_DATAPOINTS_PER_CALL,
  MAX_QUERIES_PER_CALL,
  periodBefore,
  readUtilization,
} from '../lib/suggest/utilization';

const cw = mockClient(CloudWatchClient);
const NOW = new Date('2026-12-01T12:34:56Z');
const HOUR = 3_600_000;
const ids = (n: number) =>
  Array.from({ length: n }, (_, i) => `i-0${(0x1000 + i).toString(16).padStart(16, '0')}`);

beforeEach(() => cw.reset());

test.each([
  [1, 166],
  [14, 100],
  [63, 22],
])('%i day(s): %i instances per call, within both limits', (days, perCall) => {
  const period = periodBefore(NOW, days);
  expect(instancesPerCall(period)).toBe(perCall);
  expect(perCall * 3).toBeLessThanOrEqual(MAX_QUERIES_PER_CALL);
  expect(perCall * 3 * days * 24).toBeLessThanOrEqual(MAX_DATAPOINTS_PER_CALL);
});

test('the period is whole days of whole hours before now', () => {
  expect(periodBefore(NOW, 14)).toEqual({
    start: new Date('2026-11-17T12:00:00Z'),
    end: new Date('2026-12-01T12:00:00Z'),
  });
});

test('250 instances: 3 calls of at most 100 instances, pages followed, hours in order', async () => {
  const period = periodBefore(NOW, 14);
  const t0 = period.start.getTime();
  cw.on(GetMetricDataCommand).callsFake(async (input: GetMetricDataCommandInput) => {
    const queries = input.MetricDataQueries ?? [];
    // Two pages per call: the first hour, then the second, newest first (order must not matter).
    const hour = input.NextToken ? 1 : 0;
    return {
      MetricDataResults: queries.map((q) => ({
        Id: q.Id,
        Timestamps: [new Date(t0 + hour * HOUR)],
        Values: [q.Id?.startsWith('cpu') ? 10 + hour : 1000 * (hour + 1)],
      })),
      ...(hour === 0 ? { NextToken: 'page-2' } : {}),
    };
  });
  const got = new Map<string, HourlyUtilization[]>();
  const calls = await readUtilization(new CloudWatchClient({}), ids(250), period, (id, hours) =>
    got.set(id, hours),
  );
  expect(calls).toBe(6);
  const inputs = cw.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input);
  expect(inputs.map((i) => i.MetricDataQueries?.length).sort()).toEqual([
    150, 150, 300, 300, 300, 300,
  ]);
  expect(inputs[0]).toMatchObject({
    StartTime: period.start,
    EndTime: period.end,
    ScanBy: 'TimestampAscending',
  });
  expect(inputs[0].MetricDataQueries?.slice(0, 3)).toEqual([
    expect.objectContaining({
      Id: 'cpu0',
      MetricStat: {
        Metric: {
          Namespace: 'AWS/EC2',
          MetricName: 'CPUUtilization',
          Dimensions: [{ Name: 'InstanceId', Value: ids(1)[0] }],
        },
        Period: 3600,
        Stat: 'Average',
      },
    }),
    expect.objectContaining({ Id: 'in0', MetricStat: expect.objectContaining({ Stat: 'Sum' }) }),
    expect.objectContaining({ Id: 'out0' }),
  ]);
  expect(got.size).toBe(250);
  // NetworkIn + NetworkOut summed; both pages' hours, oldest first.
  expect(got.get(ids(250)[249])).toEqual([
    { at: t0, cpu: 10, network: 2000 },
    { at: t0 + HOUR, cpu: 11, network: 4000 },
  ]);
});

test('an instance without datapoints gets an empty list; a failed call names the operation', async () => {
  const period = periodBefore(NOW, 14);
  cw.on(GetMetricDataCommand).resolvesOnce({ MetricDataResults: [] });
  const got = new Map<string, HourlyUtilization[]>();
  await readUtilization(new CloudWatchClient({}), ids(1), period, (id, h) => got.set(id, h));
  expect(got.get(ids(1)[0])).toEqual([]);
  cw.on(GetMetricDataCommand).rejects(
    Object.assign(new Error('User is not authorized'), { name: 'AccessDenied' }),
  );
  await expect(readUtilization(new CloudWatchClient({}), ids(1), period, () => {})).rejects.toThrow(
    /^GetMetricData failed: AccessDenied: User is not authorized/,
  );
});

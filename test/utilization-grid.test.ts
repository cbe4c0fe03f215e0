/**
 * lib/suggest/utilization.ts keeps a batch's datapoints on the period's hourly grid in typed
 * arrays: what CloudWatch answers off that grid (another time, or outside the period) is kept
 * too, each instance's hours still in time order, with only the metrics that came.
 */
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import type { HourlyUtilization } from '../lib/suggest/activity-profile';
import { periodBefore, readUtilization } from '../lib/suggest/utilization';

const cw = mockClient(CloudWatchClient);
const HOUR = 3_600_000;
const IDS = ['i-0a1b2c3d4e5f60801', 'i-0a1b2c3d4e5f60802'];

beforeEach(() => cw.reset());

test('datapoints off the hourly grid are kept, merged in time order with those on it', async () => {
  const period = periodBefore(new Date('2026-12-01T12:34:56Z'), 14);
  const t0 = period.start.getTime();
  const at = (ms: number) => new Date(ms);
  cw.on(GetMetricDataCommand).resolves({
    MetricDataResults: [
      {
        Id: 'cpu0',
        Timestamps: [at(t0 - HOUR), at(t0), at(t0 + HOUR / 2), at(t0 + HOUR)],
        Values: [1, 2, 3, 4],
      },
      { Id: 'in0', Timestamps: [at(t0 + HOUR)], Values: [100] },
      { Id: 'out0', Timestamps: [at(t0), at(t0 + HOUR / 2)], Values: [10, 20] },
      { Id: 'in1', Timestamps: [at(period.end.getTime())], Values: [7] },
    ],
  });
  const got = new Map<string, HourlyUtilization[]>();
  await readUtilization(new CloudWatchClient({}), IDS, period, (id, hours) => got.set(id, hours));
  expect(got.get(IDS[0])).toStrictEqual([
    { at: t0 - HOUR, cpu: 1 },
    { at: t0, cpu: 2, network: 10 },
    { at: t0 + HOUR / 2, cpu: 3, network: 20 },
    { at: t0 + HOUR, cpu: 4, network: 100 },
  ]);
  // The end is not in the period (its last hour starts an hour before): kept all the same.
  expect(got.get(IDS[1])).toStrictEqual([{ at: period.end.getTime(), network: 7 }]);
});

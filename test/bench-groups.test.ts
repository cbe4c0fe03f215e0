/**
 * The Auto Scaling groups bench (`npm run bench -- --only=groups`, bench/auto-scaling.ts) on 5
 * groups: both sides leave every group where its action should (the bench checks each group's
 * size and saved size, and fails otherwise), and each side's calls are counted by service and
 * action. No timing is asserted.
 */
import { groupsBenchOptions, groupsRows } from '../bench/auto-scaling';

// Two execution environments are forked; a verified start looks after 2 s.
jest.setTimeout(60_000);

test('5 groups: the shipped stop and start and the naive script restore every size, calls counted per action', async () => {
  const rows = await groupsRows({ groups: 5, latencyMs: 0, limit: false, settleMs: 0 });
  const by = (run: string, action: string) =>
    rows.find((r) => r.run === run && r.action === action);

  expect(rows.map((r) => [r.run, r.action, r.failed, r.wrong])).toEqual([
    ['scheduler', 'stop', 0, 0],
    ['scheduler', 'start', 0, 0],
    ['per-group-baseline', 'stop', 0, 0],
    ['per-group-baseline', 'start', 0, 0],
  ]);
  // One listing page, then the size (and audit) tag and the update per group.
  expect(by('scheduler', 'stop')?.callsByAction).toMatchObject({
    'autoscaling:DescribeAutoScalingGroups': 1,
    'autoscaling:CreateOrUpdateTags': 5,
    'autoscaling:UpdateAutoScalingGroup': 5,
  });
  expect(by('scheduler', 'start')?.callsByAction).toMatchObject({
    'autoscaling:UpdateAutoScalingGroup': 5,
  });
  // The naive way: describe, tag, update per group; describe, update on start.
  expect(by('per-group-baseline', 'stop')?.callsByAction).toEqual({
    'autoscaling:DescribeAutoScalingGroups': 5,
    'autoscaling:CreateOrUpdateTags': 5,
    'autoscaling:UpdateAutoScalingGroup': 5,
  });
  expect(by('per-group-baseline', 'start')?.callsByAction).toEqual({
    'autoscaling:DescribeAutoScalingGroups': 5,
    'autoscaling:UpdateAutoScalingGroup': 5,
  });
  // Members are never started or stopped as instances (the check would have failed the run).
  for (const r of rows) {
    expect(r.callsByAction['ec2:StartInstances'] ?? 0).toBe(0);
    expect(r.callsByAction['ec2:StopInstances'] ?? 0).toBe(0);
  }
});

test.each([
  [['--asg-limit=40'], /--asg-limit=40: give <capacity>\/<refill per second>, e.g. 40\/20/],
  [['--asg-limit=0/5'], /--asg-limit=0\/5: give <capacity>\/<refill per second>, e.g. 40\/20/],
])('a bad bench option %j is refused', (argv, message) => {
  expect(() => groupsBenchOptions(argv, false, 20)).toThrow(message);
});

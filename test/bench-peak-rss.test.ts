/**
 * The bench's memory figures are the measured process's own: an execution environment
 * (harness/lambda-host.mjs) or a bench child (bench/child-probe.mjs, bench/baseline.mjs) forked
 * by a process holding a large heap reports its own peak RSS, not the parent's RSS at fork
 * (which `process.resourceUsage().maxRSS` counts on Linux), and tells a small invocation from a
 * large one. (Linux: the peak is the kernel's VmHWM.)
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FunctionHost } from '../harness/lambda-runtime';
import { useTempDirs } from './support/cli';

const MiB = 1024 * 1024;
const tempDir = useTempDirs('peak-rss');
/** What this (parent) process holds while it forks: well above any child's own peak here. */
const PARENT_HOLDS_MIB = 400;
const parent: { held?: Buffer } = {};

beforeAll(() => {
  parent.held = Buffer.alloc(PARENT_HOLDS_MIB * MiB, 1); // filled, so resident
});

afterAll(() => {
  delete parent.held;
});

test('an execution environment reports its own peak, per invocation and in all', async () => {
  expect(process.memoryUsage().rss).toBeGreaterThan(PARENT_HOLDS_MIB * MiB);
  const dir = tempDir();
  const file = path.join(dir, 'index.js');
  // Holds `mib` MiB for the invocation (filled, so resident), then lets it go.
  fs.writeFileSync(
    file,
    'exports.handler = async (e) => Buffer.alloc(e.mib * 1024 * 1024, 1).length;\n',
  );
  const host = await FunctionHost.start({
    arn: 'arn:aws:lambda:us-east-1:111111111111:function:peak',
    functionName: 'peak',
    file,
    exportName: 'handler',
    env: {},
    timeoutMs: 10_000,
  });
  try {
    const small = await host.invoke({ mib: 1 }, 'r-1', 0);
    const afterSmall = await host.stats();
    const large = await host.invoke({ mib: 150 }, 'r-2', 0);
    const afterLarge = await host.stats();

    expect(afterSmall.peakSource).toBe('VmHWM');
    // Its own: a bare node and a 1 MiB buffer, far below what the parent held at fork.
    expect(afterSmall.maxRss - afterSmall.baselineRss).toBeLessThan(60 * MiB);
    expect(small.memory?.peakRss).toBeLessThan(100 * MiB);
    // The 150 MiB invocation shows, in its own peak and in the environment's.
    expect(large.memory?.peakRss).toBeGreaterThan((small.memory?.peakRss ?? 0) + 140 * MiB);
    expect(afterLarge.maxRss - afterLarge.baselineRss).toBeGreaterThan(140 * MiB);
    // The same peak (to within the kernel's RSS counters, which are approximate by some pages).
    expect(Math.abs(afterLarge.maxRss - (large.memory?.peakRss ?? 0))).toBeLessThan(MiB);
  } finally {
    await host.close();
  }
});

test('a bench child with the probe preloaded reports its own peak', () => {
  const probeFile = path.join(tempDir(), 'probe.json');
  const probe = path.join(__dirname, '..', 'bench', 'child-probe.mjs');
  execFileSync(
    process.execPath,
    ['--import', probe, '-e', 'globalThis.kept = Buffer.alloc(50 * 1024 * 1024, 1)'],
    { env: { PATH: process.env.PATH ?? '', BENCH_PROBE_FILE: probeFile } },
  );
  const { maxRssBytes, peakSource } = JSON.parse(fs.readFileSync(probeFile, 'utf8')) as {
    maxRssBytes: number;
    peakSource: string;
  };
  expect(peakSource).toBe('VmHWM');
  expect(maxRssBytes).toBeGreaterThan(50 * MiB);
  expect(maxRssBytes).toBeLessThan(150 * MiB);
});

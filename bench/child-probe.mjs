/**
 * Preloaded into a bench child with `node --import bench/child-probe.mjs ...`: when the process
 * exits, writes its peak RSS and CPU time to the file named by BENCH_PROBE_FILE, so that the
 * shipped command bundle can be measured without changing it. The peak is the process's own
 * (VmHWM), not `resourceUsage().maxRSS`, which counts the bench process's RSS at spawn
 * (harness/peak-rss.mjs).
 */
import { writeFileSync } from 'node:fs';
import { peakRss, peakSource } from '../harness/peak-rss.mjs';

const file = process.env.BENCH_PROBE_FILE;
if (file) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    writeFileSync(
      file,
      JSON.stringify({
        maxRssBytes: peakRss(),
        peakSource,
        userCpuMs: usage.userCPUTime / 1000,
        systemCpuMs: usage.systemCPUTime / 1000,
        uptimeMs: process.uptime() * 1000,
      }),
    );
  });
}

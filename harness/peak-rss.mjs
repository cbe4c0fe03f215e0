/**
 * A process's own peak resident set size, for the bench's child processes (plain Node, so the
 * execution environments and the bench's children can import it).
 *
 * Not `process.resourceUsage().maxRSS`: on Linux that is getrusage's ru_maxrss, which keeps the
 * high-water mark of the process image *before* exec. A child forked by a big parent (the bench
 * process holding a synthesized app, or a fleet's metric data) inherits the parent's RSS at
 * fork in it, so a child whose own peak is 40 MiB reports 300. The kernel's own counter for the
 * current image is `VmHWM` in /proc/self/status, and writing `5` to /proc/self/clear_refs resets
 * it to the current RSS (Linux 4.0 and later), so a peak can be taken over one part of a run.
 * Elsewhere these fall back to maxRSS (and no reset), and say so.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import process from 'node:process';

/** Where the peak comes from: `VmHWM` (Linux, this image's own) or `maxRSS` (a fallback). */
export let peakSource = 'VmHWM';

/** The peak RSS in bytes since the process started (exec) or since the last `resetPeakRss`. */
export function peakRss() {
  if (peakSource === 'VmHWM') {
    try {
      const kib = /^VmHWM:\s*(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
      if (kib !== undefined) return Number(kib) * 1024;
    } catch {
      // not Linux: fall through
    }
    peakSource = 'maxRSS';
  }
  // ru_maxrss is in KiB on Linux (bytes on macOS, where this fallback is only a rough figure).
  return process.resourceUsage().maxRSS * 1024;
}

/**
 * Resets the peak to the current RSS; returns false where that is not possible (the peak then
 * keeps counting from the process's start).
 */
export function resetPeakRss() {
  if (peakSource !== 'VmHWM') return false;
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

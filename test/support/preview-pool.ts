/**
 * Runs the library's `previewSchedule` in worker threads, with a time limit per call, for the
 * cron property test. Two reasons: the test gets every core, and a call that runs for seconds
 * (the current cron engine does, when it misses firings and searches years ahead) is cut off
 * instead of eating the suite's budget.
 *
 * The workers run `lib/preview.ts` bundled by esbuild (already a dev dependency, and how the
 * package bundles its handlers) with its npm dependencies left external, so they execute the
 * same source as the jest side, without a TypeScript loader in the worker.
 */
import { buildSync } from 'esbuild';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

/** One `previewSchedule({ start: expression, timeZone }, { from, count })` call. */
export interface PreviewRequest {
  readonly expression: string;
  readonly timeZone: string;
  readonly from: string;
  readonly count: number;
}

/**
 * What a call gave: the transitions' UTC times, the error it threw, or nothing in time; and how
 * long it ran (wall clock, in the worker).
 */
export type PreviewAnswer =
  | { readonly kind: 'utc'; readonly utc: string[]; readonly ms: number }
  | { readonly kind: 'error'; readonly message: string; readonly ms: number }
  | { readonly kind: 'timeout'; readonly ms: number };

/** Options for `previewAll`. */
export interface PreviewPoolOptions {
  /** Longest one call may run before its worker is replaced. */
  readonly timeLimitMs: number;
  /** How many workers. @default - the machine's available parallelism */
  readonly workers?: number;
  /** Called with each answer as it comes, in completion order. */
  readonly onAnswer?: (index: number, answer: PreviewAnswer) => void;
}

/** The worker's message loop around the bundled `lib/preview.ts` (CommonJS in `bundle`). */
function workerSource(bundle: string): string {
  return `
const { parentPort } = require('node:worker_threads');
const bundled = { exports: {} };
(function (module, exports) {
${bundle}
})(bundled, bundled.exports);
const { previewSchedule } = bundled.exports;
parentPort.on('message', (request) => {
  const started = performance.now();
  let answer;
  try {
    const preview = previewSchedule(
      { start: request.expression, timeZone: request.timeZone },
      { from: request.from, count: request.count },
    );
    answer = { kind: 'utc', utc: preview.transitions.map((t) => t.utc) };
  } catch (error) {
    answer = { kind: 'error', message: String(error && error.message) };
  }
  parentPort.postMessage({ ...answer, ms: performance.now() - started });
});
parentPort.postMessage('ready');
`;
}

function bundlePreview(): string {
  const result = buildSync({
    entryPoints: [path.join(__dirname, '..', '..', 'lib', 'preview.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

/**
 * Calls `previewSchedule` for every request, spread over worker threads, and resolves with the
 * answers in request order. A call over the time limit answers `timeout`; its worker is
 * terminated and replaced.
 */
export async function previewAll(
  requests: readonly PreviewRequest[],
  options: PreviewPoolOptions,
): Promise<PreviewAnswer[]> {
  const source = workerSource(bundlePreview());
  const answers: PreviewAnswer[] = new Array<PreviewAnswer>(requests.length);
  const size = Math.max(1, Math.min(options.workers ?? os.availableParallelism(), requests.length));
  let next = 0;

  const answer = (index: number, value: PreviewAnswer): void => {
    answers[index] = value;
    options.onAnswer?.(index, value);
  };

  /** Runs requests one after another on a worker, replacing it after a timeout or crash. */
  const lane = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const spawn = (): void => {
        const worker = new Worker(source, { eval: true });
        let current = -1;
        let sentAt = 0;
        let timer: NodeJS.Timeout | undefined;
        const replace = (): void => {
          clearTimeout(timer);
          worker.removeAllListeners();
          void worker.terminate();
          spawn();
        };
        const dispatch = (): void => {
          if (next >= requests.length) {
            worker.removeAllListeners();
            void worker.terminate().then(() => resolve());
            return;
          }
          current = next++;
          sentAt = performance.now();
          worker.postMessage(requests[current]);
          timer = setTimeout(() => {
            answer(current, { kind: 'timeout', ms: options.timeLimitMs });
            replace();
          }, options.timeLimitMs);
        };
        worker.on('message', (message: PreviewAnswer | 'ready') => {
          clearTimeout(timer);
          const done = current;
          dispatch(); // keep the worker busy while the answer is looked at
          if (message !== 'ready') answer(done, message);
        });
        worker.on('error', (error) => {
          if (current < 0) return reject(error); // the bundle itself does not load
          const message = `worker crashed: ${error.message}`;
          answer(current, { kind: 'error', message, ms: performance.now() - sentAt });
          replace();
        });
      };
      spawn();
    });

  await Promise.all(Array.from({ length: size }, lane));
  return answers;
}

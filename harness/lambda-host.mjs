/**
 * One Lambda execution environment ("container") for one function, as a child process: it loads
 * the function's handler file once (its module-level clients are created then, from the
 * environment it was forked with), then runs invocations sent over IPC one at a time, as a warm
 * container does. Plain Node, no TypeScript, so its memory is the handler's own.
 *
 * Messages from the parent:
 *   { type: 'load', file, exportName, captureLogs, sampleMemoryMs }
 *     -> { type: 'loaded', importMs, baselineRss, loadedRss, nodeVersion }
 *   { type: 'invoke', id, event, context, clockOffsetMs }  -> { type: 'invoked', id, memory, ... }
 *   { type: 'stats' }  -> { type: 'stats', baselineRss, loadedRss, rss, maxRss, peakSource }
 *   { type: 'exit' }
 * `context` carries the plain fields of Lambda's context and `timeoutMs`; the remaining time
 * counts down from the invocation's start. `clockOffsetMs` shifts Date.now() (the wall clock
 * keeps its rate), so a run can happen at the time its schedule fired.
 *
 * Memory (see peak-rss.mjs for why not `resourceUsage().maxRSS`): `baselineRss` is the RSS
 * before the handler file loads, `loadedRss` just after; `maxRss` is the peak RSS since the load
 * (the kernel's high-water mark, reset once the handler is loaded and again, folded into the
 * running peak, at each invocation's start), so the invocations' peak, not the parent's heap
 * inherited at fork nor the load. Each `invoked` reply carries the invocation's own `memory`:
 * its peak RSS and, at its end, `process.memoryUsage()` (after a full GC when the host runs with
 * `--expose-gc`, so `heapUsed` is what the handler keeps between invocations) and, with
 * `sampleMemoryMs`, `process.memoryUsage()` that often during it (a development aid: a timer
 * that fires only when the event loop is free).
 */
import console from 'node:console';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { clearInterval, setInterval } from 'node:timers';
import { peakRss, peakSource, resetPeakRss } from './peak-rss.mjs';

const nativeRequire = createRequire(import.meta.url);
const realNow = Date.now.bind(Date);
let clockOffsetMs = 0;
Date.now = () => realNow() + clockOffsetMs;

let handler;
let baselineRss = 0;
let loadedRss = 0;
/** The highest peak RSS of the invocations before the current one (bytes). */
let peakSoFar = 0;
/** Log lines of the invocation in progress, when capturing. */
let captured;

function send(message) {
  process.send?.(message);
}

function serializeError(err) {
  if (err instanceof Error) {
    return { name: err.name, message: err.message, stack: err.stack };
  }
  return { name: 'Error', message: String(err) };
}

function captureConsole() {
  // Powertools' Logger writes each log line through the global console in dev mode.
  for (const method of ['debug', 'info', 'warn', 'error', 'log', 'trace']) {
    console[method] = (...args) => {
      const line = args.map(String).join(' ');
      if (captured) captured.push(line);
    };
  }
}

/** Every `sampleMemoryMs` of an invocation, when set: [ms since its start, memoryUsage()]. */
let sampleMemoryMs = 0;
let samples;

/** Starts sampling memory when asked to; returns the function that stops it. */
function sampleMemory(t0) {
  if (!sampleMemoryMs) return () => undefined;
  samples = [];
  const take = () => samples.push([Math.round(performance.now() - t0), process.memoryUsage()]);
  const timer = setInterval(take, sampleMemoryMs);
  return () => {
    clearInterval(timer);
    take();
  };
}

/** The invocation's peak RSS, and what it leaves (after a full GC where `gc` is exposed). */
function memoryAfter() {
  const peak = peakRss();
  globalThis.gc?.();
  const taken = samples;
  samples = undefined;
  return { peakRss: peak, ...process.memoryUsage(), ...(taken ? { samples: taken } : {}) };
}

async function invoke({ id, event, context, clockOffsetMs: offset }) {
  clockOffsetMs = offset ?? 0;
  captured = [];
  const deadline = Date.now() + context.timeoutMs;
  const ctx = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: context.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: context.invokedFunctionArn,
    memoryLimitInMB: String(context.memoryLimitInMB),
    awsRequestId: context.awsRequestId,
    logGroupName: `/aws/lambda/${context.functionName}`,
    logStreamName: `2026/01/01/[$LATEST]${context.awsRequestId.replace(/-/g, '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
  peakSoFar = Math.max(peakSoFar, peakRss());
  resetPeakRss();
  const t0 = performance.now();
  const stopSampling = sampleMemory(t0);
  let outcome;
  try {
    outcome = { result: await handler(event, ctx) };
  } catch (err) {
    outcome = { error: serializeError(err) };
  }
  const wallMs = performance.now() - t0;
  stopSampling();
  const logs = captured;
  captured = undefined;
  send({ type: 'invoked', id, wallMs, logs, memory: memoryAfter(), ...outcome });
}

process.on('message', (message) => {
  switch (message.type) {
    case 'load': {
      baselineRss = process.memoryUsage().rss;
      sampleMemoryMs = message.sampleMemoryMs ?? 0;
      if (message.captureLogs) captureConsole();
      const t0 = performance.now();
      try {
        handler = nativeRequire(message.file)[message.exportName];
        if (typeof handler !== 'function') {
          throw new Error(`${message.file} exports no function ${message.exportName}`);
        }
      } catch (err) {
        send({ type: 'loaded', error: serializeError(err) });
        return;
      }
      loadedRss = process.memoryUsage().rss;
      resetPeakRss();
      send({
        type: 'loaded',
        importMs: performance.now() - t0,
        baselineRss,
        loadedRss,
        nodeVersion: process.version,
      });
      return;
    }
    case 'invoke':
      void invoke(message);
      return;
    case 'stats':
      send({
        type: 'stats',
        baselineRss,
        loadedRss,
        rss: process.memoryUsage().rss,
        maxRss: Math.max(peakSoFar, peakRss()),
        peakSource,
      });
      return;
    case 'exit':
      process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));

/**
 * One Lambda execution environment ("container") for one function, as a child process: it loads
 * the function's handler file once (its module-level clients are created then, from the
 * environment it was forked with), then runs invocations sent over IPC one at a time, as a warm
 * container does. Plain Node, no TypeScript, so its memory is the handler's own.
 *
 * Messages from the parent:
 *   { type: 'load', file, exportName, captureLogs }  -> { type: 'loaded', importMs, baselineRss }
 *   { type: 'invoke', id, event, context, clockOffsetMs }  -> { type: 'invoked', id, ... }
 *   { type: 'stats' }  -> { type: 'stats', baselineRss, rss, maxRss }
 *   { type: 'exit' }
 * `context` carries the plain fields of Lambda's context and `timeoutMs`; the remaining time
 * counts down from the invocation's start. `clockOffsetMs` shifts Date.now() (the wall clock
 * keeps its rate), so a run can happen at the time its schedule fired.
 */
import console from 'node:console';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import process from 'node:process';

const nativeRequire = createRequire(import.meta.url);
const realNow = Date.now.bind(Date);
let clockOffsetMs = 0;
Date.now = () => realNow() + clockOffsetMs;

let handler;
let baselineRss = 0;
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
  const t0 = performance.now();
  let outcome;
  try {
    outcome = { result: await handler(event, ctx) };
  } catch (err) {
    outcome = { error: serializeError(err) };
  }
  const wallMs = performance.now() - t0;
  const logs = captured;
  captured = undefined;
  send({ type: 'invoked', id, wallMs, logs, ...outcome });
}

process.on('message', (message) => {
  switch (message.type) {
    case 'load': {
      baselineRss = process.memoryUsage().rss;
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
      send({ type: 'loaded', importMs: performance.now() - t0, baselineRss });
      return;
    }
    case 'invoke':
      void invoke(message);
      return;
    case 'stats':
      send({
        type: 'stats',
        baselineRss,
        rss: process.memoryUsage().rss,
        maxRss: process.resourceUsage().maxRSS * 1024,
      });
      return;
    case 'exit':
      process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));

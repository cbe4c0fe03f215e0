/**
 * The start and stop functions' Lambda runtime: by default the newest Node.js runtime that the
 * app's aws-cdk-lib knows (`lambda.Runtime.ALL`, the list cdk-nag's AwsSolutions-L1 compares
 * with), so the same aws-cdk-lib gives the same runtime in every Region and stack; or one the user
 * pins, as long as the shipped bundles run on it.
 */
import { Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * The oldest Node.js the shipped handler bundles run on: `scripts/bundle.mjs` builds them with
 * esbuild's `target: 'node24'`. Change both together.
 */
export const BUNDLE_NODE_MAJOR = 24;

/** The major version of a Node.js runtime (`nodejs24.x` is 24); undefined for any other. */
function nodeMajor(runtime: lambda.Runtime): number | undefined {
  if (runtime.family !== lambda.RuntimeFamily.NODEJS) return undefined;
  const match = /^nodejs(\d+)/.exec(runtime.name);
  return match ? Number(match[1]) : undefined;
}

/**
 * The newest Node.js runtime of `lambda.Runtime.ALL` in the aws-cdk-lib the app uses: nodejs24.x
 * in aws-cdk-lib 2.269.0, nodejs26.x in 2.278.0. A fixed runtime is preferred to a variable one of
 * the same version (`NODEJS_LATEST`, which changes with aws-cdk-lib's regional facts).
 */
export function newestNodeRuntime(): lambda.Runtime {
  let newest = lambda.Runtime.NODEJS_24_X;
  for (const runtime of lambda.Runtime.ALL) {
    const major = nodeMajor(runtime) ?? 0;
    const best = nodeMajor(newest) ?? 0;
    if (major > best || (major === best && newest.isVariable && !runtime.isVariable)) {
      newest = runtime;
    }
  }
  return newest;
}

/**
 * The `runtime` prop checked, or the newest Node.js runtime when it is left out.
 * @throws Error when `runtime` is not a Node.js runtime of at least {@link BUNDLE_NODE_MAJOR}
 */
export function resolveRuntime(runtime: lambda.Runtime | undefined): lambda.Runtime {
  const newest = newestNodeRuntime();
  if (runtime === undefined) return newest;
  if (Token.isUnresolved(runtime.name)) return runtime;
  const fix = `pass Node.js ${BUNDLE_NODE_MAJOR} or later, e.g. lambda.Runtime.NODEJS_${BUNDLE_NODE_MAJOR}_X, or leave runtime out for the newest one this aws-cdk-lib knows (${newest.name})`;
  const major = nodeMajor(runtime);
  if (runtime.family !== lambda.RuntimeFamily.NODEJS) {
    throw new Error(
      `runtime ${runtime.name} is not a Node.js runtime; the functions are JavaScript bundles built for Node.js ${BUNDLE_NODE_MAJOR}, so ${fix}`,
    );
  }
  if (major === undefined) {
    throw new Error(`runtime ${runtime.name} names no Node.js version; ${fix}`);
  }
  if (major < BUNDLE_NODE_MAJOR) {
    throw new Error(
      `runtime ${runtime.name} is older than the functions' bundles support (built for Node.js ${BUNDLE_NODE_MAJOR}); ${fix}`,
    );
  }
  return runtime;
}

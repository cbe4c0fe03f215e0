/**
 * Runs the `cdk-ec2-scheduler` command in tests: in-process through `main` (with a fixed clock),
 * or the shipped bundle in its own `node` process; both against a loopback EC2 endpoint through
 * the SDK's standard configuration (`AWS_ENDPOINT_URL_EC2`, `AWS_REGION`, fake credentials), and
 * the loopback Auto Scaling, EKS and Tagging API endpoints over its model (`startGroupFakes`).
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { App, Stack } from 'aws-cdk-lib';
import { main } from '../../lib/cli/cli';
import { synthesize } from '../../harness/assembly';
import { startEc2Endpoint, type Ec2Endpoint } from '../../harness/ec2';
import { startGroupFakes, type GroupFakes } from '../../harness/group-fakes';

/** What a run printed, and its exit code. */
export interface CliRun {
  readonly code: number;
  readonly out: string[];
  readonly err: string;
}

/** The shipped bundle of the command (built by `npm run bundle`). */
export const CLI_BUNDLE = path.join(__dirname, '..', '..', 'assets', 'cli.js');

/**
 * The environment the SDK reads to reach `endpointUrl` with fake credentials in us-east-1, and
 * nothing of the machine's own AWS configuration (no profile, config file or instance metadata).
 */
export function fakeAwsEnv(endpointUrl: string): Record<string, string> {
  const none = path.join(os.tmpdir(), 'cdk-ec2-scheduler-no-aws-config');
  return {
    AWS_ENDPOINT_URL_EC2: endpointUrl,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_CONFIG_FILE: none,
    AWS_SHARED_CREDENTIALS_FILE: none,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

/** The Auto Scaling, EKS and Tagging API fakes over one EC2 model, with their `env`. */
export { startGroupFakes, type GroupFakes } from '../../harness/group-fakes';

/** Sets variables in `process.env`; the function returned puts the previous values back. */
export function setEnv(vars: Record<string, string>): () => void {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

/** A maker of temporary directories for a file's tests, all removed after them. */
export function useTempDirs(prefix: string): () => string {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cdk-ec2-scheduler-${prefix}-`));
    dirs.push(dir);
    return dir;
  };
}

/** Runs `main` in this process, its clock reading `now`. */
export async function runCli(argv: string[], now?: Date): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, {
    out: (line) => out.push(...line.split('\n')),
    err: (line) => err.push(line),
    ...(now ? { now: () => now } : {}),
  });
  return { code, out, err: err.join('\n') };
}

/**
 * Runs the shipped bundle with `node` in its own process and `env` (plus PATH). Asynchronous: the
 * endpoint it calls runs in this process.
 */
export function runBundle(argv: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI_BUNDLE, ...argv],
      { env: { PATH: process.env.PATH ?? '', ...env }, cwd: os.tmpdir(), encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = error ? Number((error as { code?: unknown }).code ?? 1) : 0;
        resolve({ code, out: stdout.split('\n').filter((l) => l !== ''), err: stderr.trim() });
      },
    );
  });
}

/** What a file of command tests runs against. */
export interface CliWorld {
  /** A loopback EC2 endpoint, which the SDK's environment points at. */
  readonly ep: Ec2Endpoint;
  /** The cloud assembly of the file's stack. */
  readonly cdkOut: string;
  /** The Auto Scaling, EKS and Tagging API fakes over `ep`, which the SDK's environment points at. */
  readonly groups: GroupFakes;
}

/**
 * Before a file's tests: the loopback EC2 endpoint and the group fakes over it, the SDK's
 * environment pointing at them, and the cloud assembly of the stack `build` adds (`ready` gets
 * them); after them, all of it goes.
 */
export function useCliWorld(build: (app: App) => Stack, ready: (world: CliWorld) => void): void {
  let ep: Ec2Endpoint | undefined;
  let groups: GroupFakes | undefined;
  let restoreEnv: (() => void) | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    ep = await startEc2Endpoint();
    groups = await startGroupFakes(ep);
    restoreEnv = setEnv({ ...fakeAwsEnv(ep.url), ...groups.env });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-ec2-scheduler-cli-'));
    ready({ ep, groups, cdkOut: synthesize(path.join(dir, 'cdk.out'), build).directory });
  });
  afterAll(async () => {
    restoreEnv?.();
    await groups?.close();
    await ep?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
}

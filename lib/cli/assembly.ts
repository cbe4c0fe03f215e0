/**
 * The schedules this library created in a synthesized cloud assembly (`cdk.out`), nested
 * assemblies (stages) and nested stacks included. Each schedule's input is read with the same
 * parser the functions use.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseScheduleInput } from '../contract/schedule-input-parser';

/** A schedule found in a cloud assembly. */
export interface AssemblySchedule {
  readonly name: string;
  readonly stack: string;
  readonly tagKey: string;
  readonly timeZone: string;
  readonly start?: string;
  readonly stop?: string;
  /** The schedule's other start expressions. */
  readonly additionalStarts: string[];
  /** The schedule's other stop expressions. */
  readonly additionalStops: string[];
  readonly skipDates: string[];
  /**
   * How far ahead an override may reach, from the schedule's input (its default, 7 days, when
   * the input has none). The smaller of the two sides' values, should they differ.
   */
  readonly maxOverrideSeconds: number;
}

interface Manifest {
  artifacts?: Record<
    string,
    {
      type: string;
      properties?: { templateFile?: string; directoryName?: string };
      displayName?: string;
    }
  >;
}

interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
}

/** The directory is not a cloud assembly (a usage error of the command). */
export class NotAnAssemblyError extends Error {}

type Found = Map<string, { -readonly [K in keyof AssemblySchedule]: AssemblySchedule[K] }>;

/** Every schedule this library created in the cloud assembly at `dir`. */
export function readAssembly(dir: string): AssemblySchedule[] {
  if (!fs.existsSync(path.join(dir, 'manifest.json'))) {
    throw new NotAnAssemblyError(
      `"${dir}" is not a cloud assembly (no manifest.json); run \`cdk synth\` first, or pass its output directory`,
    );
  }
  const reader = new AssemblyReader();
  reader.visit(dir);
  if (reader.found.size === 0) {
    throw new Error(`no cdk-ec2-scheduler schedules found in the cloud assembly "${dir}"`);
  }
  return [...reader.found.values()];
}

class AssemblyReader {
  readonly found: Found = new Map();
  private readonly read = new Set<string>();

  visit(assemblyDir: string): void {
    const manifest = JSON.parse(
      fs.readFileSync(path.join(assemblyDir, 'manifest.json'), 'utf8'),
    ) as Manifest;
    for (const [id, artifact] of Object.entries(manifest.artifacts ?? {})) {
      if (artifact.type === 'cdk:cloud-assembly' && artifact.properties?.directoryName) {
        this.visit(path.join(assemblyDir, artifact.properties.directoryName));
      }
      if (artifact.type !== 'aws:cloudformation:stack' || !artifact.properties?.templateFile)
        continue;
      this.template(assemblyDir, artifact.properties.templateFile, artifact.displayName ?? id);
    }
    // Nested stacks' templates, when the parent carried no asset metadata to name them by.
    for (const file of fs.readdirSync(assemblyDir)) {
      if (file.endsWith('.nested.template.json') && !this.read.has(path.join(assemblyDir, file))) {
        this.template(assemblyDir, file, file.replace(/\.nested\.template\.json$/, ''));
      }
    }
  }

  /** Reads one template, and the templates of its nested stacks. */
  private template(assemblyDir: string, file: string, stack: string): void {
    this.read.add(path.join(assemblyDir, file));
    const template = JSON.parse(fs.readFileSync(path.join(assemblyDir, file), 'utf8')) as {
      Resources?: Record<string, TemplateResource>;
    };
    for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
      const nested = resource.Metadata?.['aws:asset:path'];
      if (resource.Type === 'AWS::CloudFormation::Stack' && typeof nested === 'string') {
        const nestedPath = resource.Metadata?.['aws:cdk:path'];
        const name =
          typeof nestedPath === 'string'
            ? nestedPath.replace(/\.NestedStack\/.*$/, '').replace(/\.NestedStack$/, '')
            : `${stack}/${logicalId}`;
        if (fs.existsSync(path.join(assemblyDir, nested))) this.template(assemblyDir, nested, name);
      } else if (resource.Type === 'AWS::Scheduler::Schedule') {
        this.schedule(stack, resource.Properties ?? {});
      }
    }
  }

  /** Adds a schedule whose target input is one of ours; any other schedule is not ours. */
  private schedule(stack: string, props: Record<string, unknown>): void {
    const target = props.Target as { Input?: unknown } | undefined;
    const expression = props.ScheduleExpression;
    const timeZone = props.ScheduleExpressionTimezone ?? 'UTC';
    if (typeof target?.Input !== 'string' || typeof expression !== 'string') return;
    if (typeof timeZone !== 'string') return;
    let raw: { action?: unknown };
    try {
      raw = JSON.parse(target.Input) as { action?: unknown };
    } catch {
      return;
    }
    if (raw.action !== 'start' && raw.action !== 'stop') return;
    let event;
    let maxOverrideMs;
    try {
      ({ event, maxOverrideMs } = parseScheduleInput(raw, raw.action));
    } catch {
      return; // another library's schedule, whose input merely looks alike
    }
    // An enforcement check runs at a rate: it is no start or stop time.
    if (event.enforce) return;
    const key = JSON.stringify([stack, event.tagKey, event.schedule]);
    const entry = this.found.get(key) ?? {
      name: event.schedule,
      stack,
      tagKey: event.tagKey,
      timeZone,
      additionalStarts: [],
      additionalStops: [],
      skipDates: [],
      maxOverrideSeconds: maxOverrideMs / 1000,
    };
    if (entry[event.action] === undefined) entry[event.action] = expression;
    else
      (event.action === 'start' ? entry.additionalStarts : entry.additionalStops).push(expression);
    entry.maxOverrideSeconds = Math.min(entry.maxOverrideSeconds, maxOverrideMs / 1000);
    if (event.action === 'start') entry.skipDates = [...event.skipDates];
    this.found.set(key, entry);
  }
}

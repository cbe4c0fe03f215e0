/**
 * Writes the JSON Schema of the schedules' input (`schema/schedule-input.schema.json`, shipped in
 * the package) from the event's schema in `lib/contract/event-schema.ts`: `npm run schema`.
 * test/event-schema.test.ts fails when the file is not current.
 */
import { toJsonSchema } from '@valibot/to-json-schema';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SCHEDULE_INPUT_SCHEMA, SHARED_PARTS } from '../lib/contract/event-schema';

/** Where the package ships the JSON Schema. */
export const SCHEMA_FILE = path.join(__dirname, '..', 'schema', 'schedule-input.schema.json');

/** The JSON Schema (draft-07) of what a schedule may send, as the file holds it. */
export function scheduleInputJsonSchema(): string {
  const schema = toJsonSchema(SCHEDULE_INPUT_SCHEMA, {
    typeMode: 'input',
    definitions: SHARED_PARTS,
    // Checks beyond JSON Schema (a real date, a cron that parses, a known time zone) are the
    // functions' own; each field's description says what they check. JSON has no infinite number.
    ignoreActions: ['check', 'partial_check', 'finite'],
  });
  return `${JSON.stringify(schema, null, 2)}\n`;
}

if (require.main === module) {
  fs.writeFileSync(SCHEMA_FILE, scheduleInputJsonSchema());
  console.log(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}`);
}

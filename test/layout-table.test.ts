/**
 * docs/development.md's "where to change what" table: every file or folder it names exists,
 * and each of the rows a newcomer asks about leads with one place.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.join(__dirname, '..');
const page = fs.readFileSync(path.join(root, 'docs', 'development.md'), 'utf8');

function layoutRows(): Array<{ change: string; goTo: string; rest: string }> {
  const section = page.slice(page.indexOf('## Layout: where to change what'));
  const table = section.slice(
    section.indexOf('| To change'),
    section.indexOf('\n\n', section.indexOf('| To change')),
  );
  return table
    .split('\n')
    .slice(2)
    .map((line) => line.split('|').map((cell) => cell.trim()))
    .map(([, change, goTo, rest]) => ({ change, goTo, rest }));
}

/** Paths in backticks: `lib/...`, `lambda/...`, `harness/...`, or a file name beside the row's folder. */
function pathsIn(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)]
    .map((m) => m[1])
    .filter((p) => /^(lib|lambda|harness)\//.test(p));
}

test('every file and folder the layout table names exists', () => {
  const missing = layoutRows().flatMap((row) =>
    [...pathsIn(row.goTo), ...pathsIn(row.rest)].filter((p) => !fs.existsSync(path.join(root, p))),
  );
  expect(missing).toEqual([]);
});

test.each([
  'batching',
  "pacing to EC2's buckets",
  'deadlines',
  'a validation message: a schedule',
  'a validation message: a prop',
  'a validation message: an event',
  'a new schedule option',
  'a new metric',
  'a new CLI command',
  'a new kind of scheduled resource',
])('"%s" leads with one file or folder', (change) => {
  const row = layoutRows().find((r) => r.change === change);
  expect(row).toBeDefined();
  expect(pathsIn(row!.goTo)).toHaveLength(1);
});

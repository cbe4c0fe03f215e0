// Writes the README's complete CDK app as a user would copy it: the `fixture=empty` block (the
// app) followed by the `fixture=app` block (cdk-nag), to the file given (.ci/consumer-test.sh
// compiles and synthesizes it against the packed library).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const readme = readFileSync(fileURLToPath(import.meta.resolve('../README.md')), 'utf8');
const block = (fixture) => {
  const blocks = [
    ...readme.matchAll(new RegExp('^```ts fixture=' + fixture + '\\n([\\s\\S]*?)^```$', 'gm')),
  ];
  if (blocks.length !== 1) {
    throw new Error(
      `README.md has ${blocks.length} blocks with fixture=${fixture}; the consumer test needs exactly one`,
    );
  }
  return blocks[0][1];
};
const [out] = process.argv.slice(2);
if (!out) throw new Error('usage: node scripts/readme-app.mjs <output.ts>');
writeFileSync(out, `${block('empty')}\n${block('app')}`);

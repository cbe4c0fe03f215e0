// Fails when an exported type or member of the jsii assembly (.jsii) has no TSDoc summary:
// every language's API reference (API.md, Python docstrings, Javadoc...) is generated from it.
const fs = require('node:fs');
const assembly = JSON.parse(fs.readFileSync('.jsii', 'utf8'));
const missing = [];
for (const [fqn, type] of Object.entries(assembly.types ?? {})) {
  if (!type.docs?.summary) missing.push(fqn);
  if (type.initializer && !type.initializer.docs?.summary) missing.push(`${fqn} (constructor)`);
  for (const m of [...(type.properties ?? []), ...(type.methods ?? []), ...(type.members ?? [])]) {
    if (!m.docs?.summary) missing.push(`${fqn}.${m.name}`);
  }
}
if (missing.length > 0) {
  console.error(
    `${missing.length} exported types or members have no TSDoc summary:\n  ${missing.join('\n  ')}`,
  );
  process.exit(1);
}
console.log(
  `API docs: every one of ${Object.keys(assembly.types ?? {}).length} exported types and its members has a summary`,
);

// `npm run rosetta`: compile every TypeScript example, strictly, and translate it into Python, Java,
// C# and Go with jsii-rosetta. What `jsii-rosetta extract --strict` does for the README and the
// doc comments of the jsii assembly, this does for them and for the pages in docs/, which are not
// part of the assembly (they are read here as if they were READMEs of submodules named
// `cdk-ec2-scheduler.docs/<page>`, so an error names the page and the line).
//
// Examples compile against the library's own types inside the scaffolding of rosetta/*.ts-fixture
// (`fixture=NAME` after the fence's language; `default` when none). One that does not compile
// fails the script, naming the file, the line and the compiler's message.
//
// Writes the assembly's implicit tablet (.jsii.tabl.json, which jsii-pacmak and jsii-docgen read
// to put each language's code in its README and docstrings) and the cache rosetta/tablet.json
// (committed): an example whose source and referenced types are unchanged is taken from it
// without compiling, which makes CI's run fast and its output the same from run to run.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
// The package's exports name only its index; the assembly helpers live beside it.
const internal = (file) => require(path.join(root, 'node_modules/jsii-rosetta/lib', file));
const { RosettaTranslator, LanguageTablet } = require('jsii-rosetta');
const { loadAssemblies, allTypeScriptSnippets } = internal('jsii/assemblies.js');
const CACHE = path.join(root, 'rosetta/tablet.json');
const TABLET = path.join(root, '.jsii.tabl.json');

const started = Date.now();
const [loaded] = loadAssemblies([root], false);
if (!loaded.packageJson?.jsiiRosetta?.strict) {
  throw new Error(
    'package.json must set "jsiiRosetta": { "strict": true }, so every consumer of the assembly compiles its examples strictly',
  );
}
const docs = fs
  .readdirSync(path.join(root, 'docs'))
  .filter((f) => f.endsWith('.md'))
  .sort();
const assembly = { ...loaded.assembly, submodules: { ...loaded.assembly.submodules } };
for (const page of docs) {
  const markdown = fs.readFileSync(path.join(root, 'docs', page), 'utf8');
  assembly.submodules[`${assembly.name}.docs/${page}`] = { readme: { markdown } };
}
const snippets = await allTypeScriptSnippets([{ ...loaded, assembly }]);

const translator = new RosettaTranslator({
  assemblies: [assembly],
  includeCompilerDiagnostics: true,
});
if (fs.existsSync(CACHE)) await translator.addToCache(CACHE);
const cached = translator.readFromCache(snippets, true, true);
let diagnostics = [];
if (cached.remaining.length > 0) {
  const result = await translator.translateAll(cached.remaining);
  diagnostics = result.diagnostics;
}

// Both tablets hold exactly this run's examples, in key order: the same input gives the same file.
const tablet = new LanguageTablet();
tablet.addSnippetsFromTablets(translator.tablet);
await tablet.save(TABLET);
await tablet.save(CACHE);

const errors = diagnostics.filter((d) => d.isError);
for (const d of diagnostics) console.error(d.formattedMessage);
const seconds = ((Date.now() - started) / 1000).toFixed(1);
if (errors.length > 0) {
  console.error(
    `rosetta: ${errors.length} error(s) in the examples; fix them (each must compile as written, within its fixture)`,
  );
  process.exit(1);
}
console.log(
  `rosetta: ${snippets.length} examples compile (README, ${docs.length} docs pages, doc comments), ` +
    `${cached.translations.length} from the cache, ${cached.remaining.length} compiled; ${seconds} s`,
);

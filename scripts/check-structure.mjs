// `npm run check:structure`: the layout rules of lib/ and lambda/, checked with the TypeScript
// parser (no other dependency). Fails, naming each offence, when:
// - an import circle exists among the files (type imports and re-exports count);
// - a folder imports a folder above it in LAYERS (lib/), or lambda/ imports more than it may;
// - a file has more than 350 lines, or a function (or method) more than 60.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const MAX_FILE_LINES = 350;
const MAX_FUNCTION_LINES = 60;

/**
 * Each folder and the folders it may import (besides itself). lib/index.ts re-exports the product
 * and may import anything; the entry points directly in lambda/ may import any lambda folder.
 */
const MAY_IMPORT = {
  'lib/common': [],
  'lib/schedule': ['lib/common'],
  'lib/contract': ['lib/common', 'lib/schedule'],
  'lib/sdk': ['lib/common', 'lib/contract'],
  'lib/iam': ['lib/common', 'lib/schedule', 'lib/contract'],
  'lib/hub': ['lib/common', 'lib/schedule', 'lib/contract', 'lib/iam'],
  'lib/construct': ['lib/common', 'lib/schedule', 'lib/contract', 'lib/iam', 'lib/hub'],
  'lib/suggest': ['lib/common', 'lib/schedule', 'lib/sdk'],
  'lib/cli': ['lib/common', 'lib/schedule', 'lib/contract', 'lib/sdk', 'lib/suggest'],
  lib: ['*'],
};
/** What lambda/ may import of lib/: the CDK-free folders. */
const LAMBDA_MAY_IMPORT = ['lib/common', 'lib/schedule', 'lib/contract', 'lib/sdk'];
/**
 * lambda/'s folders: the run's general machinery knows no kind of resource; each kind (ec2/)
 * plugs into it; the hub runs kinds in other accounts; the entry points wire everything.
 */
const LAMBDA_LAYERS = {
  'lambda/run': [],
  'lambda/ec2': ['lambda/run'],
  'lambda/auto-scaling': ['lambda/run'],
  'lambda/eks': ['lambda/run', 'lambda/auto-scaling'],
  'lambda/kinds': ['lambda/run', 'lambda/ec2', 'lambda/auto-scaling', 'lambda/eks'],
  'lambda/hub': ['lambda/run', 'lambda/ec2', 'lambda/auto-scaling', 'lambda/eks', 'lambda/kinds'],
  'lambda/deduplication': ['lambda/run', 'lambda/hub'],
  lambda: ['*'],
};

function sourceFiles(dir) {
  const out = [];
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(rel));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

function resolveImport(from, spec) {
  if (!spec.startsWith('.')) return undefined;
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
  for (const candidate of [base, `${base}.ts`, `${base}/index.ts`]) {
    if (
      fs.existsSync(path.join(root, candidate)) &&
      fs.statSync(path.join(root, candidate)).isFile()
    ) {
      return candidate;
    }
  }
  return undefined;
}

/** The files `file` imports (static imports, `import type`, re-exports, dynamic `import()`). */
function importsOf(file, source) {
  const out = [];
  const visit = (node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      out.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      out.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out.map((spec) => resolveImport(file, spec)).filter((f) => f !== undefined);
}

/** Functions and methods longer than the limit, as "name (N lines)". */
function longFunctions(source) {
  const out = [];
  const lineOf = (pos) => source.getLineAndCharacterOfPosition(pos).line;
  const visit = (node) => {
    if (ts.isFunctionLike(node) && node.body) {
      const lines = lineOf(node.end) - lineOf(node.getStart(source)) + 1;
      if (lines > MAX_FUNCTION_LINES) {
        const name = node.name?.getText(source) ?? ts.SyntaxKind[node.kind];
        out.push(`${name} at line ${lineOf(node.getStart(source)) + 1} (${lines} lines)`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

const folderOf = (file) => path.posix.dirname(file);

function layerProblem(from, to) {
  const a = folderOf(from);
  const b = folderOf(to);
  if (a === b) return undefined;
  if (a.startsWith('lambda')) {
    if (!b.startsWith('lambda')) {
      return LAMBDA_MAY_IMPORT.includes(b) ? undefined : `lambda/ may not import ${b}`;
    }
    const allowed = LAMBDA_LAYERS[a];
    if (!allowed) return `${a} is not a known folder of lambda/: add it to LAMBDA_LAYERS`;
    return allowed.includes('*') || allowed.includes(b) ? undefined : `${a} may not import ${b}`;
  }
  const allowed = MAY_IMPORT[a];
  if (!allowed) return `${a} is not a known folder of lib/: add it to MAY_IMPORT`;
  return allowed.includes('*') || allowed.includes(b) ? undefined : `${a} may not import ${b}`;
}

/** The circles of the import graph, each as a list of files (Tarjan's strongly connected components). */
function circles(graph) {
  let index = 0;
  const stack = [];
  const info = new Map();
  const found = [];
  const connect = (v) => {
    info.set(v, { index, low: index, onStack: true });
    index++;
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!info.has(w)) {
        connect(w);
        info.get(v).low = Math.min(info.get(v).low, info.get(w).low);
      } else if (info.get(w).onStack) {
        info.get(v).low = Math.min(info.get(v).low, info.get(w).index);
      }
    }
    if (info.get(v).low === info.get(v).index) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        info.get(w).onStack = false;
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!info.has(v)) connect(v);
  return found;
}

const problems = [];
const graph = new Map();
const files = [...sourceFiles('lib'), ...sourceFiles('lambda')];
for (const file of files) {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  if (lines > MAX_FILE_LINES) problems.push(`${file}: ${lines} lines, over ${MAX_FILE_LINES}`);
  for (const f of longFunctions(source))
    problems.push(`${file}: function ${f}, over ${MAX_FUNCTION_LINES}`);
  const imports = importsOf(file, source);
  graph.set(file, imports);
  for (const to of imports) {
    const problem = layerProblem(file, to);
    if (problem) problems.push(`${file} imports ${to}: ${problem}`);
  }
}
for (const circle of circles(graph)) problems.push(`import circle: ${circle.join(' <-> ')}`);

if (problems.length > 0) {
  console.error(
    `check:structure: ${problems.length} problem(s)\n${problems.map((p) => `- ${p}`).join('\n')}`,
  );
  process.exit(1);
}
console.log(
  `check:structure: ${files.length} files in lib/ and lambda/: no import circle, every import within the layers, no file over ${MAX_FILE_LINES} lines, no function over ${MAX_FUNCTION_LINES}`,
);

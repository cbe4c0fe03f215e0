/**
 * The checks `npm run release:dry` runs on each artefact before anything could be uploaded: the
 * npm tarball's contents and version, and each jsii-pacmak tree's (Python, Java, .NET, Go) package
 * name and version against package.json's jsii targets, and its translated README free of
 * TypeScript. Pure functions over a directory or `npm pack --json` output, so a test can feed
 * them a broken artefact (test/release-artefacts.test.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** What every artefact must say: package.json's name, version and jsii targets. */
export interface Expected {
  /** The npm package's name. */
  readonly name: string;
  /** The version every artefact carries. */
  readonly version: string;
  /** PyPI distribution name and Python module. */
  readonly python: { readonly distName: string; readonly module: string };
  /** Maven coordinates and Java package. */
  readonly java: {
    readonly groupId: string;
    readonly artifactId: string;
    readonly package: string;
  };
  /** NuGet package id and namespace. */
  readonly dotnet: { readonly packageId: string; readonly namespace: string };
  /** Go module (the repository) holding the package. */
  readonly go: { readonly moduleName: string };
}

/** One artefact's outcome: what was checked, and what is wrong (empty when it is fine). */
export interface Outcome {
  /** What was checked, for the summary line. */
  readonly checked: string[];
  /** What is wrong, one message each. */
  readonly problems: string[];
}

/** The part of package.json the expectations come from. */
export interface PackageJson {
  /** The npm package's name. */
  readonly name: string;
  /** Its version. */
  readonly version: string;
  /** jsii's configuration, whose targets name the other languages' packages. */
  readonly jsii: {
    readonly targets: {
      readonly python: Expected['python'];
      readonly java: {
        readonly package: string;
        readonly maven: { readonly groupId: string; readonly artifactId: string };
      };
      readonly dotnet: Expected['dotnet'];
      readonly go: Expected['go'];
    };
  };
}

/** The expectations package.json sets. */
export function expectedFrom(pkg: PackageJson): Expected {
  const t = pkg.jsii.targets;
  return {
    name: pkg.name,
    version: pkg.version,
    python: t.python,
    java: { ...t.java.maven, package: t.java.package },
    dotnet: t.dotnet,
    go: t.go,
  };
}

/** The entry of `npm pack --json` the npm check reads. */
export interface PackResult {
  /** Package name. */
  readonly name: string;
  /** Package version. */
  readonly version: string;
  /** The files in the tarball. */
  readonly files: readonly { readonly path: string }[];
}

/** Files the npm package must carry: the assembly, the compiled library, the bundles, the docs. */
export const NPM_REQUIRED = [
  '.jsii',
  'API.md',
  'README.md',
  'LICENSE',
  'NOTICE',
  'dist/lib/index.js',
  'dist/lib/index.d.ts',
  'assets/start/index.js',
  'assets/stop/index.js',
  'assets/cli.js',
  'bin/cdk-ec2-scheduler.js',
  'schema/schedule-input.schema.json',
];

/** Paths the npm package must not carry: sources, tests, tooling (a pattern and why). */
const NPM_FORBIDDEN: readonly [RegExp, string][] = [
  [
    /^(test|harness|bench|lambda|lib|scripts|\.ci|\.github|node_modules|cdk\.out)\//,
    'source or tooling',
  ],
  [/(^|\/)[^/]*\.test\.[jt]s$/, 'a test'],
  [/(?<!\.d)\.ts$/, 'TypeScript source'],
  [/^(tsconfig[^/]*|jest[^/]*|cdk)\.json$|^jest[^/]*\.js$/, 'build configuration'],
  [/^dist\/(packages|js|python|java|dotnet|go)\//, "another language's artefact"],
];

/** The npm tarball: name, version, the files it needs, none it must not carry. */
export function checkNpmPack(pack: PackResult, expected: Expected): Outcome {
  const problems: string[] = [];
  if (pack.name !== expected.name)
    problems.push(`name is "${pack.name}", package.json says "${expected.name}"`);
  if (pack.version !== expected.version) {
    problems.push(`version is ${pack.version}, package.json says ${expected.version}`);
  }
  const paths = new Set(pack.files.map((f) => f.path));
  const missing = NPM_REQUIRED.filter((f) => !paths.has(f));
  if (missing.length) problems.push(`lacks ${missing.join(', ')}`);
  for (const p of paths) {
    const hit = NPM_FORBIDDEN.find(([re]) => re.test(p));
    if (hit) problems.push(`carries ${p} (${hit[1]})`);
  }
  return {
    checked: [
      `name and version`,
      `${NPM_REQUIRED.length} required files`,
      `no sources or tests in ${paths.size} files`,
    ],
    problems,
  };
}

/**
 * A line of TypeScript in an example that should be in another language (the sign that
 * jsii-rosetta did not translate it), or undefined. Signs: an ES import, `const`/`let` bindings,
 * a construct call with a single-quoted id, an arrow function (not in C#, which has them).
 */
export function typeScriptLine(
  code: string,
  language: 'python' | 'java' | 'csharp' | 'go',
): string | undefined {
  const signs = [
    /^\s*import\s.*\sfrom\s+['"]/,
    language === 'go'
      ? /\b(const|let)\s+\w+\s*=\s*new\b/
      : /\b(const|let)\s+\w+(\s*:\s*[\w.<>[\]]+)?\s*=/,
    /\((this|stack|scope),\s*'/,
    ...(language === 'csharp' ? [] : [/\)\s*=>|\w\s*=>\s*[{(\w]/]),
  ];
  return code.split('\n').find((line) => signs.some((re) => re.test(line)));
}

/** Code blocks of a Markdown file in the given fence languages (all fences when none given). */
export function fences(
  markdown: string,
  languages?: readonly string[],
): { lang: string; code: string }[] {
  const out: { lang: string; code: string }[] = [];
  const re = /^```(\w*)[^\n]*\n([\s\S]*?)^```/gm;
  for (let m = re.exec(markdown); m; m = re.exec(markdown)) {
    if (!languages || languages.includes(m[1])) out.push({ lang: m[1], code: m[2] });
  }
  return out;
}

function readIn(dir: string, file: string, problems: string[]): string {
  const full = path.join(dir, file);
  if (!fs.existsSync(full)) {
    problems.push(`${file} is missing`);
    return '';
  }
  return fs.readFileSync(full, 'utf8');
}

function noTypeScript(
  blocks: string[],
  language: Parameters<typeof typeScriptLine>[1],
  where: string,
): string[] {
  const bad = blocks
    .map((b) => typeScriptLine(b, language))
    .filter((l): l is string => l !== undefined);
  return bad.length
    ? [`${where}: ${bad.length} example(s) hold TypeScript, e.g. "${bad[0].trim()}"`]
    : [];
}

function field(text: string, re: RegExp, what: string, want: string, problems: string[]): void {
  const got = re.exec(text)?.[1];
  if (got !== want)
    problems.push(
      `${what} is ${got === undefined ? 'missing' : `"${got}"`}, package.json says "${want}"`,
    );
}

/** pacmak's Python tree (dist/packages/python): setup.py's name and version, module, README. */
export function checkPythonTree(dir: string, expected: Expected): Outcome {
  const problems: string[] = [];
  const setup = readIn(dir, 'setup.py', problems);
  field(setup, /"name": "([^"]*)"/, 'setup.py name', expected.python.distName, problems);
  field(setup, /"version": "([^"]*)"/, 'setup.py version', expected.version, problems);
  readIn(dir, `src/${expected.python.module}/__init__.py`, problems);
  const readme = readIn(dir, 'README.md', problems);
  problems.push(
    ...noTypeScript(
      fences(readme, ['python']).map((f) => f.code),
      'python',
      'README.md',
    ),
  );
  return { checked: ['name, version, module', 'README examples'], problems };
}

/** pacmak's Java tree: pom.xml's coordinates and version, the package, its javadoc examples. */
export function checkJavaTree(dir: string, expected: Expected): Outcome {
  const problems: string[] = [];
  const pom = readIn(dir, 'pom.xml', problems).replace(/<dependencies>[\s\S]*<\/dependencies>/, '');
  field(pom, /<groupId>([^<]*)<\/groupId>/, 'pom.xml groupId', expected.java.groupId, problems);
  field(
    pom,
    /<artifactId>([^<]*)<\/artifactId>/,
    'pom.xml artifactId',
    expected.java.artifactId,
    problems,
  );
  field(
    pom,
    /<artifactId>[^<]*<\/artifactId>\s*<version>([^<]*)<\/version>/,
    'pom.xml version',
    expected.version,
    problems,
  );
  const info = readIn(
    dir,
    `src/main/java/${expected.java.package.replace(/\./g, '/')}/package-info.java`,
    problems,
  );
  const blocks = [...info.matchAll(/<pre>([\s\S]*?)<\/pre>/g)].map((m) =>
    m[1].replace(/^\s*\* ?/gm, ''),
  );
  problems.push(
    ...noTypeScript(blocks.map(unescapeHtml), 'java', 'package-info.java (the README)'),
  );
  return { checked: ['coordinates, version, package', 'README examples (javadoc)'], problems };
}

function unescapeHtml(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** pacmak's .NET tree: the csproj's package id and version, the namespace, its doc examples. */
export function checkDotnetTree(dir: string, expected: Expected): Outcome {
  const problems: string[] = [];
  const id = expected.dotnet.packageId;
  const csproj = readIn(dir, `${id}/${id}.csproj`, problems);
  field(csproj, /<PackageId>([^<]*)<\/PackageId>/, 'csproj PackageId', id, problems);
  field(
    csproj,
    /<PackageVersion>([^<]*)<\/PackageVersion>/,
    'csproj PackageVersion',
    expected.version,
    problems,
  );
  const doc = readIn(dir, `${id}/${expected.dotnet.namespace}/NamespaceDoc.cs`, problems);
  const blocks = [...doc.matchAll(/<code><!\[CDATA\[([\s\S]*?)\]\]><\/code>/g)].map((m) =>
    m[1].replace(/^\s*\/\/\/ ?/gm, ''),
  );
  problems.push(...noTypeScript(blocks, 'csharp', 'NamespaceDoc.cs (the README)'));
  return { checked: ['package id, version, namespace', 'README examples (doc comment)'], problems };
}

/** The Go package's directory under the module (the jsii module's name, lower case, no dashes). */
export function goPackageDir(expected: Expected): string {
  return expected.name.replace(/[^a-z0-9]/gi, '').toLowerCase();
}

/** pacmak's Go tree: go.mod's module path, the version file, the README's go examples. */
export function checkGoTree(dir: string, expected: Expected): Outcome {
  const problems: string[] = [];
  const pkgDir = goPackageDir(expected);
  const mod = readIn(dir, `${pkgDir}/go.mod`, problems);
  field(mod, /^module (\S+)/m, 'go.mod module', `${expected.go.moduleName}/${pkgDir}`, problems);
  field(
    readIn(dir, `${pkgDir}/version`, problems),
    /^(\S+)/,
    'version file',
    expected.version,
    problems,
  );
  const readme = readIn(dir, `${pkgDir}/README.md`, problems);
  problems.push(
    ...noTypeScript(
      fences(readme, ['go']).map((f) => f.code),
      'go',
      'README.md',
    ),
  );
  return { checked: ['module path, version', 'README examples'], problems };
}

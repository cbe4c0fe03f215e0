/**
 * release:dry's artefact checks (scripts/release/artefacts.ts) pass on artefacts that match
 * package.json and fail, naming the fault, on broken ones: a version or name that differs, a
 * file the npm package needs missing or one it must not carry, TypeScript left in another
 * language's examples. Small hand-made trees in the shape jsii-pacmak writes; no pacmak run.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as a from '../scripts/release/artefacts';
import pkg from '../package.json';

const expected = a.expectedFrom(pkg);
const v = pkg.version;

const goodPack = (): a.PackResult => ({
  name: pkg.name,
  version: v,
  files: [
    ...a.NPM_REQUIRED,
    'dist/lib/construct/ec2-scheduler.js',
    'dist/lib/construct/ec2-scheduler.d.ts',
  ].map((p) => ({ path: p })),
});

describe('npm tarball', () => {
  test('a tarball as package.json describes it passes', () => {
    expect(a.checkNpmPack(goodPack(), expected).problems).toEqual([]);
  });

  test.each<[string, (p: a.PackResult) => a.PackResult, string]>([
    [
      'another version',
      (p) => ({ ...p, version: '0.0.9' }),
      `version is 0.0.9, package.json says ${v}`,
    ],
    [
      'another name',
      (p) => ({ ...p, name: 'cdk-ec2-schedulr' }),
      `name is "cdk-ec2-schedulr", package.json says "${pkg.name}"`,
    ],
    [
      'no .jsii',
      (p) => ({ ...p, files: p.files.filter((f) => f.path !== '.jsii') }),
      'lacks .jsii',
    ],
    [
      'no bundles',
      (p) => ({ ...p, files: p.files.filter((f) => !f.path.startsWith('assets/')) }),
      'lacks assets/start/index.js, assets/stop/index.js, assets/cli.js',
    ],
    [
      'a test',
      (p) => ({ ...p, files: [...p.files, { path: 'dist/lib/x.test.js' }] }),
      'carries dist/lib/x.test.js (a test)',
    ],
    [
      'sources',
      (p) => ({ ...p, files: [...p.files, { path: 'lib/index.ts' }] }),
      'carries lib/index.ts (source or tooling)',
    ],
    [
      'a stray .ts',
      (p) => ({ ...p, files: [...p.files, { path: 'dist/lib/index.ts' }] }),
      'carries dist/lib/index.ts (TypeScript source)',
    ],
    [
      'pacmak output',
      (p) => ({ ...p, files: [...p.files, { path: 'dist/packages/python/setup.py' }] }),
      "carries dist/packages/python/setup.py (another language's artefact)",
    ],
  ])('%s fails', (_, broken, message) => {
    expect(a.checkNpmPack(broken(goodPack()), expected).problems).toContain(message);
  });
});

const PY = 'scheduler = Ec2Scheduler(self, "Scheduler",\n    time_zone="America/New_York"\n)\n';
const JAVA =
  'Ec2Scheduler scheduler = Ec2Scheduler.Builder.create(this, "Scheduler")\n        .timeZone("America/New_York")\n        .build();\n';
const CS =
  'var scheduler = new Ec2Scheduler(this, "Scheduler", new Ec2SchedulerProps {\n    TimeZone = "America/New_York"\n});\nscheduler.Schedules.ForEach(s => Console.WriteLine(s));\n';
const GO =
  'scheduler := cdkec2scheduler.NewEc2Scheduler(this, jsii.String("Scheduler"), &Ec2SchedulerProps{\n\tTimeZone: jsii.String("America/New_York"),\n})\n';
const TS =
  "import { Ec2Scheduler } from 'cdk-ec2-scheduler';\nconst scheduler = new Ec2Scheduler(stack, 'Scheduler', {});\n";

/** A tree as jsii-pacmak --code-only writes it (only the files the checks read). */
function trees(examples: { py?: string; java?: string; cs?: string; go?: string } = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'release-artefacts-'));
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  };
  write(
    'python/setup.py',
    `kwargs = json.loads("""{\n    "name": "${expected.python.distName}",\n    "version": "${v}",\n}""")`,
  );
  write(`python/src/${expected.python.module}/__init__.py`, '');
  write(
    'python/README.md',
    `# x\n\n\`\`\`sh\nnpm ci\n\`\`\`\n\n\`\`\`python\n${examples.py ?? PY}\`\`\`\n`,
  );
  write(
    'java/pom.xml',
    `<project>\n  <groupId>${expected.java.groupId}</groupId>\n  <artifactId>${expected.java.artifactId}</artifactId>\n  <version>${v}</version>\n  <dependencies><dependency><groupId>software.amazon.awscdk</groupId><artifactId>aws-cdk-lib</artifactId><version>[2.269.0,3.0.0)</version></dependency></dependencies>\n</project>\n`,
  );
  const javadoc = (examples.java ?? JAVA).replace(/</g, '&lt;').replace(/^/gm, ' * ');
  write(
    `java/src/main/java/${expected.java.package.replace(/\./g, '/')}/package-info.java`,
    `/**\n * <blockquote><pre>\n${javadoc}\n * </pre></blockquote>\n */\n`,
  );
  const id = expected.dotnet.packageId;
  write(
    `dotnet/${id}/${id}.csproj`,
    `<Project>\n    <PackageId>${id}</PackageId>\n    <PackageVersion>${v}</PackageVersion>\n</Project>\n`,
  );
  write(
    `dotnet/${id}/${expected.dotnet.namespace}/NamespaceDoc.cs`,
    `/// <code><![CDATA[\n${(examples.cs ?? CS).replace(/^/gm, '/// ')}\n/// ]]></code>\n`,
  );
  const g = a.goPackageDir(expected);
  write(`go/${g}/go.mod`, `module ${expected.go.moduleName}/${g}\n\ngo 1.25\n`);
  write(`go/${g}/version`, `${v}\n`);
  write(`go/${g}/README.md`, `\`\`\`go\n${examples.go ?? GO}\`\`\`\n`);
  return dir;
}

describe("the other languages' trees", () => {
  test('trees as package.json describes them pass', () => {
    const dir = trees();
    expect(a.checkPythonTree(path.join(dir, 'python'), expected).problems).toEqual([]);
    expect(a.checkJavaTree(path.join(dir, 'java'), expected).problems).toEqual([]);
    expect(a.checkDotnetTree(path.join(dir, 'dotnet'), expected).problems).toEqual([]);
    expect(a.checkGoTree(path.join(dir, 'go'), expected).problems).toEqual([]);
  });

  const edit = (dir: string, file: string, from: string | RegExp, to: string) =>
    fs.writeFileSync(
      path.join(dir, file),
      fs.readFileSync(path.join(dir, file), 'utf8').replace(from, to),
    );
  const g = a.goPackageDir(expected);
  const id = expected.dotnet.packageId;

  test.each<[string, (dir: string) => void, (dir: string) => a.Outcome, string]>([
    [
      'python version',
      (d) => edit(d, 'python/setup.py', `"${v}"`, '"9.9.9"'),
      (d) => a.checkPythonTree(path.join(d, 'python'), expected),
      `setup.py version is "9.9.9", package.json says "${v}"`,
    ],
    [
      'python name',
      (d) => edit(d, 'python/setup.py', `"${expected.python.distName}"`, '"cdk_ec2"'),
      (d) => a.checkPythonTree(path.join(d, 'python'), expected),
      `setup.py name is "cdk_ec2", package.json says "${expected.python.distName}"`,
    ],
    [
      'python module',
      (d) => fs.rmSync(path.join(d, `python/src/${expected.python.module}`), { recursive: true }),
      (d) => a.checkPythonTree(path.join(d, 'python'), expected),
      `src/${expected.python.module}/__init__.py is missing`,
    ],
    [
      'java version',
      (d) => edit(d, 'java/pom.xml', `<version>${v}</version>`, '<version>9.9.9</version>'),
      (d) => a.checkJavaTree(path.join(d, 'java'), expected),
      `pom.xml version is "9.9.9", package.json says "${v}"`,
    ],
    [
      'java artifactId',
      (d) =>
        edit(
          d,
          'java/pom.xml',
          `<artifactId>${expected.java.artifactId}</artifactId>`,
          '<artifactId>x</artifactId>',
        ),
      (d) => a.checkJavaTree(path.join(d, 'java'), expected),
      `pom.xml artifactId is "x", package.json says "${expected.java.artifactId}"`,
    ],
    [
      'dotnet version',
      (d) => edit(d, `dotnet/${id}/${id}.csproj`, `>${v}<`, '>9.9.9<'),
      (d) => a.checkDotnetTree(path.join(d, 'dotnet'), expected),
      `csproj PackageVersion is "9.9.9", package.json says "${v}"`,
    ],
    [
      'go version',
      (d) => edit(d, `go/${g}/version`, v, '9.9.9'),
      (d) => a.checkGoTree(path.join(d, 'go'), expected),
      `version file is "9.9.9", package.json says "${v}"`,
    ],
    [
      'go module',
      (d) => edit(d, `go/${g}/go.mod`, expected.go.moduleName, 'github.com/x/y'),
      (d) => a.checkGoTree(path.join(d, 'go'), expected),
      `go.mod module is "github.com/x/y/${g}", package.json says "${expected.go.moduleName}/${g}"`,
    ],
  ])('%s differs: fails', (_, breakIt, check, message) => {
    const dir = trees();
    breakIt(dir);
    expect(check(dir).problems).toContain(message);
  });

  test.each<[string, Parameters<typeof trees>[0], (d: string) => a.Outcome, string]>([
    ['python', { py: TS }, (d) => a.checkPythonTree(path.join(d, 'python'), expected), 'README.md'],
    [
      'java',
      { java: TS },
      (d) => a.checkJavaTree(path.join(d, 'java'), expected),
      'package-info.java (the README)',
    ],
    [
      'dotnet',
      { cs: TS },
      (d) => a.checkDotnetTree(path.join(d, 'dotnet'), expected),
      'NamespaceDoc.cs (the README)',
    ],
    ['go', { go: TS }, (d) => a.checkGoTree(path.join(d, 'go'), expected), 'README.md'],
  ])('%s README examples left in TypeScript: fails', (_, examples, check, where) => {
    expect(check(trees(examples)).problems).toEqual([
      `${where}: 1 example(s) hold TypeScript, e.g. "import { Ec2Scheduler } from 'cdk-ec2-scheduler';"`,
    ]);
  });
});

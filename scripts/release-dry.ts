/**
 * `npm run release:dry`: everything a release does before the upload. Packs the npm tarball
 * (dist/js, as publib-npm takes it), generates the Python, Java, .NET and Go packages with
 * jsii-pacmak from the assembly `npm ci` / `npm run build` already built, builds what this machine
 * can build, checks every artefact (scripts/release/artefacts.ts) and prints one line per
 * artefact: what was built and checked, what was not and why. Exit 1 on any problem.
 *
 * Default (CI, no network beyond npm): pacmak --code-only source trees in dist/packages, the
 * Python wheel in dist/python when /usr/bin/python3 has setuptools and wheel.
 * `--full` (the release workflow, in the jsii/superchain image with every toolchain): pacmak
 * builds every artefact for real into dist/ (dist/js, python, java, dotnet, go) for publib.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as a from './release/artefacts';

const root = path.join(__dirname, '..');
const full = process.argv.includes('--full');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const expected = a.expectedFrom(pkg);
const lines: string[] = [];
let failed = false;

function report(artefact: string, built: string, outcome: a.Outcome, notBuilt?: string): void {
  const ok = outcome.problems.length === 0;
  failed ||= !ok;
  const tail = notBuilt ? `; not built: ${notBuilt}` : '';
  lines.push(
    `${ok ? 'ok  ' : 'FAIL'} ${artefact}: ${built}; checked ${outcome.checked.join(', ')}${tail}`,
  );
  for (const p of outcome.problems) lines.push(`       ${artefact}: ${p}`);
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  return execFileSync(cmd, args, {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** The assembly must be current: release:dry reuses the build, it does not redo it. */
function assemblyIsCurrent(): void {
  const jsii = path.join(root, '.jsii');
  if (!fs.existsSync(jsii))
    throw new Error('.jsii is missing: run npm run build (or npm ci) first');
  const newest = (dir: string): number =>
    fs
      .readdirSync(dir, { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile() && e.name.endsWith('.ts'))
      .reduce((m, e) => Math.max(m, fs.statSync(path.join(e.parentPath, e.name)).mtimeMs), 0);
  if (newest(path.join(root, 'lib')) > fs.statSync(jsii).mtimeMs) {
    throw new Error(
      'lib/ is newer than .jsii: run npm run build first (release:dry reuses the build)',
    );
  }
  const assembly = JSON.parse(fs.readFileSync(jsii, 'utf8'));
  if (assembly.version !== expected.version) {
    throw new Error(
      `.jsii has version ${assembly.version}, package.json ${expected.version}: run npm run build`,
    );
  }
}

function npmTarball(): void {
  const dest = path.join(root, 'dist', 'js');
  fs.rmSync(dest, { recursive: true, force: true });
  fs.mkdirSync(dest, { recursive: true });
  // --ignore-scripts: `prepare` would rebuild what npm ci built (about 40 s).
  const out = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dest]);
  const [pack] = JSON.parse(out.slice(out.indexOf('[')));
  const outcome = a.checkNpmPack(pack, expected);
  const kb = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
  report(
    'npm',
    `dist/js/${pack.filename} (${kb(pack.size)} packed, ${kb(pack.unpackedSize)} unpacked, ${pack.entryCount} files)`,
    outcome,
  );
}

/** pacmak; `npm_config_ignore_scripts`: its own `npm pack` would otherwise run `prepare` again. */
function pacmak(outdir: string, codeOnly: boolean): void {
  // As `npm run package`: the examples' translations from the tablet the build wrote, none live.
  const args = [
    'jsii-pacmak',
    '--force',
    '-o',
    outdir,
    '--rosetta-unknown-snippets=fail',
    ...(codeOnly ? ['--code-only'] : []),
  ];
  run('npx', args, {
    npm_config_ignore_scripts: 'true',
    JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION: '1',
  });
}

function python3(): string | undefined {
  return ['/usr/bin/python3', 'python3'].find(
    (p) => spawnSync(p, ['--version'], { stdio: 'ignore' }).status === 0,
  );
}

function pythonCompiles(py: string, tree: string, outcome: a.Outcome): void {
  const code =
    'import pathlib,sys\nfor f in pathlib.Path(sys.argv[1]).rglob("*.py"): compile(f.read_text(), str(f), "exec")';
  const r = spawnSync(py, ['-c', code, tree], { encoding: 'utf8' });
  outcome.checked.push(`${py} compiles every .py`);
  if (r.status !== 0)
    outcome.problems.push(`python sources do not compile: ${r.stderr.trim().split('\n').pop()}`);
}

/** The wheel's METADATA name and version and the module inside it. */
function checkWheel(py: string, wheel: string, outcome: a.Outcome): void {
  const code =
    'import zipfile,sys\nz=zipfile.ZipFile(sys.argv[1])\nn=z.namelist()\nm=[x for x in n if x.endswith(".dist-info/METADATA")][0]\nprint(z.read(m).decode().split("\\n\\n")[0]);print("\\n".join(n))';
  const text = run(py, ['-c', code, wheel]);
  const want = [
    `Name: ${expected.python.distName}`,
    `Version: ${expected.version}`,
    `${expected.python.module}/__init__.py`,
  ];
  outcome.checked.push("the wheel's name, version and module");
  for (const w of want)
    if (!text.split('\n').includes(w))
      outcome.problems.push(`${path.basename(wheel)} lacks "${w}"`);
}

function pythonArtefact(tree: string): void {
  const outcome = a.checkPythonTree(tree, expected);
  const py = python3();
  if (py) pythonCompiles(py, tree, outcome);
  const dest = path.join(root, 'dist', 'python');
  let built = 'source tree dist/packages/python (pacmak --code-only)';
  let notBuilt: string | undefined =
    'the wheel: no python3 with setuptools and wheel (apt install python3-setuptools python3-wheel)';
  if (full) {
    built = 'wheel and sdist (pacmak)';
    notBuilt = undefined;
  } else if (
    spawnSync('/usr/bin/python3', ['-c', 'import setuptools, wheel'], { stdio: 'ignore' })
      .status === 0
  ) {
    run('/usr/bin/python3', [
      '-m',
      'pip',
      'wheel',
      '--quiet',
      '--no-build-isolation',
      '--no-deps',
      '--no-index',
      '-w',
      dest,
      tree,
    ]);
    built +=
      ", and the wheel with Debian's setuptools (PyPI's, which pacmak uses, is not reachable)";
    notBuilt = 'the sdist (pacmak builds it in the release workflow)';
  }
  const wheels = fs.existsSync(dest) ? fs.readdirSync(dest).filter((f) => f.endsWith('.whl')) : [];
  if (wheels.length) {
    built = built.replace('the wheel', `dist/python/${wheels[0]}`);
    checkWheel(py ?? '/usr/bin/python3', path.join(dest, wheels[0]), outcome);
  } else if (full) outcome.problems.push('no wheel in dist/python');
  report('python', built, outcome, notBuilt);
}

/** Java, .NET, Go: the source tree always; the binary only in --full, where its toolchain is. */
function otherArtefact(
  name: 'java' | 'dotnet' | 'go',
  tree: string,
  tool: string,
  binary: () => string | undefined,
): void {
  const check = { java: a.checkJavaTree, dotnet: a.checkDotnetTree, go: a.checkGoTree }[name];
  const outcome = check(tree, expected);
  let built = `source tree dist/packages/${name} (pacmak --code-only)`;
  let notBuilt: string | undefined;
  if (full) {
    const file = binary();
    if (file) built += `, and ${file}`;
    else outcome.problems.push(`pacmak built no ${name} artefact in dist/${name}`);
  } else {
    const why = has(tool)
      ? `${tool} is here but its registry is not reachable`
      : `no ${tool} on this machine`;
    notBuilt = `the ${{ java: 'Maven jar', dotnet: 'NuGet package', go: 'Go module build' }[name]}: ${why} (the release workflow builds it)`;
  }
  report(name, built, outcome, notBuilt);
}

function find(dir: string, re: RegExp): string | undefined {
  if (!fs.existsSync(dir)) return undefined;
  const hit = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).find((f) => re.test(f));
  return hit && path.relative(root, path.join(dir, hit));
}

function main(): void {
  const t0 = Date.now();
  assemblyIsCurrent();
  const dist = path.join(root, 'dist');
  for (const d of ['python', 'java', 'dotnet', 'go'])
    fs.rmSync(path.join(dist, d), { recursive: true, force: true });
  npmTarball();
  const trees = path.join(dist, 'packages');
  pacmak(trees, true);
  if (full) pacmak(dist, false);
  const v = expected.version.replace(/\./g, '\\.');
  pythonArtefact(path.join(trees, 'python'));
  otherArtefact('java', path.join(trees, 'java'), 'mvn', () =>
    find(path.join(dist, 'java'), new RegExp(`${expected.java.artifactId}-${v}\\.jar$`)),
  );
  otherArtefact('dotnet', path.join(trees, 'dotnet'), 'dotnet', () =>
    find(path.join(dist, 'dotnet'), new RegExp(`${expected.dotnet.packageId}\\.${v}\\.nupkg$`)),
  );
  otherArtefact('go', path.join(trees, 'go'), 'go', () => find(path.join(dist, 'go'), /go\.mod$/));
  console.log(lines.join('\n'));
  console.log(
    `release:dry ${failed ? 'failed' : 'passed'} in ${((Date.now() - t0) / 1000).toFixed(0)} s (${full ? 'full build' : 'no upload, no binaries this machine cannot build'})`,
  );
  process.exit(failed ? 1 : 0);
}

main();

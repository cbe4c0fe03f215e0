/**
 * The install text is honest until the first release: the README promises no registry package
 * (nothing is published, `npm install cdk-ec2-scheduler` answers E404), and docs/install.md names
 * the packages as the jsii targets in package.json will publish them. (The install commands
 * themselves are run as written by the consumer test, .ci/consumer-test.sh.)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expectedFrom, goPackageDir } from '../scripts/release/artefacts';
import pkg from '../package.json';

const read = (file: string) => fs.readFileSync(path.join(__dirname, '..', file), 'utf8');
const expected = expectedFrom(pkg);

/** The commands a user copies: the shell code blocks (```sh, ```bash, ```console) of a page. */
function blocks(text: string): string[] {
  const found: string[] = [];
  let fence: { shell: boolean; lines: string[] } | undefined;
  for (const line of text.split('\n')) {
    if (fence === undefined && line.startsWith('```')) {
      fence = { shell: /^```(sh|bash|console)\s*$/.test(line), lines: [] };
    } else if (fence !== undefined && line === '```') {
      if (fence.shell) found.push(fence.lines.join('\n'));
      fence = undefined;
    } else fence?.lines.push(line);
  }
  return found;
}

test.each([
  ['npm', /npm (install|i) cdk-ec2-scheduler(@[\w.]+)?(\s|$)/m],
  ['PyPI', /pip install/],
  ['NuGet', /dotnet add package/],
  ['Go', /go get/],
  ['Maven', /<artifactId>/],
])("the README's commands install no %s package before the first release", (_, install) => {
  const commands = blocks(read('README.md'));
  expect(commands.length).toBeGreaterThan(0);
  for (const command of commands) expect(command).not.toMatch(install);
});

test('docs/install.md says nothing is published yet and gives the tarball install', () => {
  const doc = read('docs/install.md');
  expect(doc).toMatch(/Nothing is published yet/);
  expect(doc).toContain(`git clone ${pkg.repository.url}`);
  expect(doc).toContain(`npm install ../cdk-ec2-scheduler/${pkg.name}-*.tgz`);
});

test("docs/install.md names each language's package as package.json's jsii targets do", () => {
  const doc = read('docs/install.md');
  for (const name of [
    `pip install ${expected.python.distName}`,
    `\`${expected.python.module}\``,
    `\`${expected.java.groupId}:${expected.java.artifactId}\``,
    `\`${expected.java.package}\``,
    `dotnet add package ${expected.dotnet.packageId}`,
    `go get ${expected.go.moduleName}/${goPackageDir(expected)}`,
  ]) {
    expect(doc).toContain(name);
  }
});

test("the README's install commands are docs/install.md's, which the consumer test runs", () => {
  const doc = read('docs/install.md');
  const marked = (name: string) =>
    blocks(doc.slice(doc.indexOf(`<!-- consumer-test: ${name} -->`)))[0];
  const readme = blocks(read('README.md'));
  expect(readme).toContain(marked('build'));
  expect(readme).toContain(marked('install'));
});

/**
 * The version `cdk-ec2-scheduler --version` prints: the package's, read at run time from its
 * package.json, so that it is the installed package's whatever built the bundle.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The package's name in its package.json. */
const PACKAGE = 'cdk-ec2-scheduler';

/**
 * The version in the package.json of this package, the first one up from `dir` (the bundle's
 * `assets/`, or the sources' `lib/cli/`).
 * @throws Error when no folder above `dir` holds it
 */
export function packageVersion(dir: string = __dirname): string {
  for (let at = dir; ; at = path.dirname(at)) {
    const file = path.join(at, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === PACKAGE && pkg.version) return pkg.version;
    }
    if (path.dirname(at) === at) {
      throw new Error(`found no package.json of ${PACKAGE} above ${dir}`);
    }
  }
}

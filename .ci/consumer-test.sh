#!/usr/bin/env bash
# Consumer test: build and pack the library with docs/install.md's commands (clone, npm ci, npm
# pack), install the tarball with its command into a fresh TypeScript CDK app
# (test/consumer/app.ts: the README example and a tagged instance; and the README's complete app
# with its cdk-nag block as written, scripts/readme-app.mjs) at the minimum supported
# aws-cdk-lib/constructs and at the newest on the registry (looked up when the test runs), and in
# each check that the install warns of no engine, tsc passes, exactly one aws-cdk-lib and one
# constructs are installed, `cdk synth` succeeds (built-in template validation on, where the
# aws-cdk-lib has it), the preview command reads the app's cloud assembly, and the library alone
# in explicit-env stacks (a scheduler, a hub, spoke roles) passes cdk-nag's AwsSolutionsChecks
# (NAG=1). Prints the figures the closing notes quote. Needs the npm registry.
#
# NODE_MINIMUM and NODE_NEWEST, when set, are the Node.js binaries the two apps are installed,
# compiled, synthesized and previewed with (.ci/run: the oldest and newest Node.js the package
# supports). The clone's npm ci and npm pack run on the machine's Node.js (the toolchain's).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# label aws-cdk-lib constructs cdk-nag node
newest() { npm view "$1" version --silent; }
VERSIONS=(
  "minimum 2.269.0 10.5.1 3.0.2 ${NODE_MINIMUM:-node}"
  "newest $(newest aws-cdk-lib) $(newest constructs) $(newest cdk-nag) ${NODE_NEWEST:-node}"
)
TYPESCRIPT=6.0.3
TYPES_NODE=20.19.43

# The install from source as docs/install.md gives it, its commands run as written: the sh block
# after the line "<!-- consumer-test: build -->" in the directory beside the apps, the one after
# "<!-- consumer-test: install -->" in each app. The clone is of this checkout's committed HEAD
# (through a link named as the repository) instead of package.json's repository.url.
doc="$repo/docs/install.md"
doc_block() {
  awk -v marker="<!-- consumer-test: $1 -->" '
    $0 == marker { found = 1; next }
    found && /^```sh$/ { inside = 1; next }
    inside && /^```$/ { exit }
    inside { print }' "$doc"
}
build_commands="$(doc_block build)"
install_commands="$(doc_block install)"
url="$(node -p "require('$repo/package.json').repository.url")"
if [ -z "$build_commands" ] || [ -z "$install_commands" ]; then
  echo "docs/install.md lacks the sh blocks after <!-- consumer-test: build --> and <!-- consumer-test: install -->" >&2
  exit 1
fi
grep -qF "git clone $url" <<<"$build_commands" ||
  { echo "docs/install.md does not clone $url (package.json's repository.url)" >&2; exit 1; }
mkdir "$work/origin"
ln -s "$repo" "$work/origin/$(basename "$url" .git)"
t0=$(date +%s)
(cd "$work" && bash -euo pipefail -c "${build_commands//"$url"/$work/origin/$(basename "$url" .git)}") \
  >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; echo "docs/install.md's build commands failed" >&2; exit 1; }
clone="$work/$(basename "$url" .git)"
echo "docs/install.md's build commands (clone, npm ci, npm pack): $(($(date +%s) - t0)) s"
(cd "$clone" && npm pack --dry-run --ignore-scripts --json --silent) > "$work/pack.json"
node -e '
  const [p] = require(process.argv[1]);
  const has = (f) => p.files.some((x) => x.path === f);
  const need = [".jsii", ".jsii.tabl.json", "API.md", "LICENSE", "NOTICE", "README.md", "BENCHMARKS.md",
    "dist/lib/index.js", "dist/lib/index.d.ts", "assets/start/index.js", "assets/stop/index.js",
    "assets/cli.js", "bin/cdk-ec2-scheduler.js", "schema/schedule-input.schema.json"];
  const missing = need.filter((f) => !has(f));
  if (missing.length) { console.error("the package lacks " + missing.join(", ")); process.exit(1); }
  console.log(`package: ${p.filename}, ${p.size} bytes packed, ${p.unpackedSize} unpacked, ${p.entryCount} files`);
' "$work/pack.json"
[ -f "$clone/$(node -p "require('$work/pack.json')[0].filename")" ] ||
  { echo "docs/install.md's build commands wrote no $(node -p "require('$work/pack.json')[0].filename")" >&2; exit 1; }
cdk="$repo/node_modules/.bin/cdk"

for entry in "${VERSIONS[@]}"; do
  read -r label cdklib constructs cdknag node <<<"$entry"
  nodedir="$(dirname "$(command -v "$node")")"
  app="$work/app-$label"
  mkdir -p "$app"
  cp "$repo/test/consumer/app.ts" "$repo/test/consumer/tsconfig.json" "$app/"
  node "$repo/scripts/readme-app.mjs" "$app/readme-app.ts"
  cd "$app"
  cat > package.json <<JSON
{ "name": "consumer-$label", "version": "1.0.0", "private": true,
  "dependencies": { "aws-cdk-lib": "$cdklib", "constructs": "$constructs", "cdk-nag": "$cdknag" },
  "devDependencies": { "typescript": "$TYPESCRIPT", "@types/node": "$TYPES_NODE" } }
JSON
  echo "== $label: aws-cdk-lib $cdklib, constructs $constructs, cdk-nag $cdknag, Node.js $("$node" --version)"
  # From here on the app's Node.js: npm (and the engines check it makes), tsc, the cdk CLI and
  # the app, the preview command.
  PATH="$nodedir:$PATH"
  npm install --no-audit --no-fund --loglevel=error >/dev/null
  # docs/install.md's install command, as written; on a supported Node.js it warns of no engine.
  bash -euo pipefail -c "$install_commands" >install.log 2>&1 || { cat install.log >&2; exit 1; }
  if grep -i 'EBADENGINE' install.log >&2; then echo "$label: installing the package warned of its engines" >&2; exit 1; fi
  node -e 'process.exit(/^file:/.test(require("./package.json").dependencies["cdk-ec2-scheduler"] ?? "") ? 0 : 1)' ||
    { echo "$label: docs/install.md's install command did not add the tarball to package.json" >&2; exit 1; }
  for name in aws-cdk-lib constructs; do
    copies=$(npm query "#$name" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).length))')
    if [ "$copies" != 1 ]; then echo "$label: $copies copies of $name installed" >&2; exit 1; fi
  done
  echo "one aws-cdk-lib and one constructs installed; the library takes $(du -sk node_modules/cdk-ec2-scheduler | cut -f1) KiB"
  npx tsc -p tsconfig.json
  run_synth() {
    local t0 t1
    t0=$(date +%s%N)
    "$cdk" synth -q --app "node out/app.js" -o "$1" --no-notices -c cli-telemetry=false >/dev/null
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000000))
  }
  # SYNTH_RUNS=3 for figures to quote: runs alternate, and the median of each is printed.
  withouts=() withs=()
  for _ in $(seq "${SYNTH_RUNS:-1}"); do
    withouts+=("$(WITHOUT_SCHEDULER=1 run_synth cdk.out.plain)")
    withs+=("$(run_synth cdk.out)")
  done
  median() { printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"; }
  echo "cdk synth: $(median "${withouts[@]}") ms without the scheduler, $(median "${withs[@]}") ms with it (median of ${SYNTH_RUNS:-1}: ${withouts[*]} / ${withs[*]})"
  out=$(npx cdk-ec2-scheduler preview cdk.out --from 2026-12-21T00:00:00Z --count 2)
  echo "$out"
  grep -q '^office-hours (ConsumerStack, America/New_York)' <<<"$out"
  grep -q '2026-12-21T08:00:00-05:00  2026-12-21T13:00:00Z  start' <<<"$out"
  # cdk-nag: the synth fails on any finding no acknowledgement covers.
  NAG=1 "$cdk" synth -q --app "node out/app.js" -o cdk.out.nag --no-notices -c cli-telemetry=false \
    >nag.log 2>&1 || { cat nag.log >&2; exit 1; }
  echo "cdk-nag AwsSolutionsChecks: no unacknowledged finding in $(ls cdk.out.nag/*.template.json | wc -l) explicit-env stacks (scheduler, hub, spoke roles)"
  # The README's complete app and its cdk-nag block, as a user copies them. Its stack names an
  # account, so the VPC looks up the Region's Availability Zones: a user's credentials answer that
  # (and cdk.context.json keeps it); here the context gives the answer.
  echo '{ "availability-zones:account=123456789012:region=us-east-1": ["us-east-1a", "us-east-1b"] }' >cdk.context.json
  "$cdk" synth -q --app "node out/readme-app.js" -o cdk.out.readme --no-notices -c cli-telemetry=false \
    >readme.log 2>&1 || { cat readme.log >&2; exit 1; }
  echo "the README's app: synthesized, cdk-nag AwsSolutionsChecks with no unacknowledged finding"
  PATH="${PATH#"$nodedir:"}"
  cd "$repo"
done
echo "consumer test passed"

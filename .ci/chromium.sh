#!/usr/bin/env bash
# Prints the path of a headless Chromium for the browser test (test/suggest-browser.test.ts),
# getting one if needed, in this order:
#   1. `chromium` on the PATH (Debian's package), if it starts;
#   2. `apt-get install -y chromium` (as root, or with passwordless sudo), when apt can reach
#      its mirrors (about 2 minutes);
#   3. the chrome-headless-shell that @sparticuz/chromium ships inside its npm tarball (about
#      70 MB, brotli-compressed, with the libraries a plain Debian lacks: NSS, NSPR, expat),
#      installed from the npm registry (which checks the tarball against the registry's
#      integrity) into a directory kept between runs, decompressed there once (about 15 s) and
#      started through a wrapper that sets LD_LIBRARY_PATH and FONTCONFIG_PATH.
# Fails, saying so, when none of them works: the browser test would fail without a browser.
set -euo pipefail

# Chromium 153, for puppeteer-core 24.43.1 (package.json). Exact, so every run gets the same.
SPARTICUZ_VERSION=153.0.0

# CI_CHROMIUM=npm goes straight to 3 (to try it on a machine that has chromium).
debian_chromium() {
  command -v chromium >/dev/null 2>&1 && chromium --version >&2 2>/dev/null && command -v chromium
}
if [ "${CI_CHROMIUM:-}" != npm ] && debian_chromium; then
  exit 0
fi

if [ "${CI_CHROMIUM:-}" != npm ] && command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    sudo=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
  else
    sudo=(false)
  fi
  if timeout 300 "${sudo[@]}" apt-get -qq -o Acquire::Retries=0 -o Acquire::http::Timeout=20 update >/dev/null 2>&1 &&
    DEBIAN_FRONTEND=noninteractive timeout 600 "${sudo[@]}" apt-get install -y -qq \
      --no-install-recommends chromium >/dev/null 2>&1 &&
    debian_chromium; then
    exit 0
  fi
  echo "no chromium from apt-get; using @sparticuz/chromium@$SPARTICUZ_VERSION from the npm registry" >&2
fi

dir="${TMPDIR:-/tmp}/cdk-ec2-scheduler-chromium/$SPARTICUZ_VERSION"
wrapper="$dir/chromium"
if [ ! -x "$wrapper" ]; then
  rm -rf "$dir"
  npm install --prefix "$dir" --no-save --no-package-lock --no-audit --no-fund --ignore-scripts \
    --loglevel=error "@sparticuz/chromium@$SPARTICUZ_VERSION" >/dev/null
  bin="$dir/node_modules/@sparticuz/chromium/bin"
  mkdir -p "$dir/shell" "$dir/lib" "$dir/fonts-cache"
  # chromium.br is the browser; the .tar.br files are its libraries and a font (Open Sans).
  node -e '
    const fs = require("node:fs");
    const zlib = require("node:zlib");
    const { pipeline } = require("node:stream/promises");
    const [from, to] = process.argv.slice(1);
    pipeline(fs.createReadStream(from), zlib.createBrotliDecompress(), fs.createWriteStream(to));
  ' "$bin/chromium.br" "$dir/shell/headless_shell"
  chmod +x "$dir/shell/headless_shell"
  unbrotli() {
    node -e 'process.stdout.write(require("node:zlib").brotliDecompressSync(require("node:fs").readFileSync(process.argv[1])))' "$1"
  }
  unbrotli "$bin/al2023.tar.br" | tar -x -C "$dir"             # lib/libnss3.so, ...
  unbrotli "$bin/swiftshader.tar.br" | tar -x -C "$dir/lib"    # libEGL.so, ...
  unbrotli "$bin/fonts.tar.br" | tar -x -C "$dir"              # fonts/Open_Sans/*.ttf
  cat >"$dir/fonts.conf" <<EOF
<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>$dir/fonts</dir>
  <cachedir>$dir/fonts-cache</cachedir>
</fontconfig>
EOF
  cat >"$wrapper.tmp" <<EOF
#!/bin/sh
# chrome-headless-shell from @sparticuz/chromium@$SPARTICUZ_VERSION, with its own libraries and font.
export LD_LIBRARY_PATH="$dir/lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
export FONTCONFIG_PATH="$dir"
exec "$dir/shell/headless_shell" "\$@"
EOF
  chmod +x "$wrapper.tmp"
  rm -rf "$dir/node_modules" # the compressed copies (70 MB)
  mv "$wrapper.tmp" "$wrapper"
fi
"$wrapper" --version >&2 || {
  echo "the Chromium of @sparticuz/chromium@$SPARTICUZ_VERSION does not start (see above)" >&2
  exit 1
}
echo "$wrapper"

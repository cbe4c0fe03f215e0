// `npm run check:links` (part of `npm run lint`): every link between the repository's Markdown
// files resolves. For each relative link in a tracked *.md file (README.md, docs/, BENCHMARKS.md,
// the folders' READMEs, the API references), the file must exist, and an anchor (`#...`) must
// name a heading of that file (GitHub's slugs: lower case, punctuation dropped, spaces to
// hyphens, `-1`, `-2` for repeats) or an `<a name="...">`/`id="..."` in it. Links to the web
// (`https:`, `mailto:`) are not fetched. Fails naming each broken link with its file and line.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** GitHub's heading anchor: lower case, markup and punctuation dropped, spaces to hyphens. */
export function slug(heading) {
  return heading
    .replace(/`/g, '')
    .replace(/<[^>]+>/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors a Markdown text defines: its headings' slugs (outside code fences) and named anchors. */
export function anchors(markdown) {
  const found = new Set();
  const seen = new Map();
  let fence = null;
  for (const line of markdown.split('\n')) {
    const f = /^\s*(```|~~~)/.exec(line);
    if (f) fence = fence === null ? f[1] : fence === f[1] ? null : fence;
    if (fence !== null || f) continue;
    const h = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (h) {
      const base = slug(h[1]);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      found.add(n === 0 ? base : `${base}-${n}`);
    }
    for (const a of line.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) found.add(a[1]);
  }
  return found;
}

/** The links of a Markdown text, outside code fences and code spans: [text](target) with line numbers. */
export function links(markdown) {
  const out = [];
  let fence = null;
  markdown.split('\n').forEach((line, i) => {
    const f = /^\s*(```|~~~)/.exec(line);
    if (f) fence = fence === null ? f[1] : fence === f[1] ? null : fence;
    if (fence !== null || f) return;
    const text = line.replace(/`[^`]*`/g, '');
    for (const m of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      out.push({ target: m[1], line: i + 1 });
    }
  });
  return out;
}

/** Broken links of the given files (paths relative to root), as "file:line: message". */
export function brokenLinks(files) {
  const cache = new Map();
  const read = (file) => {
    if (!cache.has(file)) cache.set(file, fs.readFileSync(path.join(root, file), 'utf8'));
    return cache.get(file);
  };
  const problems = [];
  for (const file of files) {
    for (const { target, line } of links(read(file))) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
      const [rawPath, anchor] = target.split('#', 2);
      const resolved = rawPath
        ? path.relative(root, path.resolve(path.dirname(path.join(root, file)), decodeURI(rawPath)))
        : file;
      const at = `${file}:${line}: ${target}`;
      if (resolved.startsWith('..')) {
        problems.push(`${at} points outside the repository`);
        continue;
      }
      if (!fs.existsSync(path.join(root, resolved))) {
        problems.push(`${at}: ${resolved} does not exist`);
        continue;
      }
      if (anchor === undefined || anchor === '') continue;
      if (!resolved.endsWith('.md')) {
        problems.push(`${at}: an anchor into ${resolved}, which is not Markdown`);
        continue;
      }
      if (!anchors(read(resolved)).has(decodeURIComponent(anchor))) {
        problems.push(`${at}: ${resolved} has no heading or anchor "#${anchor}"`);
      }
    }
  }
  return problems;
}

/** The Markdown files git tracks (or would track: untracked but not ignored). */
function markdownFiles() {
  const out = execFileSync(
    'git',
    ['ls-files', '--cached', '--others', '--exclude-standard', '*.md'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  return out
    .split('\n')
    .filter(Boolean)
    .filter((f) => fs.existsSync(path.join(root, f)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const files = markdownFiles();
  const problems = brokenLinks(files);
  if (problems.length) {
    console.error(`${problems.length} broken link(s):\n${problems.join('\n')}`);
    process.exit(1);
  }
  console.log(`links: ${files.length} Markdown files, every relative link and anchor resolves`);
}

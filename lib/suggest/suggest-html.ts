/**
 * `suggest --html FILE`: one self-contained page (inline CSS and SVG, no script, nothing fetched).
 * The summary table first (a row per proposed schedule, linking to its part of the page), then
 * per schedule the lines that adopt it and a week x hour heatmap per instance, then the always
 * idle, always busy and not-enough-data instances. About 1.5-3 KB per instance.
 */
import { addScheduleCode, createTagsLines } from './proposal-groups';
import { CPU_LEVELS, HEATMAP_DEFS, HEATMAP_STYLE, heatmapSvg, swatch } from './heatmap-svg';
import type { Verdict } from './schedule-proposal';
import {
  HOURS_PER_MONTH,
  type InstanceSuggestion,
  type ProposalGroup,
  type SuggestReport,
} from './suggest-report';
import { savingsText, usd } from './suggest-text';

export { heatmapSvg } from './heatmap-svg';

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

/** The anchor of a schedule's part of the page, and of each verdict's. */
const groupAnchor = (name: string): string => `schedule-${name}`;
const VERDICT_ANCHOR: Record<Exclude<Verdict, 'idle windows'>, string> = {
  'always idle': 'always-idle',
  'always busy': 'always-busy',
  'not enough data': 'not-enough-data',
};

function facts(i: InstanceSuggestion, timeZone: string): string {
  if (i.verdict === 'always idle') {
    return i.savingsIfStoppedPerMonthUsd !== undefined
      ? `<p class="save">Stop it: saves <strong>${usd(i.savingsIfStoppedPerMonthUsd)}/month</strong> at $${i.usdPerHour}/h.</p>`
      : `<p class="save">Stop it: saves its ${HOURS_PER_MONTH} instance hours a month${i.priceNote ? ` (${escapeHtml(i.priceNote)})` : ''}.</p>`;
  }
  if (i.verdict !== 'idle windows') return '';
  const saving =
    i.savingsPerMonthUsd !== undefined
      ? ` Saves <strong>${usd(i.savingsPerMonthUsd)}/month</strong> at $${i.usdPerHour}/h.`
      : i.priceNote
        ? ` ${escapeHtml(i.priceNote)}.`
        : '';
  return `<p>Start <code>${escapeHtml(i.start ?? '')}</code>, stop <code>${escapeHtml(i.stop ?? '')}</code> in ${escapeHtml(timeZone)}: runs ${i.runningHoursPerWeek} h/week, stopped ${Math.round((i.stoppedShare ?? 0) * 100)}% (${i.stoppedHoursPerMonth} h/month).${saving}</p>`;
}

function section(i: InstanceSuggestion, timeZone: string): string {
  const title = escapeHtml(
    `${i.instanceId}${i.name ? ` (${i.name})` : ''} · ${i.instanceType}${i.schedule !== undefined ? ` · current schedule: ${i.schedule}` : ''}`,
  );
  return `<section id="${escapeHtml(i.instanceId)}"><h3>${title}</h3><p class="verdict">${escapeHtml(i.verdict)}: ${escapeHtml(i.reason)}</p>${facts(i, timeZone)}${heatmapSvg(i)}</section>`;
}

function groupHead(g: ProposalGroup, report: SuggestReport): string {
  const code = [
    ...addScheduleCode(g, report.timeZone),
    ...createTagsLines(g, report.region, report.tagKey),
  ];
  const saving = savingsText(g.savingsPerMonthUsd, g.instanceIds.length, g.unpriced, '/month');
  return `<h2 id="${escapeHtml(groupAnchor(g.name))}">Schedule ${escapeHtml(g.name)}: ${g.instanceIds.length} instance(s), ${saving === 'not priced' ? 'savings not priced' : `saves ${saving}`}</h2>
<pre>${escapeHtml(code.join('\n'))}</pre>`;
}

const VERDICT_TITLES: Record<keyof typeof VERDICT_ANCHOR, string> = {
  'always idle': 'Always idle: stopping them may beat scheduling them',
  'always busy': 'Always busy: no schedule proposed',
  'not enough data': 'Not enough data: nothing is guessed',
};

/** The whole page. */
export function suggestHtml(report: SuggestReport): string {
  return [...suggestHtmlPieces(report)].join('');
}

/**
 * {@link suggestHtml} in pieces (the head and summary, then each schedule's and verdict's heading
 * and one piece per instance, then the end), so a page of thousands of instances is written
 * without being held as one string.
 */
export function* suggestHtmlPieces(report: SuggestReport): Generator<string> {
  yield pageHead(report);
  const byId = new Map(report.instances.map((i) => [i.instanceId, i]));
  for (const g of report.groups) {
    yield groupHead(g, report);
    for (const id of g.instanceIds)
      yield `\n${section(byId.get(id) as InstanceSuggestion, report.timeZone)}`;
  }
  for (const verdict of Object.keys(VERDICT_ANCHOR) as (keyof typeof VERDICT_ANCHOR)[]) {
    const list = report.instances.filter((i) => i.verdict === verdict);
    if (list.length === 0) continue;
    const { savingsIfStoppedPerMonthUsd: stopped, unpriced } = report.alwaysIdle;
    const idle = savingsText(stopped, list.length, unpriced, '/month');
    const saving =
      verdict !== 'always idle'
        ? ''
        : idle === 'not priced'
          ? ', the saving if stopped not priced'
          : `, stopped they save ${idle}`;
    yield `\n<h2 id="${VERDICT_ANCHOR[verdict]}">${VERDICT_TITLES[verdict]} (${list.length} instance(s)${saving})</h2>`;
    for (const i of list) yield `\n${section(i, report.timeZone)}`;
  }
  yield '\n</body></html>\n';
}

/** The summary table: a row per proposed schedule, per other verdict, and the total. */
function summaryTable(report: SuggestReport): string {
  const rows = report.groups.map(
    (g) =>
      `<tr><td><a href="#${escapeHtml(groupAnchor(g.name))}">${escapeHtml(g.name)}</a></td><td><code>${escapeHtml(g.start)}</code></td><td><code>${escapeHtml(g.stop)}</code></td><td>${g.runningHoursPerWeek} h/week</td><td>${g.instanceIds.length}</td><td>${savingsText(g.savingsPerMonthUsd, g.instanceIds.length, g.unpriced)}</td></tr>`,
  );
  const proposed = report.groups.reduce((n, g) => n + g.instanceIds.length, 0);
  const unpricedTotal = report.groups.reduce((n, g) => n + g.unpriced, 0);
  const others = (Object.keys(VERDICT_ANCHOR) as (keyof typeof VERDICT_ANCHOR)[]).map((v) => {
    const n = report.instances.filter((i) => i.verdict === v).length;
    const { savingsIfStoppedPerMonthUsd: stopped, unpriced } = report.alwaysIdle;
    const saving = v === 'always idle' ? `${savingsText(stopped, n, unpriced)} if stopped` : '';
    return n === 0
      ? ''
      : `<tr><td><a href="#${VERDICT_ANCHOR[v]}">${v}</a></td><td colspan="3"></td><td>${n}</td><td>${saving}</td></tr>`;
  });
  return `<table class="summary"><thead><tr><th>Schedule</th><th>Start</th><th>Stop</th><th>Runs</th><th>Instances</th><th>Saves/month</th></tr></thead><tbody>
${[...rows, `<tr class="total"><td>proposed, in total</td><td colspan="3"></td><td>${proposed}</td><td>${savingsText(report.savingsPerMonthUsd, proposed, unpricedTotal)}</td></tr>`, ...others].filter(Boolean).join('\n')}
</tbody></table>`;
}

const STYLE = `body{font:14px system-ui,sans-serif;margin:2em;color:#222}
section{margin:1em 0;padding-top:.5em;border-top:1px solid #ddd}
h2{font-size:17px;margin:1.5em 0 .3em}h3{font-size:15px;margin:.2em 0}.verdict{color:#555}
table.summary{border-collapse:collapse}.summary td,.summary th{padding:2px 10px;text-align:left;border-bottom:1px solid #ddd}
.summary .total{font-weight:bold}pre{background:#f6f6f6;padding:.5em;overflow-x:auto}
svg.key{vertical-align:middle;margin:0 4px 0 12px}
${HEATMAP_STYLE}`;

function legend(): string {
  const levels = CPU_LEVELS.map(
    (l, k) =>
      `${swatch(`c${k}`)}${k === 0 ? `under ${l.below}%` : l.below === Infinity ? `${CPU_LEVELS[k - 1].below}% or more` : `under ${l.below}%`}`,
  );
  return `<p class="legend">Highest hourly CPU: ${levels.join('')}${swatch('nd')}no data${swatch('bz', 'M.5 .5h0')}busy hour (dot)${swatch('rn', 'M.1 .1h.8v.8h-.8z')}proposed running hours (blue box)</p>`;
}

function pageHead(report: SuggestReport): string {
  const { period } = report;
  const title = `Schedule suggestions for ${report.region}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>${HEATMAP_DEFS}<h1>${escapeHtml(title)}</h1>
<p>${report.instances.length} instance(s), ${period.days} days of hourly CloudWatch data (${escapeHtml(period.start)} to ${escapeHtml(period.end)}), hours in ${escapeHtml(report.timeZone)}. Busy: average CPU of at least ${report.thresholds.idleCpu}% or ${report.thresholds.idleNetworkMb} MB of network in an hour; ${report.thresholds.marginHours} h of margin around busy hours.</p>
${summaryTable(report)}
<p>${report.notes.map(escapeHtml).join(' ')}</p>
${legend()}
`;
}

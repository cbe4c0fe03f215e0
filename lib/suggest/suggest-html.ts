/**
 * `suggest --html FILE`: one self-contained page (inline CSS and SVG, no script, nothing fetched)
 * with a week x hour heatmap per instance, the proposed running window drawn on it, and the
 * savings.
 */
import type { InstanceSuggestion, SuggestReport } from './suggest-report';

const CELL = 18;
const LEFT = 40;
const TOP = 18;
/** Rows Monday first; the report's cells are Sunday first. */
const ROWS = [1, 2, 3, 4, 5, 6, 0];
const DAY_LABELS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

/** White at 0% CPU to dark red at 100%; grey when there is no datapoint. */
function fill(cpu: number | null): string {
  if (cpu === null) return '#d9d9d9';
  const t = Math.max(0, Math.min(1, cpu / 100));
  const g = Math.round(245 - 200 * t);
  return `rgb(${Math.round(255 - 60 * t)},${g},${g})`;
}

/** The heatmap of one instance: CPU per week hour, busy hours marked, running hours outlined. */
export function heatmapSvg(i: InstanceSuggestion): string {
  const parts: string[] = [];
  ROWS.forEach((day, row) => {
    const y = TOP + row * CELL;
    parts.push(`<text x="0" y="${y + 13}">${DAY_LABELS[day]}</text>`);
    for (let hour = 0; hour < 24; hour++) {
      const cell = day * 24 + hour;
      const x = LEFT + hour * CELL;
      const cpu = i.maxCpu[cell];
      const title = `${DAY_LABELS[day]} ${String(hour).padStart(2, '0')}:00 ${cpu === null ? 'no data' : `max CPU ${cpu}%`}${i.busy[cell] ? ', busy' : ''}${i.running?.[cell] ? ', running' : ''}`;
      parts.push(
        `<rect x="${x}" y="${y}" width="${CELL - 1}" height="${CELL - 1}" fill="${fill(cpu)}"${i.busy[cell] ? ' class="busy"' : ''}><title>${title}</title></rect>`,
      );
      if (i.running?.[cell]) {
        parts.push(
          `<rect x="${x + 1.5}" y="${y + 1.5}" width="${CELL - 4}" height="${CELL - 4}" class="run"/>`,
        );
      }
    }
  });
  for (let hour = 0; hour < 24; hour += 3) {
    parts.push(`<text x="${LEFT + hour * CELL}" y="12">${String(hour).padStart(2, '0')}</text>`);
  }
  const width = LEFT + 24 * CELL;
  const height = TOP + 7 * CELL;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="CPU by week hour">${parts.join('')}</svg>`;
}

function section(i: InstanceSuggestion, timeZone: string): string {
  const title = escapeHtml(`${i.instanceId}${i.name ? ` (${i.name})` : ''} · ${i.instanceType}`);
  const facts =
    i.verdict === 'idle windows'
      ? `<p>Start <code>${escapeHtml(i.start ?? '')}</code>, stop <code>${escapeHtml(i.stop ?? '')}</code> in ${escapeHtml(timeZone)}: runs ${i.runningHoursPerWeek} h/week, stopped ${Math.round((i.stoppedShare ?? 0) * 100)}% (${i.stoppedHoursPerMonth} h/month).${
          i.savingsPerMonthUsd !== undefined
            ? ` Saves <strong>$${i.savingsPerMonthUsd.toFixed(2)}/month</strong> at $${i.usdPerHour}/h.`
            : i.priceNote
              ? ` ${escapeHtml(i.priceNote)}.`
              : ''
        }</p>`
      : '';
  return `<section><h2>${title}</h2><p class="verdict">${escapeHtml(i.verdict)}: ${escapeHtml(i.reason)}</p>${facts}${heatmapSvg(i)}</section>`;
}

const STYLE = `body{font:14px system-ui,sans-serif;margin:2em;color:#222}
section{margin:1.5em 0;padding-top:.5em;border-top:1px solid #ccc}
h2{font-size:16px;margin:.2em 0}.verdict{color:#555}
svg text{font:11px system-ui,sans-serif;fill:#555}
rect.busy{stroke:#8b0000;stroke-width:1}
rect.run{fill:none;stroke:#1f5fbf;stroke-width:2}
.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}`;

/** The whole page. */
export function suggestHtml(report: SuggestReport): string {
  return [...suggestHtmlPieces(report)].join('');
}

/**
 * {@link suggestHtml} in pieces (the head, then one section per instance, then the end), so a
 * page of many instances (some 30 KB each) can be written without being held as one string.
 */
export function* suggestHtmlPieces(report: SuggestReport): Generator<string> {
  yield pageHead(report);
  for (const [k, i] of report.instances.entries()) {
    yield `${k > 0 ? '\n' : ''}${section(i, report.timeZone)}`;
  }
  yield '\n</body></html>\n';
}

function pageHead(report: SuggestReport): string {
  const { period } = report;
  const title = `Schedule suggestions for ${report.region}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><h1>${escapeHtml(title)}</h1>
<p>${report.instances.length} instance(s), ${period.days} days of hourly CloudWatch data (${escapeHtml(period.start)} to ${escapeHtml(period.end)}), hours in ${escapeHtml(report.timeZone)}. Busy: average CPU of at least ${report.thresholds.idleCpu}% or ${report.thresholds.idleNetworkMb} MB of network in an hour; ${report.thresholds.marginHours} h of margin around busy hours.</p>
<p class="legend">Colour: highest hourly CPU<span style="background:${fill(0)}"></span>0%<span style="background:${fill(100)}"></span>100%<span style="background:${fill(null)}"></span>no data<span style="border:1px solid #8b0000"></span>busy<span style="border:2px solid #1f5fbf"></span>proposed running hours</p>
<p>Known savings: <strong>$${report.savingsPerMonthUsd.toFixed(2)}/month</strong>. ${report.notes.map(escapeHtml).join(' ')}</p>
`;
}

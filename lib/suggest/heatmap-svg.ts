/**
 * The week x hour heatmap of one instance on `suggest`'s page, small enough for thousands on one
 * page (about 1-2 KB each): every row's hours drawn as runs of one CPU level (a path per level,
 * in cell units), the busy hours as black dots and the proposed running hours as blue boxes, the
 * axes, the grid and the no-data hatching shared once by the page ({@link HEATMAP_DEFS}).
 */

/** Cell size, and the room for the day labels (left) and the hour labels (top), in pixels. */
const CELL = 18;
const LEFT = 40;
const TOP = 18;
const WIDTH = LEFT + 24 * CELL;
const HEIGHT = TOP + 7 * CELL;
/** Rows Monday first; the report's cells are Sunday first. */
const ROWS = [1, 2, 3, 4, 5, 6, 0];
const DAY_LABELS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** The CPU levels: the highest hourly CPU below each bound (percent) gets that level's colour. */
export const CPU_LEVELS: readonly { readonly below: number; readonly colour: string }[] = [
  { below: 5, colour: '#feedde' },
  { below: 25, colour: '#fdd0a2' },
  { below: 50, colour: '#fdae6b' },
  { below: 75, colour: '#fd8d3c' },
  { below: Infinity, colour: '#e6550d' },
];

/** The class of a cell: `c0`-`c4` by CPU level, `nd` without data. */
function levelOf(cpu: number | null): string {
  if (cpu === null) return 'nd';
  return `c${CPU_LEVELS.findIndex((l) => cpu < l.below)}`;
}

/**
 * The page's CSS for the heatmaps. Sequential oranges for CPU, hatching for no data, black dots
 * for busy hours and blue (Okabe-Ito #0072b2) boxes for the proposed running hours: told apart by
 * shape as well as colour, and orange against blue stays distinct in every colour-vision type.
 */
export const HEATMAP_STYLE = `.hm path,.key path{fill:none}
${CPU_LEVELS.map((_, k) => `.c${k}`).join(',')},.nd{stroke-width:1}
${CPU_LEVELS.map((l, k) => `.c${k}{stroke:${l.colour}}`).join('')}
.nd{stroke:url(#nd)}.gr{fill:url(#gr)}
.bz{stroke:#000;stroke-width:.3;stroke-linecap:round;stroke-dasharray:0 1}
.rn{stroke:#0072b2;stroke-width:.16}`;

function axes(): string {
  const days = ROWS.map(
    (day, row) => `<text x="0" y="${TOP + row * CELL + 13}">${DAY_LABELS[day]}</text>`,
  );
  const hours = Array.from(
    { length: 8 },
    (_, k) => `<text x="${LEFT + k * 3 * CELL}" y="12">${String(k * 3).padStart(2, '0')}</text>`,
  );
  // Presentation attributes, not CSS: the copies `<use>` makes inherit them.
  return `<g id="ax" fill="#555" font-size="11" font-family="system-ui,sans-serif">${days.join('')}${hours.join('')}</g>`;
}

/**
 * What every heatmap refers to, once per page: the axes' labels, the grid between the cells and
 * the hatching of hours without data (in cell units).
 */
export const HEATMAP_DEFS = `<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>${axes()}<pattern id="gr" width="1" height="1" patternUnits="userSpaceOnUse"><path d="M0 0H1M0 0V1" stroke="#fff" stroke-width=".12"/></pattern><pattern id="nd" width=".25" height=".25" patternUnits="userSpaceOnUse"><rect width=".25" height=".25" fill="#fff"/><path d="M0 .25L.25 0" stroke="#888" stroke-width=".05"/></pattern></defs></svg>`;

/** Runs of equal values in a row: each run's first hour, length and value. */
function runs<T>(values: readonly T[]): { from: number; length: number; value: T }[] {
  const out: { from: number; length: number; value: T }[] = [];
  values.forEach((value, hour) => {
    const last = out[out.length - 1];
    if (last && last.value === value) last.length++;
    else out.push({ from: hour, length: 1, value });
  });
  return out;
}

/** What the heatmap draws of an instance: the CPU per week hour, busy and running hours. */
export interface HeatmapCells {
  readonly maxCpu: readonly (number | null)[];
  readonly busy: readonly boolean[];
  readonly running?: readonly boolean[];
}

/** The paths of one heatmap, in cell units: a `d` per level class, the busy dots, the boxes. */
function paths(i: HeatmapCells): { levels: Map<string, string>; busy: string; running: string } {
  const levels = new Map<string, string>();
  let busy = '';
  let running = '';
  ROWS.forEach((day, row) => {
    const cells = Array.from({ length: 24 }, (_, hour) => day * 24 + hour);
    for (const r of runs(cells.map((c) => levelOf(i.maxCpu[c])))) {
      levels.set(r.value, `${levels.get(r.value) ?? ''}M${r.from} ${row + 0.5}h${r.length}`);
    }
    for (const r of runs(cells.map((c) => i.busy[c]))) {
      // A dot at each hour (dashes of length 0, 1 apart); .01 longer so the last is drawn too.
      if (r.value) busy += `M${r.from + 0.5} ${row + 0.5}h${r.length - 1}.01`;
    }
    for (const r of runs(cells.map((c) => i.running?.[c] === true))) {
      if (r.value) running += `M${r.from} ${row}h${r.length}v1h-${r.length}z`;
    }
  });
  return { levels, busy, running };
}

/** The heatmap of one instance: CPU per week hour, busy hours dotted, running hours boxed. */
export function heatmapSvg(i: HeatmapCells): string {
  const { levels, busy, running } = paths(i);
  const busyHours = i.busy.filter(Boolean).length;
  const runningHours = i.running?.filter(Boolean).length;
  const label = `Highest hourly CPU by week hour; ${busyHours} busy hours${runningHours === undefined ? '' : `, ${runningHours} proposed running hours`}`;
  const parts = [
    ...[...levels].map(([cls, d]) => `<path class="${cls}" d="${d}"/>`),
    '<rect class="gr" width="24" height="7"/>',
    ...(busy ? [`<path class="bz" d="${busy}"/>`] : []),
    ...(running ? [`<path class="rn" d="${running}"/>`] : []),
  ];
  return `<svg class="hm" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${label}"><use href="#ax"/><g transform="translate(${LEFT} ${TOP}) scale(${CELL})">${parts.join('')}</g></svg>`;
}

/** A legend swatch: a one-cell heatmap drawing `d` with `cls`. */
export function swatch(cls: string, d = 'M0 .5h1'): string {
  return `<svg class="key" width="${CELL}" height="${CELL}" viewBox="0 0 1 1"><path class="${cls}" d="${d}"/></svg>`;
}

/**
 * A benchmark's figures as a self-contained SVG bar chart (no dependency, no script, no external
 * font or stylesheet), for `--chart <file.svg>`: one panel per measure (each with its own scale
 * and unit), one bar per row, the value written on each bar.
 */

/** One measure of the chart: its title and unit, and a value per row label. */
export interface ChartPanel {
  readonly title: string;
  readonly unit: string;
  readonly values: readonly { readonly label: string; readonly value: number }[];
}

export interface Chart {
  readonly title: string;
  /** A line under the title (the machine, the parameters). */
  readonly subtitle?: string;
  readonly panels: readonly ChartPanel[];
}

const WIDTH = 760;
const LABEL_WIDTH = 200;
const BAR_HEIGHT = 22;
const GAP = 6;
const COLORS = ['#2b6cb0', '#c05621', '#2f855a', '#6b46c1', '#b83280', '#4a5568'];

/** Text for XML: the five characters that mean something there, escaped. */
export function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

/** A figure as it is written on its bar: at most one decimal, no trailing zero. */
function figure(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/** The chart as an SVG document. */
export function chartSvg(chart: Chart): string {
  const parts: string[] = [];
  let y = 28;
  parts.push(
    `<text x="12" y="${y}" font-size="16" font-weight="bold">${escapeXml(chart.title)}</text>`,
  );
  if (chart.subtitle !== undefined) {
    y += 18;
    parts.push(
      `<text x="12" y="${y}" font-size="11" fill="#4a5568">${escapeXml(chart.subtitle)}</text>`,
    );
  }
  y += 16;
  const barSpace = WIDTH - LABEL_WIDTH - 80;
  chart.panels.forEach((panel, index) => {
    y += 22;
    parts.push(
      `<text x="12" y="${y}" font-size="13" font-weight="bold">${escapeXml(`${panel.title} (${panel.unit})`)}</text>`,
    );
    y += 8;
    const top = Math.max(0, ...panel.values.map((each) => each.value));
    const color = COLORS[index % COLORS.length] ?? '#2b6cb0';
    for (const { label, value } of panel.values) {
      const width =
        top === 0 || !Number.isFinite(value) ? 0 : (Math.max(0, value) / top) * barSpace;
      parts.push(
        `<text x="${LABEL_WIDTH - 8}" y="${y + 15}" font-size="12" text-anchor="end">${escapeXml(label)}</text>`,
        `<rect x="${LABEL_WIDTH}" y="${y}" width="${width.toFixed(1)}" height="${BAR_HEIGHT}" fill="${color}"><title>${escapeXml(`${label}: ${figure(value)} ${panel.unit}`)}</title></rect>`,
        `<text x="${(LABEL_WIDTH + width + 6).toFixed(1)}" y="${y + 15}" font-size="12">${escapeXml(figure(value))}</text>`,
      );
      y += BAR_HEIGHT + GAP;
    }
  });
  const height = y + 16;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

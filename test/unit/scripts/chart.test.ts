/** The benchmarks' SVG chart: a well-formed, self-contained document carrying every figure. */
import { describe, expect, it } from 'vitest';
import { chartSvg, escapeXml } from '../../../scripts/lib/chart.ts';

interface Element {
  readonly name: string;
  readonly attributes: Record<string, string>;
  readonly children: Element[];
  text: string;
}

/**
 * A strict reader of the XML subset the chart writes: one root, every tag closed in order,
 * attributes quoted and unique, no markup characters outside tags, only XML's five entities.
 * Throws on anything else.
 */
function parseXml(source: string): Element {
  const body = source.replace(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n/, '');
  const decode = (text: string) => {
    if (/&(?!(amp|lt|gt|quot|apos);)/.test(text)) throw new Error(`bad entity in ${text}`);
    return text
      .replaceAll('&lt;', '<')
      .replaceAll('&gt;', '>')
      .replaceAll('&quot;', '"')
      .replaceAll('&apos;', "'")
      .replaceAll('&amp;', '&');
  };
  const root: Element = { name: '#document', attributes: {}, children: [], text: '' };
  const stack: Element[] = [root];
  const token =
    /<\/([A-Za-z][\w-]*)\s*>|<([A-Za-z][\w-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let index = 0;
  while (index < body.length) {
    token.lastIndex = index;
    const match = token.exec(body);
    if (match === null)
      throw new Error(`not well-formed at ${index}: ${body.slice(index, index + 40)}`);
    index = token.lastIndex;
    const [, closing, opening, attributeText, selfClosing, text] = match;
    const current = stack.at(-1) as Element;
    if (text !== undefined) {
      if (text.includes('>')) throw new Error(`unescaped > in text ${text}`);
      current.text += decode(text);
    } else if (closing !== undefined) {
      if (current.name !== closing) throw new Error(`</${closing}> closes <${current.name}>`);
      stack.pop();
    } else if (opening !== undefined) {
      const attributes: Record<string, string> = {};
      for (const [, name, value] of (attributeText ?? '').matchAll(/([\w:-]+)="([^"]*)"/g)) {
        if (name === undefined || name in attributes)
          throw new Error(`attribute ${String(name)} repeated`);
        attributes[name] = decode(value ?? '');
      }
      const element: Element = { name: opening, attributes, children: [], text: '' };
      current.children.push(element);
      if (selfClosing !== '/') stack.push(element);
    }
  }
  if (stack.length !== 1) throw new Error(`<${String(stack.at(-1)?.name)}> is never closed`);
  const elements = root.children;
  if (elements.length !== 1 || root.text.trim() !== '') throw new Error('not exactly one root');
  return elements[0] as Element;
}

function all(element: Element, name: string): Element[] {
  return [
    ...(element.name === name ? [element] : []),
    ...element.children.flatMap((child) => all(child, name)),
  ];
}

const CHART = {
  title: 'bench:api: 1000 requests, concurrency 8',
  subtitle: '2 x Intel Xeon <vCPU> @ 2.80 GHz & more',
  panels: [
    {
      title: 'p50 latency',
      unit: 'ms',
      values: [
        { label: 'createPlan', value: 140.7 },
        { label: 'plans (limit 25)', value: 82.4 },
      ],
    },
    { title: 'throughput', unit: 'requests/s', values: [{ label: 'createPlan', value: 52 }] },
  ],
};

describe('chartSvg', () => {
  it('writes a well-formed SVG document with the title, every label and every figure', () => {
    const svg = parseXml(chartSvg(CHART));
    expect(svg.name).toBe('svg');
    expect(svg.attributes.xmlns).toBe('http://www.w3.org/2000/svg');
    expect(all(svg, 'text').map((text) => text.text)).toEqual([
      'bench:api: 1000 requests, concurrency 8',
      '2 x Intel Xeon <vCPU> @ 2.80 GHz & more',
      'p50 latency (ms)',
      'createPlan',
      '140.7',
      'plans (limit 25)',
      '82.4',
      'throughput (requests/s)',
      'createPlan',
      '52',
    ]);
    expect(all(svg, 'title').map((title) => title.text)).toEqual([
      'createPlan: 140.7 ms',
      'plans (limit 25): 82.4 ms',
      'createPlan: 52 requests/s',
    ]);
  });

  it('draws each bar in proportion to the largest of its panel', () => {
    const bars = all(parseXml(chartSvg(CHART)), 'rect')
      .slice(1)
      .map((rect) => Number(rect.attributes.width));
    expect(bars).toEqual([480, Number(((82.4 / 140.7) * 480).toFixed(1)), 480]);
  });

  it('is self-contained: no script, no link, no external reference', () => {
    const text = chartSvg(CHART);
    expect(text).not.toMatch(/<script|<link|href=|url\(|@import/);
  });
});

describe('escapeXml', () => {
  it('escapes the five characters XML reserves', () => {
    expect(escapeXml(`<a href="x">Tom & Jerry's</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&apos;s&lt;/a&gt;',
    );
  });
});

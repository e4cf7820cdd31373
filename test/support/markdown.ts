/**
 * Just enough of Markdown to test documents as GitHub renders them: headings and their anchors
 * (GitHub's slugs), the sections under them, table rows and links, all outside fenced code
 * blocks. No dependency: the documents under test are ours and use plain GitHub Markdown.
 */

/** A heading as GitHub renders it: its level, its text without inline markup, and its anchor. */
export interface Heading {
  readonly level: number;
  readonly text: string;
  readonly slug: string;
  /** Index of the heading's line in the document. */
  readonly line: number;
}

/** A heading and the lines under it, up to the next heading of the same or a higher level. */
export interface Section extends Heading {
  readonly body: string;
}

/** A link written `[text](target)`. */
export interface Link {
  readonly text: string;
  readonly target: string;
}

/** The text a reader sees: inline code, links and emphasis reduced to their words. */
function plainText(markdown: string): string {
  return markdown
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/(\*\*|__|\*)(.+?)\1/g, '$2')
    .trim();
}

/**
 * The anchor GitHub gives a heading's text: lower case, every character but letters, digits,
 * spaces, hyphens and underscores dropped, each space a hyphen (github-slugger's rules).
 */
export function githubSlug(text: string): string {
  return plainText(text)
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The document's lines, each marked whether it lies in a fenced code block. */
function linesOf(markdown: string): { text: string; code: boolean }[] {
  let fence: string | null = null;
  return markdown.split('\n').map((text) => {
    const opening = /^\s*(`{3,}|~{3,})/.exec(text);
    if (fence === null && opening !== null) {
      fence = opening[1] ?? null;
      return { text, code: true };
    }
    if (fence !== null) {
      if (text.trim().startsWith(fence)) fence = null;
      return { text, code: true };
    }
    return { text, code: false };
  });
}

/** Every ATX heading outside code, with GitHub's anchor (a repeated one gets `-1`, `-2`, ...). */
export function headings(markdown: string): Heading[] {
  const seen = new Map<string, number>();
  const found: Heading[] = [];
  linesOf(markdown).forEach(({ text, code }, line) => {
    const match = code ? null : /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(text);
    if (match === null) return;
    const title = match[2] ?? '';
    const base = githubSlug(title);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    found.push({
      level: (match[1] ?? '').length,
      text: plainText(title),
      slug: count === 0 ? base : `${base}-${count}`,
      line,
    });
  });
  return found;
}

/** Every section of the given level, in order. */
export function sections(markdown: string, level: number): Section[] {
  const lines = markdown.split('\n');
  const all = headings(markdown);
  return all
    .filter((heading) => heading.level === level)
    .map((heading) => {
      const next = all.find((other) => other.line > heading.line && other.level <= level);
      return {
        ...heading,
        body: lines
          .slice(heading.line + 1, next === undefined ? lines.length : next.line)
          .join('\n'),
      };
    });
}

/** The cells of every body row of the tables in `markdown` (header and delimiter rows left out). */
export function tableRows(markdown: string): string[][] {
  const rows: string[][] = [];
  for (const { text, code } of linesOf(markdown)) {
    const line = text.trim();
    if (code || !line.startsWith('|') || !line.endsWith('|')) continue;
    if (/^\|(\s*:?-+:?\s*\|)+$/.test(line)) {
      // A delimiter row: the row before it was the table's header.
      rows.pop();
      continue;
    }
    rows.push(
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

/** Every `[text](target)` link outside code. */
export function links(markdown: string): Link[] {
  const found: Link[] = [];
  for (const { text, code } of linesOf(markdown)) {
    if (code) continue;
    const withoutInlineCode = text.replace(/`[^`]*`/g, '');
    for (const match of withoutInlineCode.matchAll(/(?<!!)\[([^\]]*)\]\(([^)\s]+)\)/g)) {
      found.push({ text: match[1] ?? '', target: match[2] ?? '' });
    }
  }
  return found;
}

/** The spans written in backticks in `markdown`, outside fenced code. */
export function codeSpans(markdown: string): string[] {
  return linesOf(markdown)
    .filter(({ code }) => !code)
    .flatMap(({ text }) => [...text.matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? ''));
}

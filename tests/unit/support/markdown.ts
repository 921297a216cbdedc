// Reading Markdown the way GitHub renders it, enough to check the repository's own links.

/** The text outside fenced code blocks (``` or ~~~), line numbers kept (fenced lines become empty). */
export function outsideCode(text: string): string[] {
  let fence: string | undefined;
  return text.split("\n").map((line) => {
    const m = /^\s*(`{3,}|~{3,})/.exec(line);
    if (m) {
      if (fence === undefined) fence = m[1][0];
      else if (m[1][0] === fence) fence = undefined;
      return "";
    }
    return fence === undefined ? line : "";
  });
}

/**
 * GitHub's anchor for a heading: lower case, punctuation dropped (hyphens and underscores kept), each space a hyphen;
 * a repeated anchor gets `-1`, `-2`, ... (github/cmark-gfm's anchor filter, as used by github.com).
 */
export function headingAnchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const line of outsideCode(text)) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const plain = m[1].replace(/\[([^\]]*)\]\([^)]*\)/g, "$1");
    const base = plain
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/ /g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** One inline link or image target with where it stands. */
export interface MarkdownLink {
  readonly line: number;
  readonly target: string;
}

/** Inline link and image targets outside code blocks and code spans, external ones (scheme:) left out. */
export function relativeLinks(text: string): MarkdownLink[] {
  const out: MarkdownLink[] = [];
  outsideCode(text).forEach((raw, i) => {
    const line = raw.replace(/`[^`]*`/g, "");
    for (const m of line.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      if (!/^[a-z][a-z0-9+.-]*:/i.test(m[1])) out.push({ line: i + 1, target: m[1] });
    }
  });
  return out;
}

const UNIT_MS: Record<string, number> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/**
 * Parses a duration such as `30d`, `12h`, `2w`, `1d12h` or `90m` into milliseconds.
 * Units: s, m (minutes), h, d, w. Throws with the accepted format on anything else.
 */
export function parseDuration(text: string): number {
  const s = text.trim();
  if (!/^(\d+[smhdw])+$/.test(s)) {
    throw new Error(`invalid duration "${text}": use a number and a unit (s, m, h, d, w), e.g. 30d, 12h, 1d12h`);
  }
  let ms = 0;
  for (const [, n, unit] of s.matchAll(/(\d+)([smhdw])/g)) ms += Number(n) * UNIT_MS[unit!]!;
  return ms;
}

/** Compact rendering of a duration, largest units first: `3d4h`, `45m`, `0s`. */
export function formatDuration(ms: number): string {
  let rest = Math.round(ms / 1000) * 1000;
  if (rest <= 0) return "0s";
  let out = "";
  for (const unit of ["d", "h", "m", "s"]) {
    const size = UNIT_MS[unit]!;
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
    if (out.length >= 4 && unit !== "s") break; // two leading units are enough to read
  }
  return out;
}

import { badInput } from './errors.js';

const unitSeconds: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/**
 * Parses a duration such as `90`, `"90s"`, `"29m"`, `"1h30m"`, `"500ms"` into seconds.
 * Numbers are seconds. Returns undefined when the text is not a duration.
 */
export function parseDurationS(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * (unitSeconds[m[2] ?? 's'] ?? 1);
    matched = re.lastIndex;
  }
  return matched === text.length && matched > 0 ? total : undefined;
}

/** Like parseDurationS but throws a bad-input error naming the field. */
export function requireDurationS(value: string | number, field: string): number {
  const s = parseDurationS(value);
  if (s === undefined) throw badInput(`${field}: "${value}" is not a duration (use e.g. 90s, 29m, 1h30m)`);
  return s;
}

/** Formats seconds compactly for humans: 75 → "1m15s", 3600 → "1h". */
export function formatDurationS(seconds: number): string {
  if (!Number.isFinite(seconds)) return String(seconds);
  const sign = seconds < 0 ? '-' : '';
  let rest = Math.round(Math.abs(seconds));
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  const s = rest - m * 60;
  const parts = [h ? `${h}h` : '', m ? `${m}m` : '', s || (!h && !m) ? `${s}s` : ''];
  return sign + parts.join('');
}

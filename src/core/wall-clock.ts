import { badInput } from './errors.js';

/**
 * A scenario's anchor in wall-clock time: the start instant and the UTC offset it was written in, so
 * output times read the way the scenario author wrote them (e.g. PST for the incident).
 */
export interface WallClock {
  readonly startMs: number;
  readonly offsetMinutes: number;
  /** The ISO text as given (kept for the JSON output). */
  readonly iso: string;
}

const isoWithZone = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Parses an ISO timestamp that carries a zone (`Z` or `±hh:mm`); undefined when it does not. */
export function parseWallClock(iso: string): WallClock | undefined {
  const text = iso.trim();
  const m = isoWithZone.exec(text);
  if (!m) return undefined;
  // Date.parse rolls February 30 over into March and takes hour 24: every field must be in its range.
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59)
    return undefined;
  const zoneText = m[7] ?? 'Z';
  if (zoneText !== 'Z' && (Number(zoneText.slice(1, 3)) > 23 || Number(zoneText.slice(4, 6)) > 59))
    return undefined;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return undefined;
  const zone = m[7] ?? 'Z';
  const offsetMinutes =
    zone === 'Z'
      ? 0
      : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  return { startMs: ms, offsetMinutes, iso: iso.trim() };
}

/** The ISO timestamp (in the scenario's own offset) of `tS` seconds after start. */
export function isoAt(clock: WallClock, tS: number): string {
  const local = new Date(clock.startMs + tS * 1000 + clock.offsetMinutes * 60_000);
  const base = local.toISOString().slice(0, 19);
  return base + formatOffset(clock.offsetMinutes);
}

/** `HH:MM:SS` in the scenario's offset, for timelines. */
export function clockTimeAt(clock: WallClock, tS: number): string {
  return isoAt(clock, tS).slice(11, 19);
}

/** `UTC-08:00` style label of the scenario's offset. */
export function offsetLabel(clock: WallClock): string {
  return clock.offsetMinutes === 0 ? 'UTC' : 'UTC' + formatOffset(clock.offsetMinutes);
}

function formatOffset(offsetMinutes: number): string {
  if (offsetMinutes === 0) return 'Z';
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/**
 * Resolves a time written in a scenario into seconds since start: a duration offset (`25m`, `+25m`,
 * `1500`), a wall-clock `HH:MM[:SS]` in the start's offset (on the start's day, or the next day when
 * earlier than the start), or a full ISO timestamp. `field` names the place for errors.
 */
export function resolveScenarioTimeS(
  value: string | number,
  clock: WallClock | undefined,
  field: string,
  parseOffset: (v: string | number) => number | undefined,
): number {
  if (typeof value === 'number') return value;
  const text = value.trim();
  const offset = parseOffset(text.startsWith('+') ? text.slice(1) : text);
  if (offset !== undefined && !/^\d{1,2}:\d{2}/.test(text)) return offset;
  const hm = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(text);
  if (hm) {
    if (Number(hm[1]) > 23 || Number(hm[2]) > 59 || Number(hm[3] ?? 0) > 59)
      throw badInput(`${field}: "${text}" is not a time of day (HH:MM or HH:MM:SS, 00:00 to 23:59:59)`);
    if (!clock)
      throw badInput(`${field}: wall-clock time "${text}" needs spec.start (an ISO timestamp with zone)`);
    const startLocal = new Date(clock.startMs + clock.offsetMinutes * 60_000);
    const startOfDayS =
      startLocal.getUTCHours() * 3600 + startLocal.getUTCMinutes() * 60 + startLocal.getUTCSeconds();
    const targetS = Number(hm[1]) * 3600 + Number(hm[2]) * 60 + Number(hm[3] ?? 0);
    const delta = targetS - startOfDayS;
    return delta >= 0 ? delta : delta + 86_400;
  }
  const wall = parseWallClock(text);
  if (wall) {
    if (!clock) throw badInput(`${field}: absolute time "${text}" needs spec.start`);
    return (wall.startMs - clock.startMs) / 1000;
  }
  throw badInput(`${field}: "${text}" is not a time (use an offset like 25m, a wall-clock 15:27, or ISO)`);
}

import { badInput } from '../core/errors.js';

/**
 * A command-line number that must be a whole number in [min, max], written in decimal digits only: `Number`
 * alone would take `''` as 0 and `0x10`, `1e3`, `0b101` or ` 7 ` as numbers, so a typo would run silently
 * with a value nobody meant. A one-line bad-input error otherwise.
 */
export function wholeNumber(text: string, flag: string, min: number, max: number): number {
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw badInput(`${flag}: "${text}" is not a whole number from ${min} to ${max}`);
  return n;
}

/** A commander argument parser for `wholeNumber` (the flag is named in the error). */
export function wholeNumberArg(flag: string, min: number, max: number): (text: string) => number {
  return (text) => wholeNumber(text, flag, min, max);
}

/**
 * A commander argument parser for a file (or other non-empty) value: `--json=` would otherwise be an empty
 * name, read as "no file" and so write nothing while exiting 0.
 */
export function nonEmptyArg(flag: string, what = 'a file name'): (text: string) => string {
  return (text) => {
    if (text.length === 0) throw badInput(`${flag}: empty value; give ${what}`);
    return text;
  };
}

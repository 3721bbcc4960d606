import { badInput } from '../core/errors.js';

/** A command-line number that must be a whole number in [min, max]; a one-line bad-input error otherwise. */
export function wholeNumber(text: string, flag: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max)
    throw badInput(`${flag}: "${text}" is not a whole number from ${min} to ${max}`);
  return n;
}

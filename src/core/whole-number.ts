/**
 * A count or sequence number given as text: digits only (surrounding spaces allowed) and no more than
 * JavaScript counts exactly. "0x10", "1e300", "-1", "1.5" and 2^53 + 1 are undefined, not numbers.
 */
export function parseWholeNumber(text: string): number | undefined {
  if (!/^\s*\d+\s*$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Errors for arguments of the wrong type, coded as Node codes its own
 * (`ERR_INVALID_ARG_TYPE`), so that a caller can tell them from engine errors.
 * @internal
 */

/** What `value` is, for a message: `undefined`, `null`, `an array`, `a number (5)`. */
function describe(value: unknown): string {
  if (value === undefined || value === null) return String(value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return `an instance of ${(value as object).constructor?.name ?? 'Object'}`;
  return `type ${typeof value} (${String(value).slice(0, 40)})`;
}

/** A TypeError with code ERR_INVALID_ARG_TYPE: "`name` must be `expected`; received …". */
export function invalidArgType(name: string, expected: string, value: unknown): TypeError & { code: string } {
  const err = new TypeError(`The "${name}" argument must be ${expected}. Received ${describe(value)}`) as TypeError & { code: string };
  err.code = 'ERR_INVALID_ARG_TYPE';
  return err;
}

/**
 * What the command-line tools share: option parsing with Unix exit codes
 * (bad options → usage on stderr, exit 2), endpoint and size parsing, and
 * one-line error reporting instead of stack traces.
 */
import { parseArgs, ParseArgsConfig } from 'util';

/** An error in the command line: printed with the usage, exit status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A host/port pair as the tools take them: `host:port`, `[v6]:port` or `:port`. */
export interface Endpoint {
  host: string;
  port: number;
}

/** Parses `host:port`, `[::1]:port`, `:port` or a bare port. */
export function parseEndpoint(text: string, defaultHost = ''): Endpoint {
  let host = defaultHost;
  let portText = text;
  const v6 = /^\[([^\]]*)\]:(.*)$/.exec(text);
  if (v6 !== null) {
    host = v6[1];
    portText = v6[2];
  } else if (text.includes(':')) {
    const cut = text.lastIndexOf(':');
    host = text.slice(0, cut) || defaultHost;
    portText = text.slice(cut + 1);
  }
  const port = Number(portText);
  if (portText === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`invalid endpoint '${text}': expected [host]:port with a port from 0 to 65535`);
  }
  return { host, port };
}

/** Parses a non-negative integer option. */
export function parseCount(name: string, text: string | undefined, fallback: number, min = 0): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(value) || value < min) {
    throw new UsageError(`--${name} must be an integer >= ${min}, not '${text}'`);
  }
  return value;
}

/** Parses a non-negative real option. */
export function parseReal(name: string, text: string | undefined, fallback: number, min = 0): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < min) {
    throw new UsageError(`--${name} must be a number >= ${min}, not '${text}'`);
  }
  return value;
}

/** Parses a list of CPU numbers such as `2,3-5` (spead2's parse_range_list). */
export function parseRangeList(name: string, text: string | undefined): number[] {
  if (text === undefined || text === '') return [];
  const out: number[] = [];
  for (const part of text.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (m === null) throw new UsageError(`--${name} must be a list like 2,3-5, not '${text}'`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    for (let i = lo; i <= hi; i++) out.push(i);
  }
  return out;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** The parsed command line: option values by name and the positionals. */
export interface ParsedCommandLine {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

/** Parses argv strictly; unknown options and missing values become UsageErrors. */
export function parseCommandLine(argv: string[], options: Options): ParsedCommandLine {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as ParsedCommandLine['values'], positionals };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Reads a string option (undefined when absent). */
export function str(cl: ParsedCommandLine, name: string): string | undefined {
  const v = cl.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** Reads a boolean flag. */
export function flag(cl: ParsedCommandLine, name: string): boolean {
  return cl.values[name] === true;
}

/**
 * Runs a tool's main function with Unix habits: a UsageError prints the
 * message and the usage and exits 2; any other error prints one line (with
 * the system error code when there is one) and exits 1.
 */
export function runTool(usage: string, main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      if (e instanceof UsageError) {
        process.stderr.write(`${e.message}\n${usage}`);
        process.exitCode = 2;
        return;
      }
      const err = e as NodeJS.ErrnoException;
      const code = typeof err?.code === 'string' && !String(err.message).includes(err.code) ? ` (${err.code})` : '';
      process.stderr.write(`error: ${err?.message ?? String(e)}${code}\n`);
      process.exitCode = 1;
    },
  );
}

/** Network namespaces and veth pairs that tests and benchmarks make for themselves. */
import { execFileSync } from 'child_process';

/** Runs `ip` with `args`; returns its output, throws with its stderr. */
export function ip(...args: string[]): string {
  return execFileSync('ip', args, { stdio: 'pipe' }).toString();
}

/**
 * Runs each `[what, ip args]` step in order. Returns undefined when all
 * succeeded, or which step the machine refused and why (for a skip message).
 */
export function runSteps(steps: Array<[string, string[]]>): string | undefined {
  for (const [what, args] of steps) {
    try {
      ip(...args);
    } catch (e) {
      return `this machine refused to ${what}: ${String((e as { stderr?: Buffer }).stderr ?? e).trim()}`;
    }
  }
  return undefined;
}

/** Deletes namespaces (and the veth ends in them), ignoring ones never made. */
export function deleteNamespaces(...names: string[]): void {
  for (const ns of names) {
    try {
      ip('netns', 'del', ns);
    } catch {
      // never made
    }
  }
}

/**
 * The steps for a veth pair between the current namespace (`local`, with
 * `localAddr`) and a new namespace `ns` (`remote`, with `remoteAddr`); /24s.
 */
export function vethToNamespaceSteps(ns: string, local: string, remote: string, localAddr: string, remoteAddr: string): Array<[string, string[]]> {
  return [
    ['create a network namespace', ['netns', 'add', ns]],
    ['create a veth pair', ['link', 'add', local, 'type', 'veth', 'peer', 'name', remote, 'netns', ns]],
    ['address the local end', ['addr', 'add', `${localAddr}/24`, 'dev', local]],
    ['address the namespace end', ['-n', ns, 'addr', 'add', `${remoteAddr}/24`, 'dev', remote]],
    ['bring the local end up', ['link', 'set', local, 'up']],
    ['bring the namespace end up', ['-n', ns, 'link', 'set', remote, 'up']],
  ];
}

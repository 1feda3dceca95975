// Every process a running program starts, directly or further down, seen by polling /proc while
// it runs: so a test can kill the program outright and then prove none of them lives on. A pid
// is remembered with its start time, so a reused pid is not mistaken for a survivor.
import { readFileSync, readdirSync } from 'node:fs';

interface Stat {
  state: string;
  ppid: number;
  start: string;
}

function stat(pid: number): Stat | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { state: f[0]!, ppid: Number(f[1]), start: f[19]! };
  } catch {
    return null;
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

export interface DescendantWatch {
  /** How many descendants were seen so far. */
  seen(): number;
  /** Stop polling (one last look first). */
  stop(): void;
  /** Descendants seen that are still running (not zombies), with their command lines. */
  alive(): string[];
}

export function watchDescendants(root: number, everyMs = 5): DescendantWatch {
  const seen = new Map<number, { start: string; cmd: string }>();
  const scan = () => {
    const info = new Map<number, Stat>();
    for (const p of readdirSync('/proc')) {
      if (!/^\d+$/.test(p)) continue;
      const s = stat(Number(p));
      if (s) info.set(Number(p), s);
    }
    const tree = new Set([root]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const [p, s] of info) {
        if (!tree.has(p) && tree.has(s.ppid)) {
          tree.add(p);
          grew = true;
        }
      }
    }
    for (const p of tree) if (p !== root && !seen.has(p)) seen.set(p, { start: info.get(p)!.start, cmd: cmdline(p) });
  };
  const timer = setInterval(scan, everyMs);
  scan();
  return {
    seen: () => seen.size,
    stop: () => {
      scan();
      clearInterval(timer);
    },
    alive: () =>
      [...seen].flatMap(([pid, was]) => {
        const now = stat(pid);
        return now && now.start === was.start && now.state !== 'Z' ? [`${pid} ${cmdline(pid) || was.cmd}`] : [];
      }),
  };
}

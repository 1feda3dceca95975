// The live packet path: one row per place the echo requests pass (namespace, veth, bridge,
// forward, NAT, uplink) with the requests and replies counted there so far, the source
// before and after NAT, and the verdict with the step it implicates. It renders the core's
// PathView (src/session/path.ts) and nothing else; a place the packets never reached is
// marked with X as well as colour, so it reads the same under NO_COLOR.
import { Box } from 'ink';
import { escapeControl } from '../report/escape.js';
import type { PathHop, PathView } from '../session/types.js';
import { Lines, line, wrapped, type Line } from './lines.js';

const num = (n: number | null | undefined) => (n === null || n === undefined ? '-' : String(n)).padStart(5);

function hopLine(hop: PathHop, labelWidth: number): Line {
  const mark = hop.state === 'dead' ? 'X' : ' ';
  const counted = hop.count !== null || (hop.replies !== null && hop.replies !== undefined);
  const counts = counted ? `${num(hop.count)}${num(hop.replies)}` : ' '.repeat(10);
  const text = `${mark} ${counts}  ${escapeControl(hop.label).padEnd(labelWidth)} ${escapeControl(hop.note ?? '')}`.trimEnd();
  const tone = hop.state === 'dead' ? 'fail' : hop.state === 'ok' ? 'plain' : hop.count === 0 ? 'fail' : counted ? 'plain' : 'dim';
  return line(text, tone);
}

/** The panel as lines (pure): what the frame shows, before clipping to the room there is. */
export function pathPanelLines(path: PathView, width: number): Line[] {
  const out: Line[] = [line(`Packet path: ${path.status ?? (path.running ? 'capturing live' : 'captured')}`, 'title')];
  if (path.unavailable) {
    // The same words as `check`'s report when it cannot capture.
    out.push(...wrapped(`unavailable: ${escapeControl(path.unavailable.reason)}`, width, '  ', 'warn'));
    out.push(...wrapped(`Remedy: ${escapeControl(path.unavailable.remedy)}`, width, '  ', 'dim'));
    return out;
  }
  const labelWidth = Math.min(28, Math.max(12, ...path.hops.map((h) => h.label.length)));
  out.push(line(`  ${'req'.padStart(5)}${'rep'.padStart(5)}  where`, 'dim'));
  for (const hop of path.hops) out.push(hopLine(hop, labelWidth));
  if (path.sourceBefore || path.sourceAfter) {
    const same = path.sourceAfter !== null && path.sourceAfter === path.sourceBefore;
    out.push(line(`  source ${path.sourceBefore ?? '?'} before NAT, ${path.sourceAfter ?? 'not seen'} after${same ? ' (not translated)' : ''}`, same ? 'fail' : 'accent'));
  }
  if (path.verdict) out.push(...wrapped(`Verdict: ${escapeControl(path.verdict)}`, width, '  ', 'bold'));
  if (path.step) out.push(...wrapped(`Implicates ${escapeControl(path.step)}`, width, '  ', 'fail'));
  if (path.advice) out.push(...wrapped(escapeControl(path.advice.charAt(0).toUpperCase() + path.advice.slice(1)), width, '  ', 'dim'));
  if (path.drop) out.push(...wrapped(`Dropped by: ${escapeControl(path.drop)}`, width, '  ', 'fail'));
  if (path.rule) out.push(line(`  Rule: ${escapeControl(path.rule)}`, 'dim'));
  return out;
}

export function PathPanel({ path, width, height }: { path: PathView; width: number; height: number }) {
  return (
    <Box width={width} flexDirection="column">
      <Lines lines={pathPanelLines(path, width)} height={height} />
    </Box>
  );
}

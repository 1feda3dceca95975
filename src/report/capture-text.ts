// The packet path as people read it: namespace -> veth -> bridge -> forward/NAT -> uplink,
// with what the capture counted at each hop and the source before and after NAT. Pure.
import type { CaptureReport, HopCount } from '../model/capture.js';
import { escapeControl } from './escape.js';
import { PLAIN, type Style } from './style.js';
import { wrapText } from './wrap.js';

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function hopLine(label: string, hop: HopCount, nsAddress: string | null, s: Style): string {
  const counts = `${count(hop.requests, 'request', 'requests')}, ${count(hop.replies, 'reply', 'replies')}`;
  let source = '';
  if (hop.sources.length) {
    const out = label !== 'bridge';
    const untranslated = out && nsAddress !== null && hop.sources.includes(nsAddress);
    source = `  source ${hop.sources.map(escapeControl).join(', ')}${untranslated ? s.red(' (not translated)') : out ? ' (after NAT)' : ''}`;
  }
  return `  ${label.padEnd(9)} ${escapeControl(hop.interface).padEnd(15)} ${counts.padEnd(22)}${source}`.trimEnd();
}

export function renderCapture(c: CaptureReport, ns: string, target: string, s: Style = PLAIN, width = 100): string[] {
  const lines = [s.bold('Packet path') + s.dim(` (captured while pinging ${target})`)];
  if (!c.available) {
    lines.push(`  ${s.yellow('unavailable')}: ${escapeControl(c.reason ?? '')}`);
    if (c.remedy) lines.push(`  ${s.dim(`Remedy: ${escapeControl(c.remedy)}`)}`);
    return lines;
  }
  const nsAddress = c.bridge?.sources[0] ?? null;
  lines.push(`  namespace ${escapeControl(ns)}${nsAddress ? ` (${escapeControl(nsAddress)})` : ''}`);
  lines.push(s.dim('      | veth'));
  if (c.bridge) lines.push(hopLine('bridge', c.bridge, nsAddress, s));
  const fwd = '      | forward, NAT';
  if (c.drop) {
    // The drop beside the hop where it happened, wrapped under itself when long.
    const [first, ...rest] = wrapText(`X dropped: ${escapeControl(c.drop.summary)}`, width, ' '.repeat(fwd.length + 2));
    lines.push(s.dim(fwd) + s.red(`  ${first!.trimStart()}`), ...rest.map((l) => s.red(l)));
  } else lines.push(s.dim(fwd));
  if (c.uplink) lines.push(hopLine('uplink', c.uplink, nsAddress, s));
  else lines.push('  uplink    (none: the host has no route to the target)');
  // The other ways out, watched for replies that come back there instead.
  for (const hop of c.elsewhere ?? []) lines.push(hopLine('also out', hop, nsAddress, s));
  lines.push(s.dim('      v'));
  lines.push(`  ${target}`);
  const ok = c.verdict === 'ok';
  const verdict = wrapText(escapeControl(`Verdict: ${c.summary ?? ''}${c.step ? ` (implicates ${c.step})` : ''}`), width, '  ');
  if (verdict[0]) verdict[0] = verdict[0].replace('Verdict:', ok ? s.green('Verdict:') : s.red('Verdict:'));
  lines.push(...verdict);
  if (c.agreement === 'confirms') lines.push(`  ${s.dim('The capture confirms the diagnosis.')}`);
  const lead = c.agreement === 'differs' ? 'The capture and the inspection differ: ' : c.agreement === 'beyond-ping' ? 'The capture and the inspection watch different traffic: ' : '';
  if (c.advice) lines.push(...wrapText(escapeControl(`${lead}${c.advice}.`), width, '  '));
  if (c.drop?.rule) lines.push(`  ${s.dim(`Rule: ${escapeControl(c.drop.rule)}`)}`);
  if (c.trace?.note) lines.push(...wrapText(escapeControl(`Trace: ${c.trace.note}`), width, '  ').map((l) => s.dim(l)));
  return lines;
}

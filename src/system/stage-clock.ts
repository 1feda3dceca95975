// Where a run's time goes: with NETDOCTOR_TIMING=1, each stage prints the milliseconds since
// the process started (performance.now()) on stderr. Off by default; it never changes a result.
const on = process.env.NETDOCTOR_TIMING === '1';

export function stage(label: string): void {
  if (on) process.stderr.write(`netdoctor timing: ${performance.now().toFixed(0).padStart(5)} ms  ${label}\n`);
}

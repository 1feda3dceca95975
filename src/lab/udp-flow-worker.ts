// A lab's long-lived UDP flow, one side per process (started by udp-flow.ts, never by hand):
//   send TARGET PORT SPORT NSNAME   every 300 ms from SPORT to TARGET:PORT (the container side)
//   echo ADDR PORT NSNAME           answer every datagram on ADDR:PORT (the internet side)
// Prints "ready" once, then nothing. Exits on SIGTERM, or by itself once its lab namespace
// NSNAME is gone (`lab down`), so a lab never leaves one behind.
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';

const [mode, ...rest] = process.argv.slice(2);
const nsName = rest[rest.length - 1] ?? '';
const socket = createSocket('udp4');
// Errors such as ENETUNREACH are the lesson (no route back yet), not a reason to stop.
socket.on('error', () => undefined);

function ready(): void {
  process.stdout.write('ready\n');
  process.stdout.end();
}

const watch = setInterval(() => {
  if (!existsSync(`/run/netns/${nsName}`)) process.exit(0);
}, 2000);
process.on('SIGTERM', () => {
  clearInterval(watch);
  process.exit(0);
});

if (mode === 'send') {
  const [target = '', port = '', sport = ''] = rest;
  socket.bind(Number(sport), () => {
    const payload = Buffer.from('netdoctor lab udp flow\n');
    const send = () => socket.send(payload, Number(port), target, () => undefined);
    // The first datagram is what creates the conntrack entry: ready only once it has left.
    socket.send(payload, Number(port), target, () => ready());
    setInterval(send, 300);
  });
} else if (mode === 'echo') {
  const [addr = '', port = ''] = rest;
  socket.on('message', (msg, from) => socket.send(msg, from.port, from.address, () => undefined));
  socket.bind(Number(port), addr, () => ready());
} else {
  process.stderr.write('usage: udp-flow-worker send TARGET PORT SPORT NSNAME | echo ADDR PORT NSNAME\n');
  process.exit(2);
}

// The lab internet's resolver: a tiny UDP DNS responder started by `netdoctor lab up` inside the
// lab's internet namespace (`ip netns exec P-inet node dns-responder.js ADDRESS ANSWER`). Every A
// query is answered with ANSWER, so names resolve as they would with a working resolver.
// `lab down` ends it (it is found by its namespace and this file's name) before deleting the namespace.
import dgram from 'node:dgram';
import { statSync } from 'node:fs';
import { answerQuery } from '../net/dns-wire.js';

const [address = '198.51.100.53', answer = '198.51.100.8'] = process.argv.slice(2);
// In the environment, not argv: no process's command line names a lab.
const nsName = process.env.NETDOCTOR_LAB_NS;

// Never outlive the lab: once /run/netns/NAME is gone (or is another namespace), whoever
// removed the lab did not stop us, so stop ourselves.
if (nsName) {
  const own = statSync('/proc/self/ns/net').ino;
  setInterval(() => {
    let ino: number | null = null;
    try {
      ino = statSync(`/run/netns/${nsName}`).ino;
    } catch {
      ino = null;
    }
    if (ino !== own) process.exit(0);
  }, 2000).unref();
}
const sock = dgram.createSocket('udp4');
sock.on('message', (msg, rinfo) => {
  const reply = answerQuery(msg, answer);
  if (reply) sock.send(reply, rinfo.port, rinfo.address);
});
sock.on('error', (err) => {
  process.stderr.write(`dns-responder: ${err.message}\n`);
  process.exit(1);
});
sock.bind(53, address, () => {
  // The parent waits for this line, then lets go of the pipe.
  process.stdout.write('ready\n');
});
// The parent closing our stdout must not kill us.
process.stdout.on('error', () => undefined);

// Runs INSIDE the namespace being diagnosed (`ip netns exec NS node dns-query-worker.js ...`):
// one real DNS query over UDP to each resolver, as a program in the namespace would send it.
// Prints one JSON line per server as soon as it is settled ({ server, answered, rcode, ms, error }),
// so a parent that stops waiting keeps what is known, then the JSON array of all. Never throws.
import dgram from 'node:dgram';
import { isIP } from 'node:net';
import { encodeQuery, parseHeader, rcodeName } from '../net/dns-wire.js';

export interface DnsServerResult {
  server: string;
  answered: boolean;
  rcode: string | null;
  ms: number | null;
  /**
   * Why there was no answer: "timeout", the socket error (ECONNREFUSED: nothing listens), or
   * "abandoned" (netdoctor stopped waiting: the ping showed the path to it broken).
   */
  error: string | null;
  /** With "abandoned": how long the query had been out unanswered (null: it was never sent). */
  waitedMs?: number | null;
}

function ask(server: string, name: string, timeoutMs: number): Promise<DnsServerResult> {
  return new Promise((resolve) => {
    const family = isIP(server);
    if (!family) return resolve({ server, answered: false, rcode: null, ms: null, error: 'not an IP address' });
    const sock = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
    const id = Math.floor(Math.random() * 65536);
    const started = performance.now();
    let done = false;
    const finish = (r: Omit<DnsServerResult, 'server'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.close();
      resolve({ server, ...r });
    };
    const timer = setTimeout(() => finish({ answered: false, rcode: null, ms: null, error: 'timeout' }), timeoutMs);
    // A connected socket hears ICMP errors (port unreachable -> ECONNREFUSED).
    sock.on('error', (err: NodeJS.ErrnoException) => finish({ answered: false, rcode: null, ms: null, error: err.code ?? err.message }));
    sock.on('message', (msg) => {
      const h = parseHeader(msg);
      if (!h || !h.response || h.id !== id) return;
      finish({ answered: true, rcode: rcodeName(h.rcode), ms: Math.round(performance.now() - started), error: null });
    });
    sock.connect(53, server, () => {
      sock.send(encodeQuery(id, name), (err) => {
        // The parent times the wait from here when it stops waiting early.
        if (!err) process.stdout.write(`${JSON.stringify({ sent: server })}\n`);
        if (err) finish({ answered: false, rcode: null, ms: null, error: (err as NodeJS.ErrnoException).code ?? err.message });
      });
    });
  });
}

async function main(): Promise<void> {
  const [name = 'example.com', timeout = '1500', ...servers] = process.argv.slice(2);
  const results = await Promise.all(
    servers.map((s) =>
      ask(s, name, Number(timeout)).then((r) => {
        process.stdout.write(`${JSON.stringify(r)}\n`);
        return r;
      }),
    ),
  );
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

void main();

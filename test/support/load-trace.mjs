// `node --import ./test/support/load-trace.mjs ...`: appends the URL of every ES module the
// process loads (one a line) to the file named by NETDOCTOR_LOAD_TRACE. Used to prove which
// files a command really loads (test/integration/built-output.test.ts).
import { register } from 'node:module';

register('./load-trace-hooks.mjs', import.meta.url, { data: { file: process.env.NETDOCTOR_LOAD_TRACE } });

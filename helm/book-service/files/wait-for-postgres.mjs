// Init container of the hook Jobs: waits until PostgreSQL at PGHOST:PGPORT accepts
// connections, as pg_isready does (no credentials needed): a startup message answered
// by an authentication request or by any error other than 57P03 "the database system is
// starting up" means the server is up. Refused, unresolvable or silent: try again.
// The Job's activeDeadlineSeconds bounds the wait.
import { connect } from 'node:net';

const host = process.env.PGHOST || 'localhost';
const port = Number(process.env.PGPORT || 5432);
const database = process.env.PGDATABASE || 'postgres';
const intervalMs = Number(process.env.WAIT_INTERVAL_MS || 2000);

function cstring(s) {
  return Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])]);
}

function startupMessage() {
  const body = Buffer.concat([cstring('user'), cstring('book_wait_for_postgres'), cstring('database'), cstring(database), Buffer.from([0])]);
  const head = Buffer.alloc(8);
  head.writeInt32BE(body.length + 8, 0);
  head.writeInt32BE(196608, 4); // protocol 3.0
  return Buffer.concat([head, body]);
}

/** 'up', or why not. */
function probe() {
  return new Promise((resolve) => {
    let settled = false;
    let received = Buffer.alloc(0);
    const done = (result) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(result);
    };
    const socket = connect({ host, port });
    socket.setTimeout(5000, () => done('no answer within 5 s'));
    socket.on('error', (error) => done(error.code || error.message));
    socket.on('close', () => done('connection closed without an answer'));
    socket.on('connect', () => socket.write(startupMessage()));
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 5) return;
      const type = String.fromCharCode(received[0]);
      if (type !== 'E') return done('up');
      const length = received.readInt32BE(1);
      if (received.length < length + 1) return;
      let code = '';
      for (let at = 5; at < length + 1 && received[at] !== 0; ) {
        const field = String.fromCharCode(received[at]);
        const end = received.indexOf(0, at + 1);
        if (field === 'C') code = received.toString('utf8', at + 1, end);
        at = end + 1;
      }
      done(code === '57P03' ? 'starting up (57P03)' : 'up');
    });
  });
}

const started = Date.now();
let lastLog = 0;
for (;;) {
  const result = await probe();
  if (result === 'up') {
    console.log(`PostgreSQL at ${host}:${port} accepts connections (after ${Math.round((Date.now() - started) / 1000)} s)`);
    process.exit(0);
  }
  if (Date.now() - lastLog >= 10000) {
    console.log(`waiting for PostgreSQL at ${host}:${port}: ${result}`);
    lastLog = Date.now();
  }
  await new Promise((r) => setTimeout(r, intervalMs));
}

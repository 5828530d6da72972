// Keepalive in both directions: the server answers the clients' PINGs, the clients
// answer the server's PINGs, and a peer that never answers is dropped as stale.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rawConnect } from '../support/raw.js';
import { watchStatusTypes, closeAll, collect, connectTo, eachClient, sleep, startTarget } from './_clients.js';


eachClient('frequent client PINGs are answered: no stale connection', async (c) => {
  const srv = await startTarget();
  const nc = await connectTo(c, srv, { pingInterval: 40, maxPingOut: 2 });
  try {
    const events = watchStatusTypes(nc);
    const firstClientId = nc.info.client_id;
    await sleep(700);
    assert.equal(nc.isClosed(), false);
    assert.ok(!events.includes('staleConnection') && !events.includes('disconnect'), `status events: ${events}`);
    assert.equal(nc.info.client_id, firstClientId, 'still the first connection');
    const pings = events.filter((e) => e === 'ping' || e === 'pingTimer').length;
    assert.ok(pings >= 5, `client ping timer fired ${pings} times`);
    const col = collect(nc, 'ka.client');
    await nc.flush();
    nc.publish('ka.client', 'x');
    await nc.flush();
    assert.equal((await col.until(1)).length, 1);
  } finally {
    await closeAll(nc);
    await srv.close();
  }
});

eachClient('the client answers frequent server PINGs: an idle connection stays up', async (c) => {
  const srv = await startTarget({ ping_interval: '100ms', ping_max: 2 });
  // The client's own pings are far apart, so only the server's PINGs keep it alive.
  const nc = await connectTo(c, srv, { pingInterval: 60000 });
  try {
    const events = watchStatusTypes(nc);
    const firstClientId = nc.info.client_id;
    await sleep(900);
    assert.equal(nc.isClosed(), false);
    assert.ok(!events.includes('disconnect') && !events.includes('error'), `status events: ${events}`);
    assert.equal(nc.info.client_id, firstClientId);
    assert.ok((await nc.rtt()) >= 0);
  } finally {
    await closeAll(nc);
    await srv.close();
  }
});

test('a connection that never answers the server PINGs is closed as stale', async () => {
  const srv = await startTarget({ ping_interval: '100ms', ping_max: 2 });
  const raw = await rawConnect(srv.port, { verbose: false, pedantic: false, protocol: 1 });
  try {
    await raw.expect('PING\r\n', 2000);
    await raw.expect("-ERR 'Stale Connection'\r\n", 3000);
    await raw.waitClosed(3000);
    assert.ok((raw.text.match(/PING\r\n/g) ?? []).length >= 2, `pings seen: ${JSON.stringify(raw.text)}`);
  } finally {
    raw.close();
    await srv.close();
  }
});

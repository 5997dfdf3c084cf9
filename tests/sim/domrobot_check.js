// domrobot_check.js — drive the simulator with INWX's official Node client (domrobot-client),
// unmodified, to prove the sim speaks the wire format that client expects. Prints TAP lines.
//
//   node tests/sim/domrobot_check.js MODULE_DIR API_URL USER PASS [TOTP_SECRET] [FIRST_TAP_NUMBER]
'use strict';
const [moduleDir, apiUrl, user, pass, secret, first] = process.argv.slice(2);
const { ApiClient, Language } = require(moduleDir);

let n = Number(first || 1) - 1;
let failed = 0;
function ok(cond, what, detail) {
  n += 1;
  console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${what}`);
  if (!cond) {
    failed += 1;
    if (detail !== undefined) console.log('#   ' + JSON.stringify(detail));
  }
}

async function main() {
  const tag = secret ? ' (2FA)' : '';
  const client = new ApiClient(apiUrl, Language.EN, false);
  const login = await client.login(user, pass, secret || null);
  ok(login.code === 1000, 'domrobot-client login' + tag, login);
  ok(typeof client.getCookie() === 'string' && client.getCookie().startsWith('domrobot='), 'client keeps the session cookie' + tag);
  const zone = secret ? 'node2fa.example' : 'node.example';
  const created = await client.callApi('nameserver.create', { domain: zone, type: 'MASTER' });
  ok(created.code === 1000 && typeof created.resData.roId === 'number', 'nameserver.create' + tag, created);
  const info = await client.callApi('nameserver.info', { domain: zone });
  ok(info.code === 1000 && info.resData.record.some((r) => r.type === 'SOA'), 'nameserver.info' + tag, info);
  const rec = await client.callApi('nameserver.createRecord', { domain: zone, name: 'www', type: 'A', content: '192.0.2.10', ttl: 300 });
  ok(rec.code === 1000 && typeof rec.resData.id === 'string', 'nameserver.createRecord (id is a string)' + tag, rec);
  const again = await client.callApi('nameserver.info', { domain: zone, name: 'www.' + zone, type: 'A' });
  ok(again.code === 1000 && again.resData.record.length === 1 && again.resData.record[0].id === rec.resData.id,
    'record visible by FQDN name' + tag, again);
  const del = await client.callApi('nameserver.deleteRecord', { id: rec.resData.id });
  ok(del.code === 1000, 'nameserver.deleteRecord' + tag, del);
  const gone = await client.callApi('nameserver.info', { domain: zone, type: 'A' });
  ok(gone.code === 1000 && gone.resData.record === undefined, 'record gone (record omitted)' + tag, gone);
  await client.logout();
  ok(client.getCookie() === null, 'logout' + tag);
  const after = await client.callApi('account.info');
  ok(after.code === 2200, 'after logout -> 2200' + tag, after);
}

main().then(() => process.exit(failed ? 1 : 0), (e) => {
  ok(false, 'domrobot-client crashed: ' + e);
  process.exit(1);
});

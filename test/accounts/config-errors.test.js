// Config errors of multi-tenancy settings, compared with nats-server 2.9.10's `-t -c`
// output: the same exit status and the same `file:line:col: text` after the program
// name. The expected texts were taken from nats-server (and are checked against it
// again when it is installed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkBoth } from './_helpers.js';

/** [name, config text, nats-server's error (or the ones it may give) without the file name]. */
const CASES = [
  [
    'duplicate user across two accounts',
    `accounts {
  A: { users: [{user: dup, password: a}] }
  B: { users: [{user: dup, password: b}] }
}
`,
    // nats-server reports either duplicate's entry (Go map order decides which).
    ['2:8: Duplicate user "dup" detected', '3:8: Duplicate user "dup" detected'],
  ],
  [
    'duplicate user in the authorization block and an account',
    `authorization { users: [{user: dup, password: x}] }
accounts {
  A: { users: [{user: dup, password: a}] }
}
`,
    // Go map order: the accounts entry or the top of the file.
    ['3:8: Duplicate user "dup" detected', '1:0: Duplicate user "dup" detected'],
  ],
  [
    'duplicate user within one account',
    `accounts {
  A: { users: [
    {user: dup, password: a}
    {user: dup, password: b}
  ] }
}
`,
    '2:8: Duplicate user "dup" detected',
  ],
  [
    'stream import from an undefined account',
    `accounts {
  B: { users: [{user: b, password: b}], imports: [{stream: {account: X, subject: "foo"}}] }
}
`,
    '1:0: "X" account not defined for stream import',
  ],
  [
    'service import from an undefined account',
    `accounts {
  B: { users: [{user: b, password: b}], imports: [{service: {account: X, subject: "foo"}}] }
}
`,
    '1:0: "X" account not defined for service import',
  ],
  [
    'export restricted to an undefined account',
    `accounts {
  A: { users: [{user: a, password: a}], exports: [{service: "s", accounts: [X]}] }
}
`,
    '1:0: "X" account not defined for service export',
  ],
  [
    'unauthorized service import (restricted export)',
    `accounts {
  A: { users: [{user: a, password: a}], exports: [{service: "s", accounts: [B]}] }
  B: { users: [{user: b, password: b}], imports: [{service: {account: A, subject: "s"}}] }
  C: { users: [{user: c, password: c}], imports: [{service: {account: A, subject: "s"}}] }
}
`,
    '1:0: Error adding service import "s": service import not authorized',
  ],
  [
    'import of a subject that is not exported',
    `accounts {
  A: { users: [{user: a, password: a}], exports: [{stream: "a.b"}] }
  B: { users: [{user: b, password: b}], imports: [{stream: {account: A, subject: "a.*"}}] }
}
`,
    '1:0: Error adding stream import "a.*": stream import not authorized',
  ],
  [
    'service import of a stream export',
    `accounts {
  A: { users: [{user: a, password: a}], exports: [{stream: "s"}] }
  B: { users: [{user: b, password: b}], imports: [{service: {account: A, subject: "s"}}] }
}
`,
    '1:0: Error adding service import "s": service import not authorized',
  ],
  [
    'reserved account name $G (map form)',
    `accounts {
  $G: { users: [{user: a, password: a}] }
}
`,
    '2:3: "$G" is a Reserved Account',
  ],
  [
    'reserved account name $G (list form)',
    `accounts: [A, "$G"]
`,
    '1:15: "$G" is a Reserved Account',
  ],
  [
    'duplicate account in the list form',
    `accounts: [A, B, A]
`,
    '1:17: Duplicate Account Entry: A',
  ],
  [
    'stream import prefix with a wildcard',
    `accounts {
  A: { users: [{user: a, password: a}], exports: [{stream: "a.>"}] }
  B: { users: [{user: b, password: b}], imports: [{stream: {account: A, subject: "a.>"}, prefix: "p.*"}] }
}
`,
    '1:0: Error adding stream import "a.>": stream import prefix can not contain wildcard tokens',
  ],
  [
    'account_token_position not on a wildcard',
    `accounts {
  A: { users: [{user: a, password: a}], exports: [{service: "ngs.usage.*", account_token_position: 2}] }
}
`,
    '1:0: Error adding service export "ngs.usage.*": sublist: invalid subject',
  ],
  [
    'the same stream imported twice',
    `accounts {
  A: { users: [{user: a, password: a}], exports: [{stream: "a.>"}] }
  B: { users: [{user: b, password: b}], imports: [
    {stream: {account: A, subject: "a.>"}}
    {stream: {account: A, subject: "a.>"}}
  ] }
}
`,
    '1:0: Error adding stream import "a.>": stream import already exists',
  ],
  [
    'service imports forming a cycle',
    `accounts {
  A: { users: [{user: a, password: a}], exports: [{service: "svc"}], imports: [{service: {account: B, subject: "svc"}}] }
  B: { users: [{user: b, password: b}], exports: [{service: "svc"}], imports: [{service: {account: A, subject: "svc"}}] }
}
`,
    '1:0: Error adding service import "svc": import forms a cycle',
  ],
  [
    'stream imports forming a cycle',
    `accounts {
  A: { users: [{user: a, password: a}], exports: [{stream: "s"}], imports: [{stream: {account: B, subject: "s"}}] }
  B: { users: [{user: b, password: b}], exports: [{stream: "s"}], imports: [{stream: {account: A, subject: "s"}}] }
}
`,
    '1:0: Error adding stream import "s": import forms a cycle',
  ],
  [
    'service import `to` that cannot map the subject',
    `accounts {
  A: { users: [{user: a, password: a}], exports: [{service: "x.>"}] }
  B: { users: [{user: b, password: b}], imports: [{service: {account: A, subject: "x.>"}, to: "y.*"}] }
}
`,
    '1:0: Error adding service import "x.>": failed to create mapping transform for service import subject "y.*" to "x.>": invalid subject',
  ],
  [
    'mapping destination: wildcard index out of range ($2)',
    `mappings {
  "foo.*": "bar.$2"
}
`,
    '2:4: Error adding mapping for "foo.*" to "bar.$2" : invalid mapping destination: wildcard index out of range in $2: [2]',
  ],
  [
    'mapping destination: wildcard index out of range ({{wildcard(2)}}), account level',
    `accounts {
  A: {
    users: [{user: a, password: a}]
    mappings: { "foo.*": "bar.{{wildcard(2)}}" }
  }
}
`,
    '4:18: Error adding mapping for "foo.*" to "bar.{{wildcard(2)}}" : invalid mapping destination: wildcard index out of range in {{wildcard(2)}}: [2]',
  ],
  [
    'mapping destination: unknown function',
    `mappings {
  "foo.*": "bar.{{nosuch(1)}}"
}
`,
    '2:4: Error adding mapping for "foo.*" to "bar.{{nosuch(1)}}" : invalid mapping destination: unknown function in {{nosuch(1)}}',
  ],
  [
    'mapping destination: not a valid subject',
    `accounts {
  A: {
    users: [{user: a, password: a}]
    mappings: { "foo": "bar.*" }
  }
}
`,
    '4:18: Error adding mapping for "foo" to "bar.*" : invalid subject',
  ],
  [
    'mapping destination: empty',
    `mappings {
  "foo": ""
}
`,
    '2:4: Error adding mapping for "foo" to "" : invalid mapping destination: invalid subject in',
  ],
  [
    'mapping weight over 100%',
    `mappings {
  "foo": [{destination: "a", weight: 101%}]
}
`,
    '2:30: Invalid weight 101 for mapping destination',
  ],
  [
    'mapping weight not a number',
    `mappings {
  "foo": [{destination: "a", weight: "abc"}]
}
`,
    '2:30: Invalid weight "abc" for mapping destination',
  ],
  [
    'mapping source not a valid subject',
    `mappings {
  "foo..bar": "baz"
}
`,
    '1:0: Subject "foo..bar" is not a valid subject',
  ],
];

for (const [name, conf, expected] of CASES) {
  test(`config error: ${name}`, () => {
    const allowed = (Array.isArray(expected) ? expected : [expected]).map((e) => `accounts.conf:${e}`);
    const r = checkBoth(conf);
    if (r.nats) {
      assert.equal(r.nats.code, 1, `nats-server rejects it: ${r.nats.text}`);
      assert.ok(allowed.includes(r.nats.text), `nats-server 2.9.10 said ${JSON.stringify(r.nats.text)}`);
    }
    assert.equal(r.dialtone.code, 1, `dialtone -t must reject it; said ${JSON.stringify(r.dialtone.text)}`);
    assert.ok(allowed.includes(r.dialtone.text), `dialtone said ${JSON.stringify(r.dialtone.text)}; nats-server says ${allowed.map((a) => JSON.stringify(a)).join(' or ')}`);
  });
}

test('a valid multi-account config passes -t on both', () => {
  const r = checkBoth(`accounts {
  A: { users: [{user: a, password: a}], exports: [{stream: "a.>"}, {service: "ngs.usage.*", account_token_position: 3}, {service: "s", accounts: [B]}] }
  B: { users: [{user: b, password: b}], imports: [
    {stream: {account: A, subject: "a.>"}, prefix: "from_a"}
    {service: {account: A, subject: "ngs.usage.B"}}
    {service: {account: A, subject: "s"}, to: "local.s"}
  ] }
}
mappings { "foo.*.*": "bar.$2.{{wildcard(1)}}", "w": [{destination: "w.a", weight: 20%}, {destination: "w.b", weight: 80%}] }
`);
  if (r.nats) assert.deepEqual(r.nats, { code: 0, text: 'configuration file accounts.conf is valid' });
  assert.deepEqual(r.dialtone, { code: 0, text: 'configuration file accounts.conf is valid' });
});

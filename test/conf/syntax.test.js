// Syntax accepted by the configuration parser, and the values it yields.
// Cases follow nats-server's conf/lex_test.go and conf/parse_test.go.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseConf } from "../../dist/conf/index.js";

const parse = (text) => parseConf(text, { env: {} });
const valueOf = (text) => parse(`v = ${text}`).v;

describe("key/value separators and terminators", () => {
  for (const text of ["foo = 123", "foo=123", "foo : 123", "foo:123", "foo: 123", "foo 123", "foo\t123", "foo\t\t123\r\n", "foo=123\r\n", "foo:  123\r\n"]) {
    test(JSON.stringify(text), () => assert.deepEqual(parse(text), { foo: 123 }));
  }

  test("semicolons and commas end top-level values", () => {
    assert.deepEqual(parse("foo='1'; bar=2.2; baz=true; boo=22"), { foo: "1", bar: 2.2, baz: true, boo: 22 });
    assert.deepEqual(parse("a = 1, b = 2,"), { a: 1, b: 2 });
    assert.deepEqual(parse("foo = 123;\nbar = 'baz';\nbaz = 'boo'\nmap {\n id = 1;\n}\n"), {
      foo: 123, bar: "baz", baz: "boo", map: { id: 1 },
    });
  });

  test("quoted keys keep spaces and special characters", () => {
    assert.deepEqual(parse("'foo' : 123"), { foo: 123 });
    assert.deepEqual(parse('"foo" : 123'), { foo: 123 });
    assert.deepEqual(parse("' foo' : 123"), { " foo": 123 });
    assert.deepEqual(parse("foo = {'bar-1.2.3' = { port:4242 }}"), { foo: { "bar-1.2.3": { port: 4242 } } });
    assert.deepEqual(parse('foo = {"bar" = 4242}'), { foo: { bar: 4242 } });
  });

  test("keys are kept as written", () => {
    assert.deepEqual(parse("Port = 1\nPORT = 2\nport = 3"), { Port: 1, PORT: 2, port: 3 });
  });

  test("a repeated key keeps its last value", () => {
    assert.deepEqual(parse("a = 1\na = 2"), { a: 2 });
  });

  test("__proto__ is stored as an ordinary key", () => {
    const conf = parse('"__proto__" = 1\nx { "__proto__" { polluted = true } }');
    assert.equal(Object.getPrototypeOf(conf), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(conf, "__proto__")?.value, 1);
    assert.equal({}.polluted, undefined);
  });
});

describe("comments", () => {
  test("# and // comments anywhere a line may end", () => {
    const text = `
# top level comment
// another one
foo = 123 // trailing
bar = 4   # trailing
list = [
  1, # One
  2, // Two
  3 # Three
  'bar'     ,
  "bar"
]
map {
  ip = '127.0.0.1' # the IP
  port= 4242 // the port
  # inside
}
`;
    assert.deepEqual(parse(text), { foo: 123, bar: 4, list: [1, 2, 3, "bar", "bar"], map: { ip: "127.0.0.1", port: 4242 } });
  });

  test("only comments, or nothing at all, is an empty config", () => {
    assert.deepEqual(parse(""), {});
    assert.deepEqual(parse("\n\n   \n"), {});
    assert.deepEqual(parse("# just comments\n// and more\r\n"), {});
  });

  test("a '#' right after a key with no separator is the value, as in nats-server", () => {
    assert.deepEqual(parse("foo\n#comment"), { foo: "#comment" });
  });
});

describe("strings", () => {
  test("unquoted, double-quoted and single-quoted", () => {
    assert.deepEqual(parse(`a = bar\nb = "bar"\nc = 'bar'\nd = ""\ne = ''`), { a: "bar", b: "bar", c: "bar", d: "", e: "" });
  });

  test("unquoted strings end at a space, ',', ';', ']', '}' or a quote", () => {
    assert.deepEqual(parse("foo = bar' "), { foo: "bar" });
    assert.deepEqual(parse("m { id:one\n id2 : onetwo}"), { m: { id: "one", id2: "onetwo" } });
    assert.deepEqual(parse("p = some/path/x.y-z_w"), { p: "some/path/x.y-z_w" });
  });

  test("double-quoted escapes", () => {
    assert.equal(valueOf(String.raw`"a\tb\nc\rd\"e\\f"`), 'a\tb\nc\rd"e\\f');
    assert.equal(valueOf(String.raw`"\\end"`), "\\end");
    assert.equal(valueOf(String.raw`"start\\"`), "start\\");
    assert.equal(valueOf(String.raw`"\x45\x71"`), "Eq");
  });

  test("\\xHH escapes are bytes, decoded as UTF-8", () => {
    assert.equal(valueOf(String.raw`"caf\xc3\xa9"`), "café");
    assert.equal(valueOf(String.raw`"\xe9"`), "\uFFFD");
  });

  test("escapes also work in unquoted strings", () => {
    assert.equal(valueOf(String.raw`\x65`), "e");
    assert.equal(valueOf(String.raw`start\x45\x71`), "startEq");
    assert.equal(valueOf(String.raw`start\x7Cend`), "start|end");
    assert.equal(valueOf(String.raw`\x3cmiddle\x3E`), "<middle>");
    assert.equal(valueOf(String.raw`\\true`), "\\true");
    assert.equal(valueOf(String.raw`\\$var`), "\\$var");
  });

  test("single-quoted strings are raw and may span lines", () => {
    assert.equal(valueOf(String.raw`'bar\r\n  \t'`), String.raw`bar\r\n  \t`);
    assert.deepEqual(parse("foo {\n  expr = '(true == \"false\")'\n  text = 'This is a multi-line\ntext block.'\n}"), {
      foo: { expr: '(true == "false")', text: "This is a multi-line\ntext block." },
    });
  });

  test("quoted values that look like other types stay strings", () => {
    assert.deepEqual(parse(`a = "true"\nb = "1k"\nc = '22'\nd = "$HOME"`), { a: "true", b: "1k", c: "22", d: "$HOME" });
  });

  test("strings that start with digits", () => {
    assert.equal(valueOf("3xyz"), "3xyz");
    assert.equal(valueOf("1Ghz"), "1Ghz");
    assert.equal(valueOf("2Pie"), "2Pie");
    assert.deepEqual(parse("foo = 3Mbs,"), { foo: "3Mbs" });
    assert.deepEqual(parse("foo = 4Gb, bar = 5Gø"), { foo: 4 * 1024 ** 3, bar: "5Gø" });
    assert.deepEqual(parse("map {\n  foo = 3xyz,\n  bar = 4wqs\n}"), { map: { foo: "3xyz", bar: "4wqs" } });
  });
});

describe("block strings", () => {
  test("( ... ) runs until a ')' alone on its line", () => {
    assert.deepEqual(parse("numbers (\n1234567890\n)\n"), { numbers: "\n1234567890\n" });
    assert.deepEqual(parse("numbers (\n  12(34)56\n  (\n    7890\n  )\n)\n"), { numbers: "\n  12(34)56\n  (\n    7890\n  )\n" });
  });

  test("a block closed at the very end of the input has no trailing ')'", () => {
    assert.deepEqual(parse("numbers (\n1234567890\n)"), { numbers: "\n1234567890\n" });
  });

  test("a NUL after the closing ')' ends the input", () => {
    assert.deepEqual(parse("numbers (\n1234567890\n)\0"), { numbers: "\n1234567890\n" });
  });

  test("holds a PEM block verbatim", () => {
    const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
    assert.deepEqual(parse(`cert: (\n${pem}\n)\nport: 1\n`), { cert: `\n${pem}\n`, port: 1 });
  });
});

describe("booleans", () => {
  for (const [word, value] of [["true", true], ["TRUE", true], ["yes", true], ["Yes", true], ["on", true], ["ON", true], ["false", false], ["False", false], ["no", false], ["NO", false], ["off", false], ["Off", false]]) {
    test(word, () => assert.equal(valueOf(word), value));
  }
  test("other words are strings", () => assert.equal(valueOf("t"), "t"));
});

describe("numbers", () => {
  test("integers", () => {
    assert.equal(valueOf("123"), 123);
    assert.equal(valueOf("-123"), -123);
    assert.equal(valueOf("0"), 0);
    assert.equal(valueOf("-1"), -1);
    assert.equal(valueOf("9223372036854775807"), 9223372036854775807);
  });

  test("size suffixes, any case", () => {
    const text = `
k = 8k
kb = 4kb
ki = 3ki
kib = 4KiB
m = 1m
mb = 2MB
mi = 2Mi
mib = 64MiB
g = 2g
gb = 22GB
gi = 22Gi
gib = 22GiB
t = 3T
tb = 22TB
ti = 22Ti
tib = 22TiB
p = 2p
pb = 2PB
pi = 2Pi
pib = 2PiB
e = 1e
eb = 1EB
ei = 2ei
eib = 3EiB
neg = -1m
neggb = -1GB
`;
    assert.deepEqual(parse(text), {
      k: 8000, kb: 4096, ki: 3072, kib: 4096,
      m: 1e6, mb: 2 * 1024 ** 2, mi: 2 * 1024 ** 2, mib: 64 * 1024 ** 2,
      g: 2e9, gb: 22 * 1024 ** 3, gi: 22 * 1024 ** 3, gib: 22 * 1024 ** 3,
      t: 3e12, tb: 22 * 1024 ** 4, ti: 22 * 1024 ** 4, tib: 22 * 1024 ** 4,
      p: 2e15, pb: 2 * 1024 ** 5, pi: 2 * 1024 ** 5, pib: 2 * 1024 ** 5,
      e: 1e18, eb: 1024 ** 6, ei: 2 * 1024 ** 6, eib: 3 * 1024 ** 6,
      neg: -1e6, neggb: -(1024 ** 3),
    });
  });

  test("floats", () => {
    assert.equal(valueOf("22.2"), 22.2);
    assert.equal(valueOf("-0.5"), -0.5);
    assert.deepEqual(parse("foo=22.2\r\n"), { foo: 22.2 });
  });

  test("values that only start like numbers", () => {
    assert.equal(valueOf("1.2.3"), "1.2.3");
    assert.equal(valueOf("1kx"), "1kx");
    assert.equal(valueOf("12ab"), "12ab");
  });
});

describe("datetimes", () => {
  test("Zulu datetimes become Dates", () => {
    assert.deepEqual(parse("now = 2016-05-04T18:53:41Z\ngmt = false\n"), { now: new Date("2016-05-04T18:53:41Z"), gmt: false });
  });

  test("leap days and small years", () => {
    assert.deepEqual(valueOf("2024-02-29T00:00:00Z"), new Date("2024-02-29T00:00:00Z"));
    const early = valueOf("0042-01-02T03:04:05Z");
    assert.equal(early.getUTCFullYear(), 42);
    assert.equal(early.toISOString(), "0042-01-02T03:04:05.000Z");
  });
});

describe("addresses", () => {
  test("IP addresses and host:port values are strings", () => {
    assert.deepEqual(parse("listen: 127.0.0.1:4222"), { listen: "127.0.0.1:4222" });
    assert.deepEqual(parse("listen: 127.0.0.1"), { listen: "127.0.0.1" });
    assert.deepEqual(parse("listen: 127.0.0.1:-1"), { listen: "127.0.0.1:-1" });
    assert.deepEqual(parse("listen: 0.0.0.0:4222"), { listen: "0.0.0.0:4222" });
    assert.deepEqual(parse("listen: apcera.me:80"), { listen: "apcera.me:80" });
    assert.deepEqual(parse("listen: nats.io:-1"), { listen: "nats.io:-1" });
    assert.deepEqual(parse("listen: -1"), { listen: -1 });
    assert.deepEqual(parse("listen: :-1"), { listen: ":-1" });
    assert.deepEqual(parse("listen = :80"), { listen: ":80" });
    assert.deepEqual(parse("listen = [localhost:4222, localhost:4333]"), { listen: ["localhost:4222", "localhost:4333"] });
  });

  test("URLs", () => {
    assert.deepEqual(parse("routes = [\n  nats-route://foo:bar@apcera.me:4245\n  nats-route://foo:bar@apcera.me:4246\n]"), {
      routes: ["nats-route://foo:bar@apcera.me:4245", "nats-route://foo:bar@apcera.me:4246"],
    });
  });
});

describe("arrays", () => {
  test("comma separated, with or without spaces", () => {
    for (const text of ["foo = [1, 2, 3, 'bar']", "foo = [1,2,3,'bar']", "foo = [1, 2,3,'bar']"]) {
      assert.deepEqual(parse(text), { foo: [1, 2, 3, "bar"] });
    }
  });

  test("newline separated, without commas", () => {
    assert.deepEqual(parse("foo = [\n 1 // foo\n 2\n 3\n 'bar'\n \"bar\"\n]\n"), { foo: [1, 2, 3, "bar", "bar"] });
  });

  test("a trailing comma and empty arrays", () => {
    assert.deepEqual(parse("a = [1, 2,]\nb = []\nc = [\n]"), { a: [1, 2], b: [], c: [] });
  });

  test("nested arrays and arrays of maps", () => {
    assert.deepEqual(parse("a = [[1, 2 ], [x, [y]], {k: v}]"), { a: [[1, 2], ["x", ["y"]], { k: "v" }] });
    const text = `
authorization {
    users = [
      {user: alice, password: foo}
      {user: bob,   password: bar}
    ]
    timeout: 0.5
}`;
    assert.deepEqual(parse(text), {
      authorization: { users: [{ user: "alice", password: "foo" }, { user: "bob", password: "bar" }], timeout: 0.5 },
    });
    assert.deepEqual(parse("array [\n  { abc: 123 }\n  { xyz: \"word\" }\n]"), { array: [{ abc: 123 }, { xyz: "word" }] });
  });

  test("an integer right before ']' is read as text up to the end, as nats-server does", () => {
    assert.throws(() => parse("foo = [1]"), /Expected an array value terminator/);
    assert.throws(() => parse("foo = [1, 2]"), /Expected an array value terminator/);
    assert.deepEqual(parse("foo = [1 ]"), { foo: [1] });
    assert.deepEqual(parse("foo = [1, 2,]"), { foo: [1, 2] });
    assert.deepEqual(parse("foo = [1k]"), { foo: ["1k"] });
  });
});

describe("maps", () => {
  test("with '=', ':' or no separator before '{'", () => {
    for (const text of ["foo = {ip='127.0.0.1', port = 4242}", "foo: {ip='127.0.0.1', port = 4242}", "foo {ip='127.0.0.1', port = 4242}"]) {
      assert.deepEqual(parse(text), { foo: { ip: "127.0.0.1", port: 4242 } });
    }
  });

  test("nested, across lines", () => {
    const text = "foo  {\n  host  {\n    ip = '127.0.0.1'\n    port= 4242\n  }\n  servers = [ \"a.com\", \"b.com\", \"c.com\"]\n}\n";
    assert.deepEqual(parse(text), { foo: { host: { ip: "127.0.0.1", port: 4242 }, servers: ["a.com", "b.com", "c.com"] } });
    assert.deepEqual(parse("systems {\n  allinone {\n    description: \"This is a description.\"\n  }\n}\n"), {
      systems: { allinone: { description: "This is a description." } },
    });
  });

  test("empty maps", () => {
    assert.deepEqual(parse("a {}\nb = {\n}"), { a: {}, b: {} });
  });

  test("a cluster block as nats-server's docs write it", () => {
    const text = `
cluster {
  port: 4244

  authorization {
    user: route_user
    password: top_secret
    timeout: 1
  }

  # Routes are actively solicited and connected to from this server.
  // Test both styles of comments

  routes = [
    nats-route://foo:bar@apcera.me:4245
    nats-route://foo:bar@apcera.me:4246
  ]
}
`;
    assert.deepEqual(parse(text), {
      cluster: {
        port: 4244,
        authorization: { user: "route_user", password: "top_secret", timeout: 1 },
        routes: ["nats-route://foo:bar@apcera.me:4245", "nats-route://foo:bar@apcera.me:4246"],
      },
    });
  });
});

describe("JSON-like files", () => {
  test("top level wrapped in braces", () => {
    assert.deepEqual(parse("{}"), {});
    assert.deepEqual(parse("\n{\n}\n"), {});
    assert.deepEqual(parse("{ listen: 0.0.0.0:4222 }"), { listen: "0.0.0.0:4222" });
    assert.deepEqual(parse("{\n  listen: 0.0.0.0:4222\n }"), { listen: "0.0.0.0:4222" });
    assert.deepEqual(parse("\n{\n  listen: 0.0.0.0:4222\n}\n# wibble\n"), { listen: "0.0.0.0:4222" });
    assert.deepEqual(parse("{\n  {\n    listen: 0.0.0.0:4222 // c\n  }\n  # wibble1\n}\n# wibble2\n"), { listen: "0.0.0.0:4222" });
    assert.deepEqual(parse("{\n  # comments in the body\n}\n"), {});
  });

  test("pretty-printed JSON with nested blocks", () => {
    const json = {
      http_port: 8227,
      port: 4227,
      write_deadline: "1h",
      debug: false,
      cluster: { port: 6222, routes: ["nats://127.0.0.1:4222", "nats://127.0.0.1:4223"] },
    };
    assert.deepEqual(parse(JSON.stringify(json, null, 2)), json);
    assert.deepEqual(parse(JSON.stringify(json)), json);
  });

  test("JSON-ish with trailing commas and mixed case booleans", () => {
    const text = `{
      "jetstream": {
        "store_dir": "/tmp/nats"
        "max_mem": 1000000,
      },
      "debug":              False
      "port": 4222,
      "server_name": "nats1"
    }`;
    assert.deepEqual(parse(text), { jetstream: { store_dir: "/tmp/nats", max_mem: 1000000 }, debug: false, port: 4222, server_name: "nats1" });
  });

  test("a stray '}' after the config is tolerated", () => {
    assert.deepEqual(parse("accounts { users = [{}]}\n}\n"), { accounts: { users: [{}] } });
  });
});

describe("configs written by nats.js's test launcher", () => {
  test("multi-line layout from toConf()", () => {
    const text = `host: 127.0.0.1
port: -1
http: "127.0.0.1:-1"
jetstream {
  store_dir: /tmp/jstest_abc
  max_mem_store: "1GB"
  max_file_store: 1GB
 }
cluster {
  name: C1
  listen: 127.0.0.1:-1
  routes [
    nats://127.0.0.1:4222
    nats://127.0.0.1:4223
 ]
 }
accounts {
  A {
    users [
       {
        user: a
        password: a
       }
   ]
  }
  $SYS {
    users [
       {
        user: sys
        password: "$2a$11$x"
       }
   ]
  }
 }
`;
    assert.deepEqual(parse(text), {
      host: "127.0.0.1",
      port: -1,
      http: "127.0.0.1:-1",
      jetstream: { store_dir: "/tmp/jstest_abc", max_mem_store: "1GB", max_file_store: 1024 ** 3 },
      cluster: { name: "C1", listen: "127.0.0.1:-1", routes: ["nats://127.0.0.1:4222", "nats://127.0.0.1:4223"] },
      accounts: { A: { users: [{ user: "a", password: "a" }] }, $SYS: { users: [{ user: "sys", password: "$2a$11$x" }] } },
    });
  });

  test("one-line maps need separators between entries, as in nats-server", () => {
    assert.deepEqual(parse("cluster { listen: 127.0.0.1:-1, routes [ nats://127.0.0.1:4222 ] }"), {
      cluster: { listen: "127.0.0.1:-1", routes: ["nats://127.0.0.1:4222"] },
    });
    assert.deepEqual(parse('jetstream { store_dir: "/tmp/x"; max_mem_store: 1GB }'), {
      jetstream: { store_dir: "/tmp/x", max_mem_store: 1024 ** 3 },
    });
    assert.throws(() => parse("cluster { listen: 127.0.0.1:-1 routes [ nats://127.0.0.1:4222 ] }"), {
      message: `Parse error on line 1: 'Expected a map value terminator "," or a map terminator "}", but got 'r' instead.'`,
    });
  });
});

describe("quirks kept from nats-server", () => {
  test("a key without a value inside a map takes the map itself", () => {
    // The pending key "b" receives the closing map, as in nats-server.
    assert.deepEqual(parse("a { b }"), { b: {} });
  });

  test("a '{' glued to a key is part of the key", () => {
    assert.deepEqual(parse("foo{a=1}"), { "foo{a": 1 });
  });

  test("a lone '/' inside a map separates entries", () => {
    assert.deepEqual(parse("m { a = 1 / b = 2 }"), { m: { a: 1, b: 2 } });
  });

  test("a dangling quote right at the end of the input ends it", () => {
    assert.deepEqual(parse('a = 1\n"'), { a: 1 });
  });

  test("unquoted 'include' followed by '=' includes a file named '='", () => {
    assert.throws(() => parse("include = foo"), { message: "error parsing include file '=', open =: no such file or directory" });
  });
});

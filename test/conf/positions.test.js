// Source positions attached to parsed maps under CONF_META.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { CONF_META, confMeta, keyPosition, natsColumn, parseConf } from "../../dist/conf/index.js";

const parse = (text, file) => parseConf(text, { file, env: {} });

describe("CONF_META", () => {
  test("is a non-enumerable symbol property that leaves the values plain", () => {
    const conf = parse("a = 1\nb { c = 2 }");
    const descriptor = Object.getOwnPropertyDescriptor(conf, CONF_META);
    assert.equal(descriptor?.enumerable, false);
    assert.equal(typeof CONF_META, "symbol");
    assert.deepEqual(Object.keys(conf), ["a", "b"]);
    assert.equal(JSON.stringify(conf), '{"a":1,"b":{"c":2}}');
    assert.deepEqual(conf, { a: 1, b: { c: 2 } });
    assert.equal(confMeta(conf), conf[CONF_META]);
  });

  test("the root map starts at line 1, column 1 of its file", () => {
    const meta = confMeta(parse("a = 1", "x.conf"));
    assert.equal(meta.file, "x.conf");
    assert.equal(meta.line, 1);
    assert.equal(meta.col, 1);
  });

  test("without a file name there is no file property", () => {
    const meta = confMeta(parse("a = 1"));
    assert.equal("file" in meta, false);
    assert.deepEqual(keyPosition(parse("a = 1"), "a"), { line: 1, col: 1 });
  });

  test("a nested map is where its '{' is", () => {
    const conf = parse("cluster {\n  tls: {\n  }\n  routes = [ { a = 1 } ]\n}", "c.conf");
    const { file, line, col } = confMeta(conf.cluster);
    assert.deepEqual({ file, line, col }, { file: "c.conf", line: 1, col: 9 });
    const tls = confMeta(conf.cluster.tls);
    assert.deepEqual([tls.line, tls.col], [2, 8]);
    const inArray = confMeta(conf.cluster.routes[0]);
    assert.deepEqual([inArray.line, inArray.col], [4, 14]);
  });

  test("maps from the environment have positions in the value's text", () => {
    const conf = parseConf("x = $M", { file: "f.conf", env: { M: "{ a = 1 }" } });
    assert.deepEqual(keyPosition(conf.x, "a"), { line: 1, col: 6 });
  });
});

describe("keyPosition", () => {
  test("top-level and nested keys", () => {
    const text = "port: 4222\n\n  cluster {\n    name: \"C1\"\n    'quoted key' = 1\n  }\nfoo = {ip='127.0.0.1', port = 4242}";
    const conf = parse(text, "s.conf");
    assert.deepEqual(keyPosition(conf, "port"), { file: "s.conf", line: 1, col: 1 });
    assert.deepEqual(keyPosition(conf, "cluster"), { file: "s.conf", line: 3, col: 3 });
    assert.deepEqual(keyPosition(conf.cluster, "name"), { file: "s.conf", line: 4, col: 5 });
    // A quoted key starts after its quote.
    assert.deepEqual(keyPosition(conf.cluster, "quoted key"), { file: "s.conf", line: 5, col: 6 });
    assert.deepEqual(keyPosition(conf.foo, "ip"), { file: "s.conf", line: 7, col: 8 });
    assert.deepEqual(keyPosition(conf.foo, "port"), { file: "s.conf", line: 7, col: 24 });
  });

  test("keys in maps inside arrays", () => {
    const conf = parse("users = [\n  {user: alice, password: foo}\n  {user: bob,   password: bar}\n]");
    assert.deepEqual(keyPosition(conf.users[1], "password"), { line: 3, col: 17 });
  });

  test("a repeated key is where it was last defined", () => {
    assert.deepEqual(keyPosition(parse("a = 1\n  a = 2"), "a"), { line: 2, col: 3 });
  });

  test("a key whose value is a variable is where the key is written", () => {
    const conf = parse("x = 1\n\ny = $x");
    assert.deepEqual(keyPosition(conf, "y"), { line: 3, col: 1 });
  });

  test("unknown keys and maps not built by the parser", () => {
    assert.equal(keyPosition(parse("a = 1"), "b"), undefined);
    assert.equal(keyPosition({ a: 1 }, "a"), undefined);
  });

  test("columns count characters; tabs count as one", () => {
    assert.deepEqual(keyPosition(parse("\t\tkey = 1"), "key"), { line: 1, col: 3 });
    assert.deepEqual(keyPosition(parse("m { é = 1, k = 2 }").m, "k"), { line: 1, col: 12 });
  });

  test("CRLF line endings", () => {
    const conf = parse("a = 1\r\nb = 2\r\n  c = 3\r\n");
    assert.deepEqual(keyPosition(conf, "c"), { line: 3, col: 3 });
  });
});

describe("natsColumn", () => {
  test("nats-server counts columns from 0 on the first line and from 1 after it", () => {
    const conf = parse("unknown_xx = 1\n\n  other = 2");
    assert.equal(natsColumn(keyPosition(conf, "unknown_xx")), 0);
    assert.equal(natsColumn(keyPosition(conf, "other")), 3);
  });
});

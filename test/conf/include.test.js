// include directives and reading files.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfError, keyPosition, parseConf, parseConfFile, usedVariables } from "../../dist/conf/index.js";

let root;
/** Writes `files` (relative path -> contents) under a fresh directory; returns its path. */
function tree(files) {
  const dir = mkdtempSync(join(root, "t-"));
  for (const [name, contents] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), contents);
  }
  return dir;
}

function expectError(run, expected) {
  assert.throws(run, (error) => {
    assert.ok(error instanceof ConfError, `not a ConfError: ${error}`);
    assert.equal(error.message, expected.message);
    assert.deepEqual({ file: error.file, line: error.line, col: error.col }, { file: expected.file, line: expected.line, col: expected.col });
    return true;
  });
}

const noEnv = { env: {} };

before(() => {
  root = mkdtempSync(join(tmpdir(), "dialtone-conf-"));
});
after(() => rmSync(root, { recursive: true, force: true }));

describe("include", () => {
  test("merges the included keys into the current map", () => {
    const dir = tree({
      "main.conf": "listen: 127.0.0.1:4222\n\nauthorization {\n  include 'includes/users.conf' # Pull in from file\n  timeout: 0.5\n}\n",
      "includes/users.conf": "users = [\n  {user: alice, password: $ALICE_PASS}\n  {user: bob, password: $BOB_PASS}\n]\ninclude passwords.conf\n",
      "includes/passwords.conf": "ALICE_PASS: $2a$10$UHR6GhotWhpLsKtVP0/i6.Nh9.fuY73cWjLoJjb2sKT8KISBcUW5q\nBOB_PASS: $2a$11$dZM98SpGeI7dCFFGSpt.JObQcix8YHml4TBUZoge9R1uxnMIln5ly\n",
    });
    // users.conf uses its variables before including them, so they come from the environment.
    const env = { ALICE_PASS: "a", BOB_PASS: "b" };
    assert.deepEqual(parseConfFile(join(dir, "main.conf"), { env }), {
      listen: "127.0.0.1:4222",
      authorization: {
        users: [{ user: "alice", password: "a" }, { user: "bob", password: "b" }],
        ALICE_PASS: "$2a$10$UHR6GhotWhpLsKtVP0/i6.Nh9.fuY73cWjLoJjb2sKT8KISBcUW5q",
        BOB_PASS: "$2a$11$dZM98SpGeI7dCFFGSpt.JObQcix8YHml4TBUZoge9R1uxnMIln5ly",
        timeout: 0.5,
      },
    });
  });

  test("every way of writing the path", () => {
    const dir = tree({ "u.conf": "a = 1\n" });
    for (const text of ["include u.conf", "include 'u.conf'", 'include "u.conf"', "INCLUDE u.conf", "Include\t'u.conf'", "m { include u.conf }", "m {include u.conf}", "m { include 'u.conf' }", 'm { include "u.conf"}', "{ include u.conf }"]) {
      const conf = parseConf(text, { file: join(dir, "main.conf"), env: {} });
      assert.deepEqual(text.startsWith("m") ? conf.m : conf, { a: 1 }, text);
    }
  });

  test("paths are relative to the including file, even absolute-looking ones", () => {
    const dir = tree({
      "main.conf": "include sub/a.conf\ninclude /sub/c.conf\n",
      "sub/a.conf": "a = 1\ninclude b.conf\n",
      "sub/b.conf": "b = 2\n",
      "sub/c.conf": "c = 3\n",
    });
    assert.deepEqual(parseConfFile(join(dir, "main.conf"), noEnv), { a: 1, b: 2, c: 3 });
  });

  test("without a file name, paths are relative to the working directory", () => {
    const dir = tree({ "w.conf": "w = 1\n" });
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      assert.deepEqual(parseConf("include w.conf", noEnv), { w: 1 });
    } finally {
      process.chdir(cwd);
    }
  });

  test("included keys override earlier ones and are overridden by later ones", () => {
    const dir = tree({ "main.conf": "a = 0\nb = 0\ninclude x.conf\nb = 9\n", "x.conf": "a = 1\nb = 1\n" });
    assert.deepEqual(parseConfFile(join(dir, "main.conf"), noEnv), { a: 1, b: 9 });
  });

  test("variables defined in an included file are in scope afterwards", () => {
    const dir = tree({
      "main.conf": 'authorization {\n\n  include "./includes/passwords.conf"\n\n  CAROL_PASS: foo\n\n  users = [\n   {user: alice, password: $ALICE_PASS}\n   {user: carol, password: $CAROL_PASS}\n  ]\n}\n',
      "includes/passwords.conf": "ALICE_PASS: alice\nBOB_PASS: bob\n",
    });
    const conf = parseConfFile(join(dir, "main.conf"), noEnv);
    assert.deepEqual(conf.authorization.users, [{ user: "alice", password: "alice" }, { user: "carol", password: "foo" }]);
    assert.deepEqual(usedVariables(conf.authorization), new Set(["ALICE_PASS", "CAROL_PASS"]));
    // Included keys point into the file that defined them.
    const included = join(dir, "includes/passwords.conf");
    assert.deepEqual(keyPosition(conf.authorization, "ALICE_PASS"), { file: included, line: 1, col: 1 });
    assert.deepEqual(keyPosition(conf.authorization, "BOB_PASS"), { file: included, line: 2, col: 1 });
    assert.deepEqual(keyPosition(conf.authorization, "CAROL_PASS"), { file: join(dir, "main.conf"), line: 5, col: 3 });
  });

  test("an included file's own use of its variables is kept", () => {
    const dir = tree({ "main.conf": "include inc.conf\n", "inc.conf": "P = 1\nport = $P\n" });
    assert.deepEqual(usedVariables(parseConfFile(join(dir, "main.conf"), noEnv)), new Set(["P"]));
  });

  test("an included file does not see the including file's variables", () => {
    const dir = tree({ "main.conf": "TOP = 1\ninclude inc.conf\n", "inc.conf": "x = $TOP\n" });
    assert.deepEqual(parseConfFile(join(dir, "main.conf"), { env: { TOP: "7" } }), { TOP: 1, x: 7 });
  });

  test("JSON files", () => {
    const dir = tree({
      "main.conf": "accounts {\n  foo  { include 'foo.json'  }\n  bar  { include 'bar.json'  }\n  quux { include 'quux.json' }\n}\n",
      "foo.json": '{ "users": [ {"user": "foo"} ] }',
      "bar.json": '{\n  "users": [ {"user": "bar"} ]\n}',
      "quux.json": "{}",
    });
    assert.deepEqual(parseConfFile(join(dir, "main.conf"), noEnv), {
      accounts: { foo: { users: [{ user: "foo" }] }, bar: { users: [{ user: "bar" }] }, quux: {} },
    });
  });

  test("empty and comment-only files include nothing", () => {
    const dir = tree({ "main.conf": "a { include empty.conf }\nb { include comments.conf }\n", "empty.conf": "", "comments.conf": "# nothing\n// here\n" });
    assert.deepEqual(parseConfFile(join(dir, "main.conf"), noEnv), { a: {}, b: {} });
  });
});

describe("include errors", () => {
  test("a missing file points at the include", () => {
    const dir = tree({ "main.conf": "port = 1\n  include 'nope.conf'\n" });
    const main = join(dir, "main.conf");
    expectError(() => parseConfFile(main, noEnv), {
      message: `error parsing include file 'nope.conf', open ${join(dir, "nope.conf")}: no such file or directory`,
      file: main,
      line: 2,
      col: 12,
    });
  });

  test("paths in messages are as nats-server joins them", () => {
    expectError(() => parseConf("include nope.conf/", noEnv), {
      message: "error parsing include file 'nope.conf/', open nope.conf: no such file or directory",
      file: undefined,
      line: 1,
      col: 9,
    });
  });

  test("including a directory", () => {
    const dir = tree({ "main.conf": "include sub\n", "sub/x.conf": "" });
    expectError(() => parseConfFile(join(dir, "main.conf"), noEnv), {
      message: `error parsing include file 'sub', read ${join(dir, "sub")}: is a directory`,
      file: join(dir, "main.conf"),
      line: 1,
      col: 9,
    });
  });

  test("an error inside an included file points into that file", () => {
    const dir = tree({ "main.conf": "a = 1\ninclude sub/bad.conf\n", "sub/bad.conf": "a = 1\n  b = [1, 2\n" });
    expectError(() => parseConfFile(join(dir, "main.conf"), noEnv), {
      message: `error parsing include file 'sub/bad.conf', Parse error on line 3: 'Expected an array value terminator "," or an array terminator "]", but got '\0' instead.'`,
      file: join(dir, "sub/bad.conf"),
      line: 3,
      col: 1,
    });
  });

  test("errors are wrapped once per include level", () => {
    const dir = tree({ "main.conf": "include a.conf\n", "a.conf": "include b.conf\n", "b.conf": "x = $nope\n" });
    expectError(() => parseConfFile(join(dir, "main.conf"), noEnv), {
      message: "error parsing include file 'a.conf', error parsing include file 'b.conf', variable reference for 'nope' on line 1 can not be found",
      file: join(dir, "b.conf"),
      line: 1,
      col: 5,
    });
  });

  test("a key without a value in an included file", () => {
    const dir = tree({ "main.conf": "accounts {\n  foo { include 'foo.conf'}\n  bar { include 'bar.conf'}\n}\n", "foo.conf": "", "bar.conf": "A".repeat(34) });
    const bar = join(dir, "bar.conf");
    expectError(() => parseConfFile(join(dir, "main.conf"), noEnv), {
      message: `error parsing include file 'bar.conf', config is invalid (${bar}:1:34)`,
      file: bar,
      line: 1,
      col: 35,
    });
  });

  test("a file including itself", () => {
    const dir = tree({ "self.conf": "a = 1\ninclude self.conf\n" });
    const self = join(dir, "self.conf");
    expectError(() => parseConfFile(self, noEnv), {
      message: `error parsing include file 'self.conf', include cycle: ${self} -> ${self}`,
      file: self,
      line: 2,
      col: 9,
    });
  });

  test("files including each other", () => {
    const dir = tree({ "a.conf": "include b.conf\n", "b.conf": "x = 1\ninclude 'a.conf'\n" });
    const [a, b] = [join(dir, "a.conf"), join(dir, "b.conf")];
    expectError(() => parseConfFile(a, noEnv), {
      message: `error parsing include file 'b.conf', error parsing include file 'a.conf', include cycle: ${a} -> ${b} -> ${a}`,
      file: b,
      line: 2,
      col: 10,
    });
  });

  test("text given a file name takes part in cycle detection", () => {
    const dir = tree({ "b.conf": "include main.conf\n" });
    const main = join(dir, "main.conf");
    writeFileSync(main, "include b.conf\n");
    assert.throws(() => parseConf("include b.conf\n", { file: main, env: {} }), /include cycle/);
  });

  test("including the same file twice is not a cycle", () => {
    const dir = tree({ "main.conf": "a { include x.conf }\nb { include x.conf }\n", "x.conf": "v = 1\n" });
    assert.deepEqual(parseConfFile(join(dir, "main.conf"), noEnv), { a: { v: 1 }, b: { v: 1 } });
  });
});

describe("parseConfFile", () => {
  test("a missing file", () => {
    const path = join(root, "missing.conf");
    expectError(() => parseConfFile(path, noEnv), { message: `open ${path}: no such file or directory`, file: path, line: 0, col: 0 });
  });

  test("errors name the file", () => {
    const dir = tree({ "x.conf": "\n\nport = 1\nfoo = $bar\n" });
    const path = join(dir, "x.conf");
    expectError(() => parseConfFile(path, noEnv), { message: "variable reference for 'bar' on line 4 can not be found", file: path, line: 4, col: 7 });
  });
});

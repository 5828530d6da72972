// $variables: scoped lookups, the environment, cycles, bcrypt hashes, and
// the record of which keys were used as variables.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ConfError, parseConf, usedVariables } from "../../dist/conf/index.js";

const parse = (text, env = {}) => parseConf(text, { env });

function expectError(text, env, message, line, col) {
  assert.throws(
    () => parse(text, env),
    (error) => error instanceof ConfError && error.message === message && error.line === line && error.col === col,
  );
}

describe("scoped lookups", () => {
  test("a variable takes the value of an earlier key", () => {
    assert.deepEqual(parse("index = 22\nfoo = $index"), { index: 22, foo: 22 });
  });

  test("the innermost map wins, then enclosing maps outward", () => {
    const text = `
index = 22
nest {
  index = 11
  foo = $index
  deeper { bar = $index }
}
bar = $index
`;
    assert.deepEqual(parse(text), { index: 22, nest: { index: 11, foo: 11, deeper: { bar: 11 } }, bar: 22 });
  });

  test("maps inside arrays see the enclosing maps", () => {
    const text = "PASS = secret\nusers = [\n  {user: alice, password: $PASS}\n  $PASS\n]";
    assert.deepEqual(parse(text), { PASS: "secret", users: [{ user: "alice", password: "secret" }, "secret"] });
  });

  test("keys of sibling maps are not in scope", () => {
    expectError("a { x = 1 }\nb { y = $x }", {}, "variable reference for 'x' on line 2 can not be found", 2, 9);
  });

  test("a key defined later is not in scope yet", () => {
    expectError("a = $b\nb = 1", {}, "variable reference for 'b' on line 1 can not be found", 1, 5);
  });

  test("the latest definition of a repeated key is used", () => {
    assert.deepEqual(parse("x = 1\na = $x\nx = 2\nb = $x"), { x: 2, a: 1, b: 2 });
  });

  test("maps and arrays can be referenced", () => {
    const text = `
BAR_USERS = { users = [ {user = "bar"} ]}
accounts {
  QUUX_USERS = [ { user: quux }]
  bar = $BAR_USERS
  quux = { users = $QUUX_USERS }
}
very { nested { env { VAR = 'NESTED', quux = $VAR }}}
`;
    const conf = parse(text);
    assert.deepEqual(conf.accounts.bar, { users: [{ user: "bar" }] });
    assert.deepEqual(conf.accounts.quux, { users: [{ user: "quux" }] });
    assert.equal(conf.very.nested.env.quux, "NESTED");
    // As in nats-server, the value is shared rather than copied.
    assert.equal(conf.accounts.bar, conf.BAR_USERS);
  });

  test("variables from the config win over the environment", () => {
    assert.deepEqual(parse("HOME = here\nx = $HOME", { HOME: "/root" }), { HOME: "here", x: "here" });
  });

  test("an unresolved variable reports its line", () => {
    expectError("\n\n  foo = $index", {}, "variable reference for 'index' on line 3 can not be found", 3, 9);
    expectError("x = $", {}, "variable reference for '' on line 1 can not be found", 1, 5);
  });
});

describe("what is not a variable", () => {
  test("quoted strings are literal", () => {
    assert.deepEqual(parse(`a = "$X"\nb = '$X'`, { X: "no" }), { a: "$X", b: "$X" });
  });

  test("unquoted $2a$ bcrypt hashes are strings", () => {
    const hash = "$2a$10$UHR6GhotWhpLsKtVP0/i6.Nh9.fuY73cWjLoJjb2sKT8KISBcUW5q";
    assert.deepEqual(parse(`password: ${hash}`), { password: hash });
    assert.deepEqual(parse("password: $2a$11$ooo"), { password: "$2a$11$ooo" });
  });

  test("other bcrypt prefixes are variable references, as in nats-server", () => {
    expectError("password: $2b$11$ooo", {}, "variable reference for '2b$11$ooo' on line 1 can not be found", 1, 11);
  });

  test("there is no ${X} syntax", () => {
    expectError("x = ${X}", { X: "1" }, "variable reference for '{X' on line 1 can not be found", 1, 5);
  });
});

describe("environment variables", () => {
  test("values are parsed as configuration values", () => {
    const env = { NUM: "22", STR: "xyz", SIZE: "1GB", BOOL: "yes", EMPTY: "", QUOTED: "'3xyz'", LETTERS: "3Gyz", MAP: "{ a = 1, b = [x, y] }", LIST: "[1, 2, 3,]" };
    assert.deepEqual(parse("a = $NUM\nb = $STR\nc = $SIZE\nd = $BOOL\ne = $EMPTY\nf = $QUOTED\ng = $LETTERS\nh = $MAP\ni = $LIST", env), {
      a: 22, b: "xyz", c: 1024 ** 3, d: true, e: "", f: "3xyz", g: "3Gyz", h: { a: 1, b: ["x", "y"] }, i: [1, 2, 3],
    });
  });

  test("an environment value may refer to other environment variables", () => {
    assert.deepEqual(parse("x = $OUTER", { OUTER: "$INNER", INNER: "42" }), { x: 42 });
  });

  test("the same variable may be used many times", () => {
    assert.deepEqual(parse("a = $N\nb = [$N, $N]\nc { d = $N }", { N: "7" }), { a: 7, b: [7, 7], c: { d: 7 } });
  });

  test("the environment defaults to process.env", () => {
    process.env.DIALTONE_CONF_TEST_VAR = "4222";
    try {
      assert.deepEqual(parseConf("port = $DIALTONE_CONF_TEST_VAR"), { port: 4222 });
    } finally {
      delete process.env.DIALTONE_CONF_TEST_VAR;
    }
  });

  test("an unset variable (undefined in env) is not found", () => {
    expectError("x = $UNSET", { UNSET: undefined }, "variable reference for 'UNSET' on line 1 can not be found", 1, 5);
  });

  test("a value that does not parse", () => {
    expectError(
      "\nx = $BAD",
      { BAD: "[1, 2" },
      `variable reference for 'BAD' on line 2 could not be parsed: Parse error on line 1: 'Expected an array value terminator "," or an array terminator "]", but got '\0' instead.'`,
      2,
      5,
    );
  });

  test("a variable that refers to itself", () => {
    expectError(
      "x = $SELF",
      { SELF: "$SELF" },
      "variable reference for 'SELF' on line 1 could not be parsed: variable reference for 'SELF' on line 1 could not be parsed: variable reference cycle for 'SELF'",
      1,
      5,
    );
  });

  test("variables that refer to each other", () => {
    expectError(
      "\n x = $A",
      { A: "$B", B: "$A" },
      "variable reference for 'A' on line 2 could not be parsed: variable reference for 'B' on line 1 could not be parsed: variable reference for 'A' on line 1 could not be parsed: variable reference cycle for 'A'",
      2,
      6,
    );
  });
});

describe("usedVariables", () => {
  test("records keys referenced as variables, per map", () => {
    const conf = parse("port = 4222\nmonitor_port = $port\nnest { inner = 1, x = $inner, y = $port }");
    assert.deepEqual(usedVariables(conf), new Set(["port"]));
    assert.deepEqual(usedVariables(conf.nest), new Set(["inner"]));
  });

  test("a key that is only a variable is recorded; unused keys are not", () => {
    const conf = parse("PASS = secret\nunused = 1\nusers = [ {password: $PASS} ]");
    assert.deepEqual(usedVariables(conf), new Set(["PASS"]));
  });

  test("redefining a used key forgets that it was used", () => {
    const conf = parse("x = 1\nfoo = $x\nx = 2");
    assert.deepEqual(usedVariables(conf), new Set());
  });

  test("environment and bcrypt references mark nothing", () => {
    const conf = parse("a = $E\nb = $2a$11$abc", { E: "1" });
    assert.deepEqual(usedVariables(conf), new Set());
  });

  test("returns a copy", () => {
    const conf = parse("a = 1\nb = $a");
    usedVariables(conf).clear();
    assert.deepEqual(usedVariables(conf), new Set(["a"]));
  });

  test("maps not built by the parser have none", () => {
    assert.deepEqual(usedVariables({ a: 1 }), new Set());
  });
});

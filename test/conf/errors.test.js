// Every error the parser reports: nats-server's wording, plus the position
// of the offending character (line and column from 1).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ConfError, parseConf } from "../../dist/conf/index.js";

function expectError(text, expected, options = { env: {} }) {
  assert.throws(
    () => parseConf(text, options),
    (error) => {
      assert.ok(error instanceof ConfError, `not a ConfError: ${error}`);
      assert.equal(error.name, "ConfError");
      assert.equal(error.message, expected.message);
      assert.deepEqual({ line: error.line, col: error.col }, { line: expected.line, col: expected.col });
      if ("file" in expected) assert.equal(error.file, expected.file);
      return true;
    },
  );
}

const parseError = (line, reason) => `Parse error on line ${line}: '${reason}'`;

describe("lexer errors", () => {
  const cases = [
    // [input, message line, reason, error line, error col]
    ['listen: "localhost:4242\n\nhttp: localhost:8222\n', 4, "Unexpected EOF.", 4, 1],
    ["listen: 'localhost:4242\n", 2, "Unexpected EOF.", 2, 1],
    ['foo = "\nlisten: "\n\nhttp: localhost:8222\n\n"\n', 7, "Unexpected EOF.", 7, 1],
    ["port: 1111 xyz", 1, "Expected a top-level value to end with a new line, comment or EOF, but got 'x' instead.", 1, 12],
    ["x = 1.0e5", 1, "Expected a top-level value to end with a new line, comment or EOF, but got 'e' instead.", 1, 8],
    ["{ a = 1 b = 2 }", 1, "Expected a block-level value to end with a new line, comment or EOF, but got 'b' instead.", 1, 9],
    ["{ a = 1", 1, "Expected a block-level value to end with a new line, comment or EOF, but got '\0' instead.", 1, 8],
    ["{ { a = 1\n } x }", 2, "Expected a block-level to end with a '}', but got 'x' instead.", 2, 4],
    ["= 1", 1, "Unexpected key separator '='", 1, 1],
    [" :foo = 22", 1, "Unexpected key separator ':'", 1, 2],
    ["include [x]", 1, "Expected include value but found start of an array", 1, 9],
    ["include {x}", 1, "Expected include value but found start of a map", 1, 9],
    ["include (x)", 1, "Expected include value but found start of a block", 1, 9],
    ["include 1.conf", 1, "Expected include value but found start of a number", 1, 9],
    ["include -x", 1, "Expected include value but found start of a number", 1, 9],
    ["include \\x", 1, "Expected include value but found escape sequence", 1, 9],
    ["include \n", 2, "Expected include value but found new line", 1, 9],
    ["include 'a.conf", 1, "Unexpected EOF in quoted include", 1, 16],
    ['include "a.conf', 1, "Unexpected EOF in double quoted include", 1, 16],
    ["foo = .2", 1, "Floats must start with a digit", 1, 7],
    ["foo = \nbar=1", 2, "Expected value but found new line", 1, 7],
    ["a = [,1]", 1, "Unexpected array value terminator ','.", 1, 6],
    ["ports = [1,,2]", 1, "Unexpected array value terminator ','.", 1, 12],
    ['a = ["x" y]', 1, `Expected an array value terminator "," or an array terminator "]", but got 'y' instead.`, 1, 10],
    ["foo bar\nfoo2 = [1 2 3] x", 2, `Expected an array value terminator "," or an array terminator "]", but got '2' instead.`, 2, 11],
    ["m { :a = 1 }", 1, "Unexpected key separator ':'.", 1, 5],
    ["m { ] }", 1, "Unexpected array end ']' processing map.", 1, 5],
    ["listen = 4222\n\ncluster = {\n\n  foo = bar\n\n", 7, "Unexpected EOF processing map.", 7, 1],
    ["m { 'abc", 1, "Unexpected EOF processing quoted map key.", 1, 9],
    ['m { "abc', 1, "Unexpected EOF processing double quoted map key.", 1, 9],
    ["m { abc", 1, "Unexpected EOF processing map key.", 1, 8],
    ["m { a = , }", 1, `Unexpected map value terminator ",".`, 1, 9],
    ["m { a = 1 b = 2 }", 1, `Expected a map value terminator "," or a map terminator "}", but got 'b' instead.`, 1, 11],
    ["listen = 4222\n\nquote = (\n\n  foo = bar\n\n", 7, "Unexpected EOF processing block.", 7, 1],
    ["foo = \\y", 1, "Invalid escape character 'y'. Only the following escape characters are allowed: \\xXX, \\t, \\n, \\r, \\\", \\\\.", 1, 8],
    ['foo = "a\\u0041"', 1, "Invalid escape character 'u'. Only the following escape characters are allowed: \\xXX, \\t, \\n, \\r, \\\", \\\\.", 1, 10],
    ["foo = xyz\\x\n", 2, "Expected two hexadecimal digits after '\\x', but hit end of line", 1, 12],
    ["foo = xyz\\xF\n", 2, "Expected two hexadecimal digits after '\\x', but hit end of line", 1, 13],
    ['foo = "[\\x]"', 1, "Expected two hexadecimal digits after '\\x', but got ']\"'", 1, 12],
    ['foo = "[\\xe]"', 1, "Expected two hexadecimal digits after '\\x', but got 'e]'", 1, 12],
    ["x = -.5", 1, "Floats must start with a digit, not '.'.", 1, 6],
    ["x = -abc", 1, "Expected a digit but got 'a'.", 1, 6],
    ["x = 12-3", 1, "All ISO8601 dates must be in full Zulu form.", 1, 7],
    ["d = 2016-0x", 1, "Expected digit in ISO8601 datetime, but found 'x' instead.", 1, 11],
    ["d = 2016-05-04 18:53:41Z", 1, "Expected 'T' in ISO8601 datetime, but found ' ' instead.", 1, 15],
    ["d = 2016-05-04T18:53:41", 1, "Expected 'Z' in ISO8601 datetime, but found '\0' instead.", 1, 24],
    ["x = 1.x", 1, "Floats must have a digit after the '.', but got 'x' instead.", 1, 7],
    ["foo = [1]", 1, `Expected an array value terminator "," or an array terminator "]", but got '\0' instead.`, 1, 10],
  ];
  for (const [text, messageLine, reason, line, col] of cases) {
    test(JSON.stringify(text), () => expectError(text, { message: parseError(messageLine, reason), line, col }));
  }

  test("after a line break nats-server names the next line; the position is the break itself", () => {
    expectError("a = 1\nb = \nc = 2", { message: parseError(3, "Expected value but found new line"), line: 2, col: 5 });
  });
});

describe("value errors", () => {
  test("integers out of the int64 range", () => {
    expectError("x = 9999999999999999999999", { message: "integer '9999999999999999999999' is out of the range", line: 1, col: 5 });
    expectError("x = 9223372036854775808", { message: "integer '9223372036854775808' is out of the range", line: 1, col: 5 });
    assert.equal(parseConf("x = -9223372036854775808").x, -9223372036854775808);
  });

  test("a size suffix that overflows int64 (nats-server wraps around)", () => {
    expectError("m {\n  x = 8EB\n}", { message: "integer '8EB' is out of the range", line: 2, col: 7 });
  });

  test("an unknown size suffix (nats-server silently drops the value)", () => {
    expectError("x = 1kbb", { message: "expected integer, but got '1kbb'", line: 1, col: 5 });
    expectError("x = 1kbi", { message: "expected integer, but got '1kbi'", line: 1, col: 5 });
  });

  test("digits outside ASCII", () => {
    expectError("x = ١٢", { message: "expected integer, but got '١٢'", line: 1, col: 5 });
    expectError("x = ١.٥", { message: "expected float, but got '١.٥'", line: 1, col: 5 });
  });

  test("floats out of range", () => {
    const huge = `1${"0".repeat(400)}.5`;
    expectError(`x = ${huge}`, { message: `float '${huge}' is out of the range`, line: 1, col: 5 });
  });

  test("impossible datetimes", () => {
    for (const date of ["2015-02-29T00:00:00Z", "2016-13-04T18:53:41Z", "2016-00-04T18:53:41Z", "2016-04-31T18:53:41Z", "2016-05-00T18:53:41Z", "2016-05-04T24:00:00Z", "2016-05-04T18:60:00Z", "2016-05-04T18:53:60Z"]) {
      expectError(`\n  when: ${date}`, { message: `expected Zulu formatted DateTime, but got '${date}'`, line: 2, col: 9 });
    }
  });
});

describe("structure errors", () => {
  test("a key without a value at the end of the input", () => {
    expectError("a".repeat(41), { message: "config is invalid (:1:41)", line: 1, col: 42 });
    expectError("     aaaaaaaaaaaaaaaaaaaaaaaaaaa         ", { message: "config is invalid (:1:41)", line: 1, col: 42 });
    const commented = "\n  # with comments and no spaces to create key values\n  # is also an invalid config.\n  aaaaaaaaaaaaaaaaaaaaaaaaaaaa\n                        ";
    expectError(commented, { message: "config is invalid (:5:25)", line: 5, col: 25 });
    expectError("\n                        a,a,a,a,a,a,a,a,a,a,a\n                        ", { message: "config is invalid (:3:25)", line: 3, col: 25 });
  });

  test("the file name appears in the message", () => {
    expectError("port = 1\nfoo", { message: "config is invalid (my.conf:2:4)", file: "my.conf", line: 2, col: 4 }, { file: "my.conf", env: {} });
  });

  test("a map or array cut short by a quote at the end (nats-server drops it silently)", () => {
    expectError('authorization { users = [ {user: a}, "', { message: parseError(1, "Unexpected EOF."), line: 1, col: 39 });
    expectError('a = [ "', { message: parseError(1, "Unexpected EOF."), line: 1, col: 8 });
  });

  test("errors in files the text does not come from have no file", () => {
    assert.throws(() => parseConf("x = $nope", { env: {} }), (error) => error.file === undefined);
  });

  test("ConfError carries a position object", () => {
    try {
      parseConf("a = 1\nb = [1,,2]", { file: "x.conf", env: {} });
      assert.fail("expected an error");
    } catch (error) {
      assert.deepEqual(error.position, { file: "x.conf", line: 2, col: 8 });
    }
  });
});

describe("inputs that once made nats-server loop forever", () => {
  for (const text of ["A@@Føøøø?˛ø:{øøøø˙˙", 'include "9/�']) {
    test(JSON.stringify(text), () => assert.throws(() => parseConf(text), (error) => error instanceof ConfError && /Unexpected EOF/.test(error.message)));
  }
});

// Random and mutated inputs must either parse into plain values or throw a
// ConfError: never another exception, and never hang. The inputs run in a
// worker thread so that a hang can be stopped and reported.
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfError, parseConf } from "../../dist/conf/index.js";

const INPUT_COUNT = 4000;
const TIME_LIMIT_MS = 20_000;

/** A small seeded generator (mulberry32), so that any failure can be reproduced. */
function randomSource(seed) {
  let state = seed;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const below = (n) => Math.floor(next() * n);
  const pick = (items) => items[below(items.length)];
  return { next, below, pick };
}

const SEED_CONFIGS = [
  "port: -1\nhttp: \"127.0.0.1:-1\"\njetstream {\n  store_dir: /tmp/x\n  max_mem_store: 1GB\n}\n",
  "cluster {\n  listen: 127.0.0.1:-1\n  routes [\n    nats://127.0.0.1:4222\n  ]\n}\n",
  "authorization {\n  PASS: $2a$11$abc\n  users = [\n    {user: a, password: $PASS}\n  ]\n  timeout: 0.5\n}\n",
  '{\n  "http_port": 8227,\n  "cluster": { "routes": ["nats://a:1", "nats://b:2"] }\n}\n',
  "cert (\n-----BEGIN-----\nabc\n)\nnow = 2016-05-04T18:53:41Z\nesc = \"a\\tb\\x41\"\nraw = 'x\\y'\n",
  "index = 22\nnest { index = 11, foo = $index }\nbar = $index; env = $FUZZ_NUM\n",
  "include 'missing.conf'\nm { include other.conf }\n",
];

const ALPHABET = [..."{}[]()=:;,#/\"'\\$-.\n\r\t 0123456789abcxkKmMbBiITZe", "\0", "é", "😀", "\u2028", "\uFEFF", "\ud800", "include ", "$FUZZ_CYCLE"];

function randomConfig(random) {
  const { below, pick, next } = random;
  const keys = ["a", "port", "Foo", "'q k'", '"dq"', "include", "$v", "}", "x.y"];
  const scalar = (depth) => {
    switch (below(14)) {
      case 0: return String(below(100000) - 50);
      case 1: return below(1000) + pick(["k", "KB", "mib", "G", "t", "PB", "e", "kbb", "EB"]);
      case 2: return `${below(100)}.${below(100)}`;
      case 3: return pick(["127.0.0.1:4222", "127.0.0.1:-1", "nats://a:1", ":-1", "0.0.0.0"]);
      case 4: return `20${below(40)}-0${below(13)}-1${below(10)}T1${below(10)}:30:${below(70)}Z`;
      case 5: return pick(["true", "No", "on", "OFF"]);
      case 6: return `"${pick(["x", "a\\tb", "\\x41", "\\\\", "$v", "\\q"])}"`;
      case 7: return `'${pick(["raw", "", "a b"])}'`;
      case 8: return "$" + pick(["v", "a", "FUZZ_NUM", "FUZZ_MAP", "FUZZ_CYCLE", "FUZZ_BAD", "missing", "2a$11$x"]);
      case 9: return "(\n" + pick(["text\n", "a(b)\n  )\n"]) + ")";
      case 10: return depth < 3 ? "[" + Array.from({ length: below(4) }, () => scalar(depth + 1)).join(pick([", ", "\n", " // c\n"])) + pick(["]", ",]", "\n]"]) : "1";
      case 11: return depth < 3 ? "{" + entries(depth + 1) + "}" : "2";
      default: return pick(["word", "3xyz", "some/path", "-1"]);
    }
  };
  const entries = (depth) =>
    Array.from({ length: below(5) }, () => pick(keys) + pick([" = ", ":", " ", "="]) + scalar(depth) + pick(["\n", "; ", ", ", " # c\n", "\r\n"])).join("");
  const text = entries(0);
  return next() < 0.2 ? `{\n${text}}\n` : text;
}

function mutate(text, random) {
  const { below, pick } = random;
  let result = text;
  for (let i = below(6); i >= 0; i--) {
    const at = below(result.length + 1);
    switch (below(3)) {
      case 0: result = result.slice(0, at) + pick(ALPHABET) + result.slice(at); break;
      case 1: result = result.slice(0, at) + result.slice(at + 1 + below(4)); break;
      default: result = result.slice(0, at) + result.slice(below(result.length)) ; break;
    }
  }
  return result;
}

export function fuzzInput(seed, index) {
  const random = randomSource(seed * 100_003 + index);
  const kind = random.below(10);
  if (kind < 3) return randomConfig(random);
  if (kind < 6) return mutate(randomConfig(random), random);
  if (kind < 8) return mutate(random.pick(SEED_CONFIGS), random);
  return Array.from({ length: random.below(60) }, () => random.pick(ALPHABET)).join("");
}

const FUZZ_ENV = { FUZZ_NUM: "42", FUZZ_MAP: "{ a = 1 }", FUZZ_CYCLE: "$FUZZ_CYCLE", FUZZ_BAD: "[1" };

function isConfValue(value) {
  if (["string", "number", "boolean"].includes(typeof value)) return typeof value !== "number" || Number.isFinite(value);
  if (value instanceof Date) return !Number.isNaN(value.getTime());
  if (Array.isArray(value)) return value.every(isConfValue);
  return typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype && Object.values(value).every(isConfValue);
}

/** Runs in the worker: parses every input, reporting progress and unexpected failures. */
function runInputs({ seed, count, progress }) {
  // Includes resolve inside an empty directory, so they can only fail to be found.
  const directory = mkdtempSync(join(tmpdir(), "dialtone-conf-fuzz-"));
  const options = { file: join(directory, "fuzz.conf"), env: FUZZ_ENV };
  const failures = [];
  let parsed = 0;
  try {
    for (let index = 0; index < count; index++) {
      Atomics.store(progress, 0, index);
      const text = fuzzInput(seed, index);
      try {
        const result = parseConf(text, options);
        if (!isConfValue(result)) failures.push({ index, text, problem: "not a plain configuration value" });
        parsed++;
      } catch (error) {
        if (!(error instanceof ConfError)) failures.push({ index, text, problem: String(error?.stack ?? error) });
        else if (!(error.line >= 0 && error.col >= 0)) failures.push({ index, text, problem: "bad error position" });
      }
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  return { failures, parsed };
}

if (!isMainThread) {
  parentPort.postMessage(runInputs(workerData));
} else {
  const { test } = await import("node:test");
  const assert = (await import("node:assert/strict")).default;

  test(`${INPUT_COUNT} random and mutated inputs parse or throw ConfError`, async () => {
    const seed = Number(process.env.CONF_FUZZ_SEED ?? 20240601);
    const progress = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(new URL(import.meta.url), { workerData: { seed, count: INPUT_COUNT, progress } });
    let timer;
    const outcome = await Promise.race([
      new Promise((resolve, reject) => {
        worker.once("message", resolve);
        worker.once("error", reject);
      }),
      new Promise((resolve) => {
        timer = setTimeout(() => resolve(undefined), TIME_LIMIT_MS);
      }),
    ]).finally(() => clearTimeout(timer));
    await worker.terminate();

    if (outcome === undefined) {
      const stuck = Atomics.load(progress, 0);
      assert.fail(`parsing hung on input ${stuck} of seed ${seed}: ${JSON.stringify(fuzzInput(seed, stuck))}`);
    }
    assert.deepEqual(outcome.failures.slice(0, 5), []);
    // The generator is meant to reach both outcomes.
    assert.ok(outcome.parsed > INPUT_COUNT / 10, `only ${outcome.parsed} inputs parsed`);
    assert.ok(outcome.parsed < INPUT_COUNT, "no input failed to parse");
  });
}

import { sourcePosition, type SourcePosition } from "./meta.ts";

/**
 * A configuration that cannot be read or parsed. The message is worded as
 * nats-server words it. `file`, `line` and `col` locate the innermost cause
 * (inside an included file when the error is there); `line` and `col` are 0
 * when there is no position, e.g. for a file that cannot be read.
 */
export class ConfError extends Error {
  override name = "ConfError";
  readonly file: string | undefined;
  readonly line: number;
  readonly col: number;

  constructor(message: string, position: SourcePosition | undefined, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.file = position?.file;
    this.line = position?.line ?? 0;
    this.col = position?.col ?? 0;
  }

  get position(): SourcePosition | undefined {
    return this.line === 0 ? undefined : sourcePosition(this.file, this.line, this.col);
  }
}

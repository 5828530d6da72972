/**
 * Node's Buffer has fast per-encoding slice/write methods that its public typings omit.
 * They skip the encoding switch of toString()/write(), which matters on the hot path.
 * Subjects travel as latin1 strings internally: one char per byte, so byte-exact.
 */
declare global {
  interface Buffer {
    latin1Slice(start: number, end: number): string;
    latin1Write(str: string, offset: number, length?: number): number;
    utf8Write(str: string, offset: number, length?: number): number;
  }
}

export {};

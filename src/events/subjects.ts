/**
 * The system account's subjects (events.go), the server hash that names this server in
 * some of them, and the NUIDs that identify events.
 */
import { createHash, randomInt } from 'node:crypto';

export const connectEventSubj = (acc: string): string => `$SYS.ACCOUNT.${acc}.CONNECT`;
export const disconnectEventSubj = (acc: string): string => `$SYS.ACCOUNT.${acc}.DISCONNECT`;
export const accConnsEventSubjNew = (acc: string): string => `$SYS.ACCOUNT.${acc}.SERVER.CONNS`;
/** Kept by nats-server for backward compatibility; sent alongside the new one. */
export const accConnsEventSubjOld = (acc: string): string => `$SYS.SERVER.ACCOUNT.${acc}.CONNS`;
export const shutdownEventSubj = (id: string): string => `$SYS.SERVER.${id}.SHUTDOWN`;
export const authErrorEventSubj = (id: string): string => `$SYS.SERVER.${id}.CLIENT.AUTH.ERR`;
export const serverStatsSubj = (id: string): string => `$SYS.SERVER.${id}.STATSZ`;
export const serverDirectReqSubj = (id: string, name: string): string => `$SYS.REQ.SERVER.${id}.${name}`;
export const serverPingReqSubj = (name: string): string => `$SYS.REQ.SERVER.PING.${name}`;
/** The old statsz ping ($SYS.REQ.SERVER.PING.STATSZ replaces it). */
export const serverStatsPingReqSubj = '$SYS.REQ.SERVER.PING';
export const accDirectReqSubj = (acc: string, name: string): string => `$SYS.REQ.ACCOUNT.${acc}.${name}`;
export const accPingReqSubj = (name: string): string => `$SYS.REQ.ACCOUNT.PING.${name}`;
export const connsRespSubj = (id: string): string => `$SYS._INBOX_.${id}`;
export const inboxRespSubj = (hash: string): string => `$SYS._INBOX.${hash}.*`;
export const accNumSubsReqSubj = '$SYS.REQ.ACCOUNT.NSUBS';
export const accSubsSubj = '$SYS.DEBUG.SUBSCRIBERS';
export const leafNodeConnectEventSubj = (acc: string): string => `$SYS.ACCOUNT.${acc}.LEAFNODE.CONNECT`;
export const remoteLatencyEventSubj = (hash: string): string => `$SYS.LATENCY.M2.${hash}`;
export const accUpdateEventSubjOld = (acc: string): string => `$SYS.ACCOUNT.${acc}.CLAIMS.UPDATE`;
export const accUpdateEventSubjNew = (acc: string): string => `$SYS.REQ.ACCOUNT.${acc}.CLAIMS.UPDATE`;

/** The monitoring services every server answers, direct and by ping (events.go monSrvc). */
export const SERVER_SERVICES = ['STATSZ', 'VARZ', 'SUBSZ', 'CONNZ', 'ROUTEZ', 'GATEWAYZ', 'LEAFZ', 'ACCOUNTZ', 'JSZ', 'HEALTHZ'] as const;
export type ServerService = (typeof SERVER_SERVICES)[number];

/** The per-account services (events.go monAccSrvc). */
export const ACCOUNT_SERVICES = ['SUBSZ', 'CONNZ', 'LEAFZ', 'JSZ', 'INFO', 'STATZ', 'CONNS'] as const;
export type AccountService = (typeof ACCOUNT_SERVICES)[number];

const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BASE = 62;

/** events.go getHash: 8 characters of the SHA-256 of the server name. */
export function serverHash(name: string): string {
  const sum = createHash('sha256').update(name).digest();
  let out = '';
  for (let i = 0; i < 8; i++) out += DIGITS[sum[i]! % BASE];
  return out;
}

const PREFIX_LEN = 12;
const SEQ_LEN = 10;
const MAX_SEQ = BASE ** SEQ_LEN;
const MIN_INC = 33;
const MAX_INC = 333;

/** NUIDs (nats.io/nuid): a random 12-character prefix and a 10-character sequence that steps by a random increment. */
export class Nuid {
  private prefix = '';
  private seq = 0;
  private inc = 0;

  constructor() {
    this.reset();
  }

  private reset(): void {
    let p = '';
    for (let i = 0; i < PREFIX_LEN; i++) p += DIGITS[randomInt(BASE)];
    this.prefix = p;
    this.seq = randomInt(2 ** 47) % MAX_SEQ;
    this.inc = MIN_INC + randomInt(MAX_INC - MIN_INC);
  }

  next(): string {
    this.seq += this.inc;
    if (this.seq >= MAX_SEQ) this.reset();
    let s = '';
    let l = this.seq;
    for (let i = 0; i < SEQ_LEN; i++) {
      s = DIGITS[l % BASE] + s;
      l = Math.floor(l / BASE);
    }
    return this.prefix + s;
  }
}

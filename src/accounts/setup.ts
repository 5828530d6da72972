/**
 * Builds the runtime accounts from the configuration: the global account `$G`, the
 * system account, every configured account with its limits and mappings, and the
 * links that exports and imports create between them.
 */
import type { ServerOptions } from '../options/options.ts';
import type { AccountConfig, ImportConfig, MappingConfig } from '../options/security.ts';
import { Account, GLOBAL_ACCOUNT, ServiceImport, SYSTEM_ACCOUNT, type SubjectMapper } from './account.ts';
import { importTransform, mappingSet, streamImport } from './transforms.ts';

export interface AccountSet {
  readonly accounts: Map<string, Account>;
  readonly global: Account;
  readonly system: Account | null;
}

export function buildAccounts(options: ServerOptions): AccountSet {
  const cacheSubjects = !options.disableSublistCache;
  const accounts = new Map<string, Account>();
  const make = (name: string): Account => {
    const acc = new Account(name, { cacheSubjects });
    accounts.set(name, acc);
    return acc;
  };
  const global = make(GLOBAL_ACCOUNT);
  global.mappings = mappersFor(options.mappings);
  for (const cfg of options.accounts) {
    const acc = accounts.get(cfg.name) ?? make(cfg.name);
    acc.limits = { maxConnections: cfg.limits.maxConnections, maxSubscriptions: cfg.limits.maxSubscriptions, maxPayload: cfg.limits.maxPayload };
    acc.mappings = mappersFor(cfg.mappings);
    acc.serviceExports = cfg.exports
      .filter((e) => e.kind === 'service')
      .map((e) => ({ subject: e.subject, responseType: e.responseType, responseThresholdMs: e.responseThresholdMs, latency: e.latency }));
  }
  const systemName = options.systemAccount || SYSTEM_ACCOUNT;
  const system = options.noSystemAccount ? null : (accounts.get(systemName) ?? make(systemName));
  for (const cfg of options.accounts) linkImports(accounts.get(cfg.name)!, cfg, accounts);
  return { accounts, global, system };
}

function mappersFor(mappings: readonly MappingConfig[]): SubjectMapper[] | null {
  return mappings.length === 0 ? null : mappings.map(mappingSet);
}

function linkImports(importer: Account, cfg: AccountConfig, accounts: ReadonlyMap<string, Account>): void {
  for (const im of cfg.imports) {
    const exporter = accounts.get(im.account)!;
    if (im.kind === 'stream') linkStream(importer, exporter, im);
    else linkService(importer, exporter, im);
  }
}

function linkStream(importer: Account, exporter: Account, im: ImportConfig): void {
  importer.streamImports.push(streamImport(exporter, im.subject, { prefix: im.prefix, to: im.to }));
}

function linkService(importer: Account, exporter: Account, im: ImportConfig): void {
  const local = im.to ?? im.subject;
  const exp = exporter.serviceExportFor(im.subject)!;
  const toExporter = local === im.subject ? (subject: string) => subject : importTransform(local, im.subject);
  importer.addServiceImport(new ServiceImport(local, exporter, exp, toExporter, im.share));
}

import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { parse } from 'yaml';

export type KubeContext = { ok: true; context: string; server: string } | { ok: false; reason: string };

/**
 * The current Kubernetes context as kubectl would pick it ($KUBECONFIG, else ~/.kube/config),
 * read without @kubernetes/client-node, so that callers can say "no cluster" before they load
 * that ESM-only library (which needs Node 22).
 */
export function currentKubeContext(env: NodeJS.ProcessEnv = process.env): KubeContext {
  const files = (env.KUBECONFIG ? env.KUBECONFIG.split(delimiter) : [join(homedir(), '.kube', 'config')]).filter(Boolean);
  const present = files.filter((f) => existsSync(f));
  if (present.length === 0) return { ok: false, reason: `no kubeconfig (looked at ${files.join(', ')})` };
  const configs = present.map((f) => parse(readFileSync(f, 'utf8')) ?? {});
  const current = configs.map((c) => c['current-context']).find(Boolean);
  if (!current) return { ok: false, reason: `no current-context in ${present.join(', ')}` };
  const context = configs.flatMap((c) => c.contexts ?? []).find((c: any) => c.name === current);
  if (!context) return { ok: false, reason: `current-context "${current}" is not defined in ${present.join(', ')}` };
  const cluster = configs.flatMap((c) => c.clusters ?? []).find((c: any) => c.name === context.context?.cluster);
  if (!cluster?.cluster?.server) return { ok: false, reason: `context "${current}" names no cluster with a server` };
  return { ok: true, context: current, server: cluster.cluster.server };
}

/** @kubernetes/client-node 2.x (and its undici) needs Node 22; say so instead of crashing. */
export function nodeSupportsKubernetesClient(version: string = process.versions.node): boolean {
  return Number(version.split('.')[0]) >= 22;
}

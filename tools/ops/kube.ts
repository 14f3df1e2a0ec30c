import { existsSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Writable } from 'node:stream';
import type * as K8s from '@kubernetes/client-node';
import { withTimeout } from '../stack/processes';

/**
 * The cluster client of the tools (npm run status, the cluster layer): @kubernetes/client-node
 * for everything the Kubernetes API does — resources, pods, exec, port-forward — loaded on
 * demand, since 2.x is ESM-only and needs Node 22.
 */
export interface Cluster {
  k8s: typeof K8s;
  kc: K8s.KubeConfig;
  custom: K8s.CustomObjectsApi;
  core: K8s.CoreV1Api;
  apps: K8s.AppsV1Api;
  networking: K8s.NetworkingV1Api;
}

export type KubeContext = { ok: true; context: string; server: string } | { ok: false; reason: string };

/** @kubernetes/client-node 2.x (and its undici) needs Node 22; say so instead of crashing. */
export function nodeSupportsKubernetesClient(version: string = process.versions.node): boolean {
  return Number(version.split('.')[0]) >= 22;
}

/**
 * The kubeconfig files the client would read ($KUBECONFIG, else ~/.kube/config), of those that
 * exist. Without any (and outside a pod) KubeConfig.loadFromDefault() falls back to an
 * unauthenticated http://localhost:8080, which is "no cluster" to a user.
 */
function kubeconfigFiles(env: NodeJS.ProcessEnv): { present: string[]; looked: string[] } {
  const looked = (env.KUBECONFIG ? env.KUBECONFIG.split(delimiter) : [join(homedir(), '.kube', 'config')]).filter(Boolean);
  return { present: looked.filter((f) => existsSync(f)), looked };
}

/** The current context and its server, as KubeConfig.loadFromDefault() picks them. */
export async function currentKubeContext(env: NodeJS.ProcessEnv = process.env): Promise<KubeContext> {
  if (!nodeSupportsKubernetesClient()) return { ok: false, reason: `@kubernetes/client-node 2.x needs Node 22 (this is ${process.version})` };
  const { present, looked } = kubeconfigFiles(env);
  if (present.length === 0 && !env.KUBERNETES_SERVICE_HOST) return { ok: false, reason: `no kubeconfig (looked at ${looked.join(', ')})` };
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  try {
    kc.loadFromDefault();
  } catch (error) {
    return { ok: false, reason: `cannot read the kubeconfig: ${error instanceof Error ? error.message : String(error)}` };
  }
  const context = kc.getCurrentContext();
  if (!context) return { ok: false, reason: `no current-context in ${present.join(', ')}` };
  if (!kc.getContextObject(context)) return { ok: false, reason: `current-context "${context}" is not defined in ${present.join(', ')}` };
  const server = kc.getCurrentCluster()?.server;
  if (!server) return { ok: false, reason: `context "${context}" names no cluster with a server` };
  return { ok: true, context, server };
}

export async function connect(): Promise<Cluster> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  kc.loadFromDefault();
  return {
    k8s,
    kc,
    custom: kc.makeApiClient(k8s.CustomObjectsApi),
    core: kc.makeApiClient(k8s.CoreV1Api),
    apps: kc.makeApiClient(k8s.AppsV1Api),
    networking: kc.makeApiClient(k8s.NetworkingV1Api),
  };
}

export interface ExecOptions {
  /** Ends the call with success once the command's stderr says so (a tool that exits non-zero on a timeout it was given). */
  done?: (stderr: string) => boolean;
  /** An exec stream can go silent without a status (its connection dropped): closed and failed after this long. */
  timeoutMs?: number;
}

/** Runs `command` in a container of a pod (as `kubectl exec`); resolves with its output. */
export async function exec(cluster: Cluster, namespace: string, pod: string, container: string, command: string[], options: ExecOptions = {}) {
  const { done = () => false, timeoutMs = 120_000 } = options;
  const tool = command.find((c) => c.startsWith('/opt/kafka/bin/')) ?? command[0];
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) =>
    new Writable({ write(chunk, _enc, next) { append(chunk.toString()); next(); } });
  let socket: { close: () => void } | undefined;
  const finished = new Promise<void>((resolve, reject) => {
    new cluster.k8s.Exec(cluster.kc)
      .exec(namespace, pod, container, command, sink((s) => (out += s)), sink((s) => (err += s)), null, false, (status) => {
        if (status.status === 'Success' || done(err)) resolve();
        else reject(new Error(`${tool} failed: ${status.message ?? ''} ${err.slice(-500)}`));
      })
      .then((ws) => (socket = ws), reject);
  });
  await withTimeout(`${tool} in pod ${namespace}/${pod}`, finished, timeoutMs, () => socket?.close());
  return { out, err };
}

/** The pods a label selector picks, those not being deleted first. */
export async function podsOf(cluster: Cluster, namespace: string, labelSelector: string): Promise<K8s.V1Pod[]> {
  const pods = await cluster.core.listNamespacedPod({ namespace, labelSelector });
  return [...pods.items].sort((a, b) => Number(Boolean(a.metadata?.deletionTimestamp)) - Number(Boolean(b.metadata?.deletionTimestamp)));
}

/** How many times the kubelet restarted the pod's containers. */
export function restartsOf(pod: K8s.V1Pod): number {
  return (pod.status?.containerStatuses ?? []).reduce((n, c) => n + c.restartCount, 0);
}

/** The last lines the previous instance of a restarted container wrote (`kubectl logs --previous --tail`). */
export async function previousLogTail(cluster: Cluster, namespace: string, pod: string, container: string, lines: number): Promise<string[]> {
  const text = String(await cluster.core.readNamespacedPodLog({ namespace, name: pod, container, previous: true, tailLines: lines }));
  return text.split('\n').filter(Boolean);
}

export function isReady(pod: K8s.V1Pod): boolean {
  return !pod.metadata?.deletionTimestamp && Boolean(pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
}

/**
 * A port-forward on a free local port (as `kubectl port-forward`); each connection goes to the
 * pod `pod()` names at that moment, so a forward to a Service outlives the pod it started with.
 */
export async function portForward(cluster: Cluster, namespace: string, pod: () => Promise<string>, port: number): Promise<{ url: string; port: number; close: () => Promise<void> }> {
  const forward = new cluster.k8s.PortForward(cluster.kc);
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // A pod that goes away resets its streams: that ends this connection, not the process.
    socket.on('error', () => socket.destroy());
    pod()
      .then((name) => forward.portForward(namespace, name, [port], socket, null, socket))
      // The pod closed its end (e.g. it stopped after draining): end ours once what it sent is
      // delivered, as a direct TCP connection would end, or the client keeps a dead keep-alive
      // socket and a later request on it fails.
      .then((ws) => (typeof ws === 'function' ? ws() : ws)?.on('close', () => socket.end()))
      .catch(() => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const local = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${local}`,
    port: local,
    // server.close() alone waits for every open connection, and a client's keep-alive connection
    // (or one whose response body was never read) stays open: close them too.
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/**
 * GET `path` from `port` of one pod through the API server's pod proxy (as the kubelet's probes
 * reach it, whichever node the pod is on): its status and body. An HTTP error is an answer, not
 * a throw; no answer within `timeoutMs` (or none at all) is status 0.
 */
export async function getFromPod(cluster: Cluster, namespace: string, pod: string, port: number, path: string, timeoutMs = 10_000): Promise<{ status: number; body: string }> {
  try {
    const answer = await withTimeout(`${pod}:${port}/${path}`, cluster.core.connectGetNamespacedPodProxyWithPathWithHttpInfo({ name: `${pod}:${port}`, namespace, path }), timeoutMs);
    return { status: answer.httpStatusCode, body: String(answer.data) };
  } catch (error: any) {
    return { status: typeof error?.code === 'number' ? error.code : 0, body: String(error?.body ?? error?.message ?? error) };
  }
}

/** A JSON merge patch (RFC 7386: a null removes a field) of a custom resource. */
export async function mergePatchCustom(
  cluster: Cluster,
  resource: { group: string; version: string; plural: string; namespace: string; name: string },
  patch: object,
): Promise<void> {
  const { setHeaderOptions, PatchStrategy } = cluster.k8s;
  await cluster.custom.patchNamespacedCustomObject({ ...resource, body: patch }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
}

/** Sets a StatefulSet's or Deployment's replicas (as `kubectl scale`). */
export async function scale(cluster: Cluster, kind: 'StatefulSet' | 'Deployment', namespace: string, name: string, replicas: number): Promise<void> {
  const { setHeaderOptions, PatchStrategy } = cluster.k8s;
  const request = { namespace, name, body: { spec: { replicas } } };
  const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  if (kind === 'StatefulSet') await cluster.apps.patchNamespacedStatefulSetScale(request, merge);
  else await cluster.apps.patchNamespacedDeploymentScale(request, merge);
}

import { isReady, podsOf, portForward, type Cluster } from './kube';
import { DEFAULT_NAMES, type Names } from './pipeline';

/** A ready pod behind a Service (port-forward goes to a pod, as kubectl's does). */
async function podOfService(cluster: Cluster, namespace: string, name: string): Promise<string> {
  const service = await cluster.core.readNamespacedService({ name, namespace });
  const selector = Object.entries(service.spec?.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  const ready = (await podsOf(cluster, namespace, selector)).find(isReady);
  if (!ready?.metadata?.name) throw new Error(`no ready pod behind Service ${name}`);
  return ready.metadata.name;
}

/** A port-forward to port 8000 of whichever service pod is ready when a connection opens. */
export async function portForwardToService(cluster: Cluster, names: Names = DEFAULT_NAMES): Promise<{ url: string; close: () => Promise<void> }> {
  await podOfService(cluster, names.namespace, names.service);
  return portForward(cluster, names.namespace, () => podOfService(cluster, names.namespace, names.service), 8000);
}

/** A port-forward to port 8001 (/metrics, /readyz) of a ready consumer pod. */
export async function portForwardToConsumer(cluster: Cluster, names: Names = DEFAULT_NAMES): Promise<{ url: string; close: () => Promise<void> }> {
  await podOfService(cluster, names.namespace, names.consumer);
  return portForward(cluster, names.namespace, () => podOfService(cluster, names.namespace, names.consumer), 8001);
}

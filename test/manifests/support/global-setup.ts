import { ensureTool } from '../../../tools/pinned-tools';
import { prometheusOperatorCrdDir } from './crd-schemas';
import { ensureKubernetesSchemas } from './kubernetes-schemas';

/** Once per run of the manifests project: the pinned tools, the Kubernetes schemas and the Prometheus Operator's CRDs. */
export default async function globalSetup(): Promise<void> {
  ensureTool('helm');
  ensureTool('actionlint');
  ensureTool('kustomize');
  ensureTool('promtool');
  ensureKubernetesSchemas();
  prometheusOperatorCrdDir();
}

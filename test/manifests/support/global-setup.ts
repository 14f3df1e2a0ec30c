import { ensureTool } from '../../../tools/pinned-tools';
import { ensureKubernetesSchemas } from './kubernetes-schemas';

/** Once per run of the manifests project: the pinned tools and the Kubernetes schemas. */
export default async function globalSetup(): Promise<void> {
  ensureTool('helm');
  ensureTool('actionlint');
  ensureTool('kustomize');
  ensureTool('promtool');
  ensureKubernetesSchemas();
}

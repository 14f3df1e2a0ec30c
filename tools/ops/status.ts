import { parseArgs } from 'node:util';
import { connect, currentKubeContext } from './kube';
import { checkMark, DEFAULT_NAMES, pipelineChecks, type Check } from './pipeline';
import { localToolsCheck } from './tool-versions';

/**
 * `npm run status`: the CDC pipeline in the current Kubernetes context at a glance —
 * Kafka, topic (its partitions in Kafka too), Connect, connector and task states, service
 * readiness, the consumer (readiness, lag per partition, dead letters), and first whether the
 * helm and skaffold on PATH work together. Exit code 0 when everything is ready (WARN lines
 * included), 1 when something is not, 2 when there is no cluster to ask.
 */
async function main(): Promise<number> {
  const context = await currentKubeContext();
  // The local stack (`npm run stack`) when asked with --local, or when there is no cluster but a stack runs.
  const { localStackInfo, localStackChecks } = await import('./local-status');
  const local = localStackInfo();
  const { values: args } = parseArgs({ options: { local: { type: 'boolean', default: false } } });
  if (args.local || (!context.ok && local)) {
    if (!local) {
      console.error('book-service status: no local stack (start one with `npm run stack`).');
      return 2;
    }
    console.log(`local stack (npm run stack): Connect ${local.connect}, service ${local.service ?? '-'}`);
    return report(await localStackChecks(local));
  }
  // Before the cluster: a failed `skaffold run` may have left nothing to ask.
  const tools = localToolsCheck();
  if (!context.ok) {
    report([tools], false);
    console.error(`book-service status: no Kubernetes cluster to ask (${context.reason}).`);
    console.error('Start one with `kind create cluster --config kind-config.yaml && skaffold run`, or set KUBECONFIG.');
    return 2;
  }
  const namespaces = DEFAULT_NAMES.cdcNamespace === DEFAULT_NAMES.namespace ? `namespace ${DEFAULT_NAMES.namespace}` : `namespaces ${DEFAULT_NAMES.namespace} (the release) and ${DEFAULT_NAMES.cdcNamespace} (Kafka, Connect)`;
  console.log(`context ${context.context} (${context.server}), ${namespaces}`);
  let checks;
  try {
    checks = await pipelineChecks(await connect(), DEFAULT_NAMES, { describeTopic: true, describeConsumer: true });
  } catch (error: any) {
    console.error(`book-service status: cannot read the cluster: ${error?.message ?? String(error)}`);
    return 2;
  }
  return report([tools, ...checks]);
}

function report(checks: Check[], summary = true): number {
  const width = Math.max(...checks.map((c) => c.name.length));
  for (const check of checks) console.log(`${checkMark(check)}  ${check.name.padEnd(width)}  ${check.detail}`);
  const failing = checks.filter((c) => !c.ok).length;
  const warnings = checks.filter((c) => c.ok && c.warn).length;
  if (summary) console.log(failing ? `${failing} of ${checks.length} not ready` : `pipeline ready${warnings ? ` (${warnings} warning${warnings > 1 ? 's' : ''})` : ''}`);
  return failing ? 1 : 0;
}

main().then((code) => process.exit(code));

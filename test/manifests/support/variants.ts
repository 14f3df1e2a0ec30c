import { join } from 'node:path';
import { CHART_DIR } from './repo';
import { CHART_SECRETS, type RenderOptions } from './helm';

/** The chart configurations the suite renders and checks. */
export const VARIANTS: Record<string, RenderOptions> = {
  /** helm install with the defaults: existing Secrets book-db-app / book-db-owner. */
  defaults: {},
  /** Secrets made by the chart from values instead of existingSecret. */
  'chart-made secrets': { set: CHART_SECRETS },
  /** Production shape: replicas, NetworkPolicy with egress, PDB, HPA, ServiceMonitor, PrometheusRule, dashboard, the consumer. */
  production: {
    set: [
      'replicaCount=3',
      'networkPolicy.enabled=true',
      'networkPolicy.allowedFrom[0].namespaceSelector.matchLabels.team=frontend',
      'networkPolicy.egress.restrict=true',
      'networkPolicy.egress.databasePeers[0].ipBlock.cidr=10.20.0.0/16',
      'podDisruptionBudget.minAvailable=2',
      'autoscaling.enabled=true',
      'autoscaling.minReplicas=3',
      'serviceMonitor.enabled=true',
      'prometheusRule.enabled=true',
      'grafanaDashboard.enabled=true',
      'consumer.enabled=true',
      'consumer.replicaCount=2',
    ],
  },
  /** What skaffold deploys on kind: role bootstrap, the CDC resources and the consumer. */
  kind: { values: [join(CHART_DIR, 'values-kind.yaml')], set: ['image.repository=book-service', 'image.tag=dev'] },
  /** skaffold run -p production: the kind values plus values-production.yaml (docs/topology.md). */
  'production topology': {
    values: [join(CHART_DIR, 'values-kind.yaml'), join(CHART_DIR, 'values-production.yaml')],
    set: ['image.repository=book-service', 'image.tag=dev'],
  },
  /** A managed PostgreSQL with a private CA: verify-full, the CA bundle from a Secret, role bootstrap and consumer on. */
  'database TLS': {
    set: [
      'database.host=books.abc123.eu-west-1.rds.amazonaws.com',
      'database.sslMode=verify-full',
      'database.sslRootCert.secretName=rds-ca',
      'database.sslRootCert.key=global-bundle.pem',
      'dbBootstrap.enabled=true',
      'consumer.enabled=true',
    ],
  },
  /** CDC into another cluster: other namespace, database host and Strimzi cluster names. */
  'cdc elsewhere': {
    release: 'shop',
    namespace: 'shop',
    set: [
      'cdc.enabled=true',
      'cdc.connectCluster=debezium',
      'cdc.kafkaCluster=events',
      'cdc.createSecretReaderRole=true',
      'cdc.topic.replicas=3',
      'database.host=db.shop.internal',
      'database.port=6432',
      'database.name=shop',
    ],
  },
};

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The Grafana dashboard the chart ships (grafanaDashboard.enabled): its panels and their PromQL, for the tests that check them. */
export const DASHBOARD_FILE = join(__dirname, '../../helm/book-service/files/dashboard.json');

export interface Panel {
  id: number;
  type: string;
  title: string;
  targets?: Array<{ refId: string; expr: string }>;
}

export interface PanelQuery {
  panel: Panel;
  refId: string;
  expr: string;
}

export interface DashboardVariables {
  namespace: string;
  service: string;
  cdcNamespace: string;
  connector: string;
  rateInterval: string;
}

export function dashboard(): { panels: Panel[]; [key: string]: unknown } {
  return JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8'));
}

export function panelQueries(): PanelQuery[] {
  return dashboard().panels.flatMap((panel) => (panel.targets ?? []).map((t) => ({ panel, refId: t.refId, expr: t.expr })));
}

/** A panel's query with Grafana's variables filled in, as Grafana sends it. */
export function withVariables(expr: string, v: DashboardVariables): string {
  return expr
    .replaceAll('$__rate_interval', v.rateInterval)
    .replaceAll('$cdc_namespace', v.cdcNamespace)
    .replaceAll('$namespace', v.namespace)
    .replaceAll('$service', v.service)
    .replaceAll('$connector', v.connector);
}

/** Metric names a PromQL expression selects (every selector here has braces); histogram series by their base name. */
export function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\{/g)].map((m) => m[1].replace(/_(bucket|sum|count)$/, ''));
}

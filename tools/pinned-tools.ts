import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Pinned command-line tools (the manifests suite, the cluster stages of .ci/run), built from the Go module proxy
 * (`go install`, no GitHub download) into a cache OUTSIDE the repository. The first
 * build takes a few minutes (helm is large); later runs find the binary and start at once.
 */
export const TOOLS: Record<'helm' | 'actionlint' | 'kustomize' | 'registry' | 'promtool', { module: string; version: string; ldflags: string[] }> = {
  helm: {
    module: 'helm.sh/helm/v3/cmd/helm',
    version: 'v3.22.0',
    // What helm's Makefile stamps into a release: without it `helm version` says v3.22 and
    // helm assumes Kubernetes 1.20 (its go.mod has the 1.37 client libraries).
    ldflags: [
      '-X helm.sh/helm/v3/internal/version.version=v3.22.0',
      '-X helm.sh/helm/v3/internal/version.gitTreeState=clean',
      '-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1',
      '-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=37',
      '-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1',
      '-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=37',
    ],
  },
  actionlint: {
    module: 'github.com/rhysd/actionlint/cmd/actionlint',
    version: 'v1.7.12',
    ldflags: [],
  },
  // renders the production-shaped platform overlay (k8s/production) in the manifests suite
  kustomize: {
    module: 'sigs.k8s.io/kustomize/kustomize/v5',
    version: 'v5.7.1',
    ldflags: [],
  },
  // checks and unit-tests the chart's PrometheusRule (the manifests suite); v0.316.0 is Prometheus 3.16.0
  promtool: {
    module: 'github.com/prometheus/prometheus/cmd/promtool',
    version: 'v0.316.0',
    ldflags: ['-X github.com/prometheus/common/version.Version=3.16.0'],
  },
  // distribution's registry: the private image registry of .ci/local-k8s-stage.sh
  registry: {
    module: 'github.com/distribution/distribution/v3/cmd/registry',
    version: 'v3.0.0',
    ldflags: [],
  },
};

export type ToolName = keyof typeof TOOLS;

/** ~/.cache/book-service (or $BOOK_SERVICE_CACHE, or $XDG_CACHE_HOME/book-service). */
export function cacheDir(): string {
  if (process.env.BOOK_SERVICE_CACHE) return process.env.BOOK_SERVICE_CACHE;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'book-service');
}

export function toolPath(name: ToolName): string {
  return join(cacheDir(), 'bin', `${name}-${TOOLS[name].version}`);
}

/** Builds the pinned tool once (atomic rename, so a cancelled build leaves nothing half-made). */
export function ensureTool(name: ToolName): string {
  const target = toolPath(name);
  if (existsSync(target)) return target;
  const { module, version, ldflags } = TOOLS[name];
  const bin = join(cacheDir(), 'bin');
  mkdirSync(bin, { recursive: true });
  const staging = mkdtempSync(join(bin, `.${name}-`));
  const started = Date.now();
  console.log(`building ${module}@${version} into ${bin} (once; helm takes a few minutes on 2 cores)`);
  try {
    execFileSync('go', ['install', `-ldflags=-s -w ${ldflags.join(' ')}`, `${module}@${version}`], {
      env: { ...process.env, GOBIN: staging, CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    renameSync(join(staging, name), target);
  } catch (error) {
    throw new Error(
      `could not build ${name} (${module}@${version}) with the Go toolchain: is \`go\` on PATH and the module proxy reachable? ${String(error)}`,
    );
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  console.log(`built ${name} ${version} in ${Math.round((Date.now() - started) / 1000)} s`);
  return target;
}

/** The tool, which globalSetup has built; fails with a hint when it is missing. */
export function tool(name: ToolName): string {
  const path = toolPath(name);
  if (!existsSync(path)) throw new Error(`${path} is missing: run the manifests project (its globalSetup builds it)`);
  return path;
}

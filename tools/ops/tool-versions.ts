import { spawnSync } from 'node:child_process';

/**
 * Helm and Skaffold: the pair the kind job of .github/workflows/ci.yaml runs (and README.md
 * and docs/kubernetes.md state), and the known incompatible pairs, so that `npm run status`
 * can tell a user what to change before a `skaffold run` fails halfway.
 */
export const TESTED = { helm: '3.22.0', skaffold: '2.17.0' } as const;

export type Version = [number, number, number];

/** "v3.22.0", "v4.1.4+g1234", "v2.17.0" → [major, minor, patch]; undefined if none. */
export function parseVersion(text: string | undefined): Version | undefined {
  const match = /v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(text ?? '');
  return match ? [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)] : undefined;
}

const atLeast = (v: Version, [major, minor, patch]: Version) =>
  v[0] !== major ? v[0] > major : v[1] !== minor ? v[1] > minor : v[2] >= patch;
const show = (v: Version) => `v${v.join('.')}`;

export interface ToolCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/** What is wrong with a Helm/Skaffold pair for this repository's skaffold.yaml, and what to change. */
export function toolPairCheck(helmText: string | undefined, skaffoldText: string | undefined): ToolCheck {
  const name = 'helm + skaffold';
  const helm = parseVersion(helmText);
  const skaffold = parseVersion(skaffoldText);
  const tested = `tested: Helm v${TESTED.helm} with Skaffold v${TESTED.skaffold}`;
  if (!helm || !skaffold) {
    const missing = [!helm && 'helm', !skaffold && 'skaffold'].filter(Boolean).join(' and ');
    return { name, ok: true, detail: `${missing} not found on PATH: nothing to check (needed for skaffold dev/run; ${tested})` };
  }
  const pair = `Helm ${show(helm)} with Skaffold ${show(skaffold)}`;
  if (skaffold[0] !== 2 || !atLeast(skaffold, [2, 15, 0])) {
    return { name, ok: false, detail: `${pair}: skaffold.yaml is skaffold/v4beta13, which needs Skaffold 2.15 or newer: install Skaffold v${TESTED.skaffold} (${tested})` };
  }
  if (helm[0] < 3) {
    return { name, ok: false, detail: `${pair}: Helm 2 is not supported: install Helm v${TESTED.helm}` };
  }
  if (helm[0] >= 4 && !atLeast(skaffold, [2, 17, 0])) {
    return {
      name,
      ok: false,
      detail: `${pair} fails: Skaffold 2.16 and older pass --post-renderer as an executable, which Helm 4 accepts only as a plugin. Install Skaffold v2.19.0 or newer, or Helm v${TESTED.helm} (${tested})`,
    };
  }
  if (atLeast(helm, [4, 1, 4]) && !atLeast(skaffold, [2, 19, 0])) {
    return {
      name,
      ok: false,
      detail: `${pair} fails: Helm 4.1.4 and newer reject the post-renderer plugin Skaffold 2.17/2.18 installs (invalid plugin version "0.1"). Install Skaffold v2.19.0 or newer, or Helm v${TESTED.helm} (${tested})`,
    };
  }
  return { name, ok: true, detail: `${pair}: compatible (${tested})` };
}

/** The first line of `<tool> version`-ish output, or undefined when the tool is missing. */
function versionOf(command: string, args: string[]): string | undefined {
  const run = spawnSync(command, args, { encoding: 'utf8', timeout: 10_000 });
  if (run.error || run.status !== 0) return undefined;
  return run.stdout.trim().split('\n')[0];
}

/** The preflight of `npm run status`: the helm and skaffold on PATH. */
export function localToolsCheck(): ToolCheck {
  return toolPairCheck(versionOf('helm', ['version', '--template', '{{.Version}}']), versionOf('skaffold', ['version']));
}

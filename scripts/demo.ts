/**
 * npm run demo: one offer from creation to Live, in a terminal, on the local host.
 * Uses the host at DEMO_URL (default http://localhost:$PORT, PORT defaulting to 7071, as for
 * `npm start`) when one answers there; otherwise starts Azurite and a host of its own on a free
 * port and stops them at the end.
 */
import { startAzurite } from '../devhost/azurite';
import { localBaseUrl } from '../shared/config';
import { startHost } from '../test/support/host';
import { publisherSteps, sleep, StatusBody } from '../test/support/scenario';

interface Notification {
  to: string;
  subject: string;
  sentAt: string;
}

async function reachable(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/api/openapi.json`, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

/** The host the demo looks for: DEMO_URL, else the one `npm start` runs with the same PORT. */
export function demoUrl(env: Record<string, string | undefined>): string {
  return (env.DEMO_URL || localBaseUrl(env.PORT)).replace(/\/+$/, '');
}

async function hostToUse(): Promise<{ baseUrl: string; stop(): Promise<void> }> {
  const url = demoUrl(process.env);
  if (await reachable(url)) return { baseUrl: url, stop: async () => undefined };
  console.log('No host at', url, '- starting Azurite (in memory) and a local host for the demo...');
  const azurite = await startAzurite();
  const host = await startHost({ env: { AzureWebJobsStorage: azurite.connectionString } });
  return {
    baseUrl: host.baseUrl,
    stop: async () => {
      await host.stop();
      await azurite.stop();
    },
  };
}

function progressLine(status: StatusBody): string {
  const marks: Record<string, string> = {
    NotStarted: '·',
    InProgress: '▶',
    Waiting: '⏸',
    Succeeded: '✔',
    Skipped: '↷',
    Failed: '✖',
    Canceled: '⊘',
  };
  const bar = status.steps.map((s) => marks[s.state] ?? '?').join(' ');
  return `[${bar}] ${status.state.padEnd(19)} ${status.currentStep ?? ''}`;
}

/** Prints status changes and new emails until `until` holds. */
async function follow(
  p: ReturnType<typeof publisherSteps>,
  offerId: string,
  seen: Set<string>,
  until: (s: StatusBody) => boolean,
) {
  let last = '';
  for (;;) {
    const status = await p.status();
    const line = progressLine(status);
    if (line !== last) console.log(line);
    last = line;
    const notes = await p.call<{ notifications: Notification[] }>(
      'ann',
      'GET',
      `/api/offers/${offerId}/notifications`,
    );
    for (const n of notes.body?.notifications ?? []) {
      const key = `${n.sentAt}|${n.subject}`;
      if (!seen.has(key)) console.log(`    ✉  to ${n.to}: ${n.subject}`);
      seen.add(key);
    }
    if (until(status)) return status;
    await sleep(250);
  }
}

/** Takes one new offer from creation to Live on the host at baseUrl; resolves with its final state. */
export async function runDemo(baseUrl: string): Promise<string> {
  const offerId = `demo-${Date.now().toString(36)}`;
  const p = publisherSteps(baseUrl, offerId);
  const seen = new Set<string>();
  console.log(`Offer ${offerId} on ${baseUrl}`);
  await p.describe();
  await p.uploadArtifacts();
  // As the portal does: straight to storage through a short-lived URL (api.md, upload-url).
  await p.uploadPackageThroughUrl();
  const report = await p.packageValidated();
  console.log(`Package validation: ${JSON.stringify(report)}`);
  const published = await p.publish();
  console.log(`Publish → ${published.status} ${JSON.stringify(published.body)}`);
  await follow(p, offerId, seen, (s) => ['WaitingForPublisher', 'Failed'].includes(s.state));
  console.log('Publisher presses Go Live');
  await p.goLive();
  await follow(p, offerId, seen, (s) => ['WaitingForReview', 'Failed'].includes(s.state));
  console.log('Marketing and technical reviewers approve');
  await p.review('marketing', { outcome: 'approved' });
  await p.review('technical', { outcome: 'approved' });
  const final = await follow(p, offerId, seen, (s) => ['Live', 'Failed', 'Canceled'].includes(s.state));
  console.log(
    final.state === 'Live'
      ? `\n${offerId} is Live.`
      : `\nEnded ${final.state}: ${JSON.stringify(final.error)}`,
  );
  return final.state;
}

async function main() {
  const { baseUrl, stop } = await hostToUse();
  try {
    process.exitCode = (await runDemo(baseUrl)) === 'Live' ? 0 : 1;
  } finally {
    await stop();
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}

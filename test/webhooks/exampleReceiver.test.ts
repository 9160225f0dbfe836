import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../devhost/azurite';
import { signedMessage } from '../../shared/adapters/webhookSender';
import { newSecret, type CloudEventBody } from '../../shared/domain/webhooks';

/** The example receiver of docs/webhooks.md, run as written: a failed submission fails the job. */
const ROOT = path.resolve(__dirname, '../..');

function exampleCode(): string {
  const doc = readFileSync(path.join(ROOT, 'docs/webhooks.md'), 'utf8');
  const block = /```js\n(\/\/ ci-wait\.js[\s\S]*?)```/.exec(doc)?.[1];
  if (!block) throw new Error('docs/webhooks.md has no ci-wait.js example');
  return block;
}

const failed = (id: string): CloudEventBody => ({
  specversion: '1.0',
  id,
  source: '/offers/contoso-sales',
  type: 'offer.submission.failed',
  subject: 's1',
  time: new Date().toISOString(),
  datacontenttype: 'application/json',
  data: {
    step: 'automated-validation',
    error: {
      code: 'package_invalid',
      message: 'The package is not valid.',
      details: [{ path: 'app.version', message: 'must be higher than 1.0.0.0' }],
    },
  },
});

it('exits 1 with the findings on a failed submission, after refusing a forged one', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ci-wait-'));
  const file = path.join(dir, 'ci-wait.js');
  writeFileSync(file, exampleCode());
  const secret = newSecret();
  const port = await freePort();
  const child = spawn(process.execPath, [file], {
    env: {
      ...process.env,
      WEBHOOK_SECRET: secret,
      PORT: String(port),
      NODE_PATH: path.join(ROOT, 'node_modules'),
    },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const post = async (message: { body: string; headers: Record<string, string> }) => {
    for (let i = 0; ; i++) {
      try {
        return (await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', ...message })).status;
      } catch (error) {
        if (i > 100) throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  try {
    const forged = signedMessage(failed('evt_forged'), [newSecret()], new Date());
    expect(await post(forged)).toBe(401);
    expect(await post(signedMessage(failed('evt_1'), [secret], new Date()))).toBe(204);
    expect(await exited).toBe(1);
    expect(stderr).toContain('Submission failed in automated-validation: The package is not valid.');
    expect(stderr).toContain('app.version: must be higher than 1.0.0.0');
  } finally {
    child.kill();
  }
});

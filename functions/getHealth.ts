import { app, HttpResponseInit } from '@azure/functions';
import { checkSettings, SettingsCheck } from '../shared/config';
import { FUNCTIONS } from '../shared/contracts/names';
import { json, settingDetails } from '../shared/http/errors';
import { PUBLIC_AUTH_LEVEL } from '../shared/http/registration';

/**
 * The settings are checked once, when the app starts: a missing or contradictory setting is
 * reported then, by name, instead of surfacing as a 500 on every request, and this route keeps
 * saying so (503) for as long as the instance runs. Reads process.env only from the hook or a request.
 */
let checked: SettingsCheck | undefined;

export function settingsAtStart(env: Record<string, string | undefined> = process.env): SettingsCheck {
  checked ??= checkSettings(env);
  return checked;
}

export function reportSettings(check: SettingsCheck, log: (message: string) => void): void {
  if (check.healthy) return;
  log(
    `Invalid configuration: the app cannot serve requests until these settings are fixed:\n${check.problems
      .map((p) => `  - ${p}`)
      .join('\n')}`,
  );
}

/** `GET /api/health`: 200 when the settings are valid, otherwise 503 naming each bad setting (never a value). */
export function healthResponse(check: SettingsCheck): HttpResponseInit {
  if (check.healthy) return json(200, { status: 'healthy' });
  const details = settingDetails(check.problems);
  return json(503, {
    status: 'unhealthy',
    error: {
      code: 'misconfigured',
      message: `The app is not configured correctly: ${details.map((d) => d.path).join(', ')}.`,
      details,
    },
  });
}

app.hook.appStart(() => reportSettings(settingsAtStart(), (message) => console.error(message)));

app.http(FUNCTIONS.getHealth, {
  route: 'health',
  methods: ['GET'],
  authLevel: PUBLIC_AUTH_LEVEL,
  handler: async () => healthResponse(settingsAtStart()),
});

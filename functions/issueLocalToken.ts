import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { ConfigError, localMode } from '../shared/config';
import { FUNCTIONS } from '../shared/contracts/names';
import { readBytes } from '../shared/http/body';
import { JSON_CONTENT_TYPE } from '../shared/http/errors';
import { localToken } from '../shared/http/principal';
import { PUBLIC_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

/** Local tokens live an hour, as Entra's do; New-BcAuthContext renews them 5 minutes before. */
export const LOCAL_TOKEN_SECONDS = 3600;
const MAX_FORM_BYTES = 16 * 1024;
const PUBLISHER_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

function oauthError(status: number, error: string, description: string): HttpResponseInit {
  return {
    status,
    jsonBody: { error, error_description: description },
    headers: { 'content-type': JSON_CONTENT_TYPE },
  };
}

const settingNames = (error: ConfigError) => error.problems.map((p) => p.split(':')[0]).join(', ');

/**
 * POST /api/oauth2/v2.0/token, local mode only: the client-credentials grant of Entra ID, so that
 * `New-BcAuthContext -authority {PUBLIC_BASE_URL}/api/` gets a token here. `client_id` is the
 * publisher id; the secret is not checked (in local mode the identity header is trusted as sent
 * anyway) and never logged. The token is an unsigned JWT with the claims of x-ms-client-principal
 * plus `appid`, `tid` and `exp`, which BcContainerHelper reads, and those of an app-only Entra
 * token (`idtyp` app, `oid` = `sub`, no `scp`). Outside local mode: 404, Entra issues tokens.
 */
export function makeIssueLocalToken(services: Services) {
  return async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
    let local: boolean;
    try {
      local = localMode(services.settings);
    } catch (error) {
      // An invalid configuration (no local mode, no App Service Authentication): 503 naming it.
      if (!(error instanceof ConfigError)) throw error;
      return oauthError(503, 'temporarily_unavailable', `The app is not configured: ${settingNames(error)}.`);
    }
    if (!local)
      return oauthError(
        404,
        'not_found',
        'Tokens come from Entra ID; this one is issued in local mode only.',
      );
    let form: URLSearchParams;
    try {
      form = new URLSearchParams((await readBytes(request, MAX_FORM_BYTES)).toString('utf8'));
    } catch {
      return oauthError(400, 'invalid_request', `The form is larger than ${MAX_FORM_BYTES} bytes.`);
    }
    if (form.get('grant_type') !== 'client_credentials')
      return oauthError(
        400,
        'unsupported_grant_type',
        'Only grant_type=client_credentials is supported here.',
      );
    const clientId = form.get('client_id') ?? '';
    if (!PUBLISHER_ID.test(clientId))
      return oauthError(
        400,
        'invalid_client',
        'client_id must be the publisher id (letters, digits, . _ -).',
      );
    const now = Math.floor(services.now().getTime() / 1000);
    const accessToken = localToken({
      name: clientId,
      roles: ['Publisher'],
      publisher_id: clientId,
      appid: clientId,
      azp: clientId,
      exp: now + LOCAL_TOKEN_SECONDS,
      tid: 'local',
      iat: now,
      idtyp: 'app',
      oid: `local-app-${clientId}`,
      sub: `local-app-${clientId}`,
    });
    return {
      status: 200,
      jsonBody: {
        token_type: 'Bearer',
        expires_in: LOCAL_TOKEN_SECONDS,
        ext_expires_in: LOCAL_TOKEN_SECONDS,
        access_token: accessToken,
      },
      headers: { 'content-type': JSON_CONTENT_TYPE, 'cache-control': 'no-store' },
    };
  };
}

app.http(FUNCTIONS.issueLocalToken, {
  route: 'oauth2/v2.0/token',
  methods: ['POST'],
  authLevel: PUBLIC_AUTH_LEVEL,
  handler: (request, context) => makeIssueLocalToken(getServices())(request, context),
});

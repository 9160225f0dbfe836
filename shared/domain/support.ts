/**
 * "Get help" (the seed's support request): a link to SUPPORT_URL with what the support desk needs
 * to find the failure filled in as query parameters. The Status tab of a failed submission and the
 * failure email carry the same link; the portal builds it in the browser with the same names
 * (portal/words.js supportHref), which test/portal/support.test.ts keeps equal.
 */

export interface SupportContext {
  offerId: string;
  submissionId?: string;
  /** The step id the submission failed at, e.g. `appsource-packaging`. */
  step?: string;
  /** The error's code, e.g. `storefront_invalid`. */
  code?: string;
}

/** The query parameter names, in the order they are added. */
export const SUPPORT_PARAMS = {
  offerId: 'offer',
  submissionId: 'submission',
  step: 'step',
  code: 'error',
} as const;

/**
 * SUPPORT_URL with `offer`, `submission`, `step` and `error` set (query parameters the URL already
 * has are kept; empty values are left out). Throws on a SUPPORT_URL that is not an absolute URL,
 * which config.ts already refuses at start.
 */
export function supportLink(supportUrl: string, context: SupportContext): string {
  const url = new URL(supportUrl);
  for (const key of Object.keys(SUPPORT_PARAMS) as (keyof SupportContext)[]) {
    const value = context[key];
    if (value) url.searchParams.set(SUPPORT_PARAMS[key], value);
  }
  return url.toString();
}

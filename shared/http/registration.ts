/**
 * authLevel of every HTTP route: anonymous, so no route wants a function key. The browser portal
 * and scripts cannot hold a key, and identity is not a key's job: in Azure, App Service
 * Authentication sits in front (it validates the caller's Entra ID token or session, sets
 * x-ms-client-principal and strips forged ones), and the app itself answers 401 to a request
 * without a principal (shared/http/principal.ts), locally exactly as in Azure. The preview routes
 * (hidekey) and the health and OpenAPI documents need no identity at all.
 */
export const API_AUTH_LEVEL = 'anonymous' as const;
export const PUBLIC_AUTH_LEVEL = 'anonymous' as const;

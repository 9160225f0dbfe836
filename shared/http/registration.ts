/**
 * authLevel of the identity-carrying routes. In Azure, App Service Authentication sits in front
 * (it sets x-ms-client-principal and strips forged ones) and a function key is required as well,
 * so the API is reachable only by the portal and scripts that hold a key. The local host, like
 * Core Tools, does not enforce keys. The preview routes (hidekey) and the OpenAPI document are
 * anonymous: the preview link is meant to be opened as is.
 */
export const API_AUTH_LEVEL = 'function' as const;
export const PUBLIC_AUTH_LEVEL = 'anonymous' as const;

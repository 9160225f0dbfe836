/** How the host names its storage in logs. */

/** Endpoints only: the connection string carries the account key. */
export function describeStorage(connectionString: string): string {
  const parts = new Map(
    connectionString
      .split(';')
      .map((p) => p.split('=', 2) as [string, string?])
      .map(([k, v]) => [k.trim().toLowerCase(), v ?? ''] as const),
  );
  const blob = parts.get('blobendpoint');
  const table = parts.get('tableendpoint');
  if (blob || table) return `blob ${blob ?? '-'}, table ${table ?? '-'}`;
  return `account ${parts.get('accountname') ?? '?'} (${parts.get('endpointsuffix') ?? 'core.windows.net'})`;
}

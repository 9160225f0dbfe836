/**
 * The local host speaks the library's HTTP-streaming protocol (devhost/httpServer.ts streamHttp):
 * the capability HttpUri, the proxied request matched by x-ms-invocation-id and rebuilt from
 * x-forwarded-host / x-forwarded-proto, and route params and headers sent as trigger metadata.
 * An upgrade of @azure/functions that changes any of it must fail here first.
 */
import fs from 'node:fs';

describe('HTTP streaming internals the local host relies on', () => {
  const bundle = fs.readFileSync(require.resolve('@azure/functions'), 'utf8');

  it('keeps the proxy protocol', () => {
    expect(bundle).toContain('workerCapabilities.HttpUri = httpUri');
    expect(bundle).toContain("'x-ms-invocation-id'");
    expect(bundle).toContain("'x-forwarded-host'");
    expect(bundle).toContain("'x-forwarded-proto'");
  });

  it('still reads params and headers of a streamed request from trigger metadata', () => {
    expect(bundle).toContain('const { Query: rpcQueryIgnored, Headers: rpcHeaders } = triggerMetadata');
    expect(bundle).toContain('(rpcValue.string)');
  });
});

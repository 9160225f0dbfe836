/**
 * Issue 28, item 14: `::1` is the IPv6 loopback address, not an IPv4-compatible form of 0.0.0.1, so
 * the local policy calls `[::1]` (and a dual-stack `localhost`) as it calls 127.0.0.1, and the
 * Azure policy still refuses it as loopback.
 */
import {
  AZURE_POLICY,
  LOCAL_POLICY,
  addressKind,
  checkedAddress,
  embeddedIpv4,
} from '../../shared/adapters/outbound';

describe('::1 is loopback (issue 28, item 14)', () => {
  it('classifies ::1 and its long forms as loopback, :: stays reserved', () => {
    expect(['::1', '0:0:0:0:0:0:0:1', '0000::0001'].map(addressKind)).toEqual([
      'loopback',
      'loopback',
      'loopback',
    ]);
    expect(addressKind('::')).toBe('reserved');
    expect(embeddedIpv4('::1')).toEqual([]);
    // An IPv4-compatible address that carries a real IPv4 address is still judged by it.
    expect(addressKind('::10.0.0.1')).toBe('private');
  });

  it('the local policy calls [::1], the Azure policy refuses it as loopback', async () => {
    await expect(checkedAddress('[::1]', LOCAL_POLICY)).resolves.toEqual({ address: '::1', family: 6 });
    await expect(checkedAddress('[::1]', AZURE_POLICY)).rejects.toThrow(/a loopback address/);
  });
});

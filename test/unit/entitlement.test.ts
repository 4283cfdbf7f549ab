import { grantsBeyondEntitlement, whoLostRoles, type Membership } from '../../src/domain/entitlement';
import { HOUR, samplePolicy, U, world } from './fakes';

const membership = (groups: Record<string, string[]>): Membership => new Map(Object.entries(groups).map(([u, g]) => [u, new Set(g)]));

describe('continuous entitlement: which grants end when membership changes', () => {
  const policy = samplePolicy();
  const before = membership({ [U.plat]: ['engineers', 'platform'], [U.eng]: ['engineers'], [U.appr1]: ['approvers'] });

  test('only people whose roles shrank count as losing', () => {
    expect(whoLostRoles(policy, before, before)).toEqual([]);
    expect(whoLostRoles(policy, before, membership({ [U.plat]: ['engineers'], [U.eng]: ['engineers', 'platform'], [U.appr1]: [] }))).toEqual([U.plat]);
    // Gone from every group: every role is lost, whatever the groups were called.
    expect(whoLostRoles(policy, before, membership({}))).toEqual([U.plat, U.eng]);
  });

  test('live grants of roles their owner may no longer have; users named in the policy keep theirs', () => {
    const w = world();
    const now = w.clock.now();
    const grants = [
      w.hub.add({ id: 'platadmin1', userId: U.plat, role: 'admin' }),
      w.hub.add({ id: 'platguest1', userId: U.plat, role: 'guest' }),
      w.hub.add({ id: 'engguest01', userId: U.eng, role: 'guest' }),
      w.hub.add({ id: 'vipguest01', userId: U.vip, role: 'guest' }),
      w.hub.add({ id: 'ended00001', userId: U.eng, role: 'guest', expiresAt: new Date(now.getTime() - HOUR) }),
      w.hub.add({ id: 'gonerole01', userId: U.plat, role: 'retired' }),
    ];
    const after = membership({ [U.plat]: ['engineers'], [U.eng]: [] });
    expect(grantsBeyondEntitlement(policy, grants, after, now).map((g) => g.id)).toEqual(['platadmin1', 'engguest01', 'gonerole01']);
  });
});

describe('enforceMembership', () => {
  test('ends the grants of a lost role, audits them and tells the owner why, once across replicas', async () => {
    const w = world();
    w.hub.add({ id: 'platadmin1', userId: U.plat, role: 'admin' });
    w.hub.add({ id: 'platguest1', userId: U.plat, role: 'guest' });
    const before = membership({ [U.plat]: ['engineers', 'platform'] });
    const after = membership({ [U.plat]: ['engineers'] });
    expect(await w.service.enforceMembership(before, after)).toBe(1);
    // A second replica acting on the same look-up finds nothing left to end.
    expect(await w.service.enforceMembership(undefined, after)).toBe(0);
    expect([...w.hub.grantsById.keys()]).toEqual(['platguest1']);
    expect(w.audits).toEqual([{ event: 'grant.revoked', grant: 'platadmin1', user: U.plat, role: 'admin', by: 'membership' }]);
    expect(w.notifier.toldTo(U.plat)).toEqual(['I revoked your `admin` Karpor grant `platadmin1`: you are no longer in a Slack group that may have `admin`. Its tokens stop working within 10 seconds.']);
  });

  test('nobody lost anything: the hub is not even asked', async () => {
    const w = world();
    const same = membership({ [U.plat]: ['platform'] });
    expect(await w.service.enforceMembership(same, membership({ [U.plat]: ['platform', 'approvers'] }))).toBe(0);
    expect(w.hub.calls).toEqual([]);
  });

  test('a hub failure is thrown, so that the loss is acted on after the next look-up', async () => {
    const w = world();
    w.hub.grants = async () => {
      throw new Error('hub down');
    };
    await expect(w.service.enforceMembership(membership({ [U.plat]: ['platform'] }), membership({}))).rejects.toThrow('hub down');
  });
});

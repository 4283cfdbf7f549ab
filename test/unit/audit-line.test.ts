import { policyFrom } from '../../src/config/policy-file';
import { auditLine } from '../../src/slack/text/audit';

const roles = { guest: { clusterRole: 'karpor-guest', groups: ['eng'] } };

test('auditChannel is a channel ID; a name is refused with how to fix it', () => {
  expect(policyFrom({ roles, auditChannel: 'C0AUDIT01' }).auditChannel).toBe('C0AUDIT01');
  expect(policyFrom({ roles }).auditChannel).toBeUndefined();
  expect(() => policyFrom({ roles, auditChannel: '#audit' })).toThrow(/auditChannel.*channel ID/s);
});

test('events the channel does not carry have no line; unknown people and odd values are escaped', () => {
  expect(auditLine({ event: 'request.refused', user: 'U1', role: 'admin' })).toBeUndefined();
  expect(auditLine({ event: 'grant.undelivered', user: 'U1', role: 'admin' })).toBeUndefined();
  expect(auditLine({ event: 'break-glass.revoked-unconfirmed', grant: 'g1', user: 'U0ENG', role: 'admin' })).toBe(':lock: break-glass grant `g1` of <@U0ENG> (*admin*) revoked: nobody confirmed it in time');
  expect(auditLine({ event: 'grant.revoked', grant: 'g`1', user: '<!here>', role: 'guest', by: 'policy' })).toBe(':lock: grant `g\'1` of &lt;!here&gt; (*guest*) revoked by the policy');
});

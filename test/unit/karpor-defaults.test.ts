import { KARPOR_DEFAULT_RULES, type PresetRole, type RoleRule } from '../../src/domain/karpor-defaults';
import { permissions, ruleDifferences } from '../../src/domain/role-rules';
import { shippedRules } from './karpor-files';

const asKeys = (rules: readonly RoleRule[]): string[] => permissions(rules).map((p) => JSON.stringify(p)).sort();

test.each<PresetRole>(['karpor-admin', 'karpor-guest', 'anonymous'])("the bot's rules for %s are the ones Karpor ships, pair for pair", (role) => {
  const shipped = shippedRules(role);
  expect(asKeys(KARPOR_DEFAULT_RULES[role])).toEqual(asKeys(shipped));
  expect(ruleDifferences(KARPOR_DEFAULT_RULES[role], shipped)).toEqual({ added: [], removed: [] });
});

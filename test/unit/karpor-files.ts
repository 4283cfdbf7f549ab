// Karpor's own default role files, read from ../shared/karpor beside the repository.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { RoleRule } from '../../src/domain/karpor-defaults';

const KARPOR_DIR = path.resolve(__dirname, '../../..', 'shared', 'karpor');

/** The rules of ClusterRole `name` in Karpor's `default-<name>-rbac.yaml`. */
export function shippedRules(name: string): RoleRule[] {
  const docs = parseAllDocuments(fs.readFileSync(path.join(KARPOR_DIR, `default-${name}-rbac.yaml`), 'utf8'));
  const role = docs
    .map((d) => d.toJS() as { kind?: string; metadata?: { name?: string }; rules?: RoleRule[] })
    .find((d) => d.kind === 'ClusterRole' && d.metadata?.name === name);
  if (!role?.rules) throw new Error(`no ClusterRole ${name} in ${KARPOR_DIR}`);
  return role.rules;
}

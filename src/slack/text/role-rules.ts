import type { Permission } from '../../domain/role-rules';
import { code } from './markup';

/** `` `post` on `/rest-api/v1/cluster/*` ``, `` `get` on `secrets` `` (hub objects). */
export function permissionText(p: Permission): string {
  if (p.kind === 'url') return `${code(p.verb)} on ${code(p.url)}`;
  const group = p.apiGroup ? `${p.apiGroup}/` : '';
  return `${code(p.verb)} on ${code(`${group}${p.resource}${p.name ? `/${p.name}` : ''}`)}`;
}

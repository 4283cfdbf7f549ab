// Which ClusterRoleBindings give a role's accounts exactly their role, and which do not.
import { bindingProblem, roleHome, type BindingView } from '../../src/domain/identity';

const RBAC = 'rbac.authorization.k8s.io';
const home = roleHome({ mode: 'shared', prefix: 'karpor' }, { alias: 'guest', clusterRole: 'karpor-guest' });
const group = (name: string) => ({ kind: 'Group', apiGroup: RBAC, name });
const binding = (name: string, role: string, ...subjects: NonNullable<BindingView['subjects']>): BindingView => ({ name, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role }, subjects });
const own = binding('karpor-guests', 'karpor-guest', group('system:serviceaccounts:karpor-guests'));
// What a plain API server binds at start, and Karpor's binding for requests without a token.
const bootstrap = [
  binding('system:basic-user', 'system:basic-user', group('system:authenticated')),
  binding('system:discovery', 'system:discovery', group('system:authenticated')),
  binding('system:public-info-viewer', 'system:public-info-viewer', group('system:authenticated'), group('system:unauthenticated')),
  binding('system:service-account-issuer-discovery', 'system:service-account-issuer-discovery', group('system:serviceaccounts')),
  binding('anonymous', 'anonymous', { kind: 'User', apiGroup: RBAC, name: 'system:anonymous' }),
  binding('cluster-admin', 'cluster-admin', group('system:masters')),
];

test('the role namespace and its binding are named after the prefix and the role', () => {
  expect(home).toEqual({ alias: 'guest', clusterRole: 'karpor-guest', namespace: 'karpor-guests', binding: 'karpor-guests' });
});

test('the setup\'s binding, among the hub\'s own, is fine', () => {
  expect(bindingProblem(home, [own, ...bootstrap])).toBeUndefined();
  // Another binding of the same role to the same accounts grants nothing more.
  expect(bindingProblem(home, [own, binding('again', 'karpor-guest', group('system:serviceaccounts:karpor-guests'))])).toBeUndefined();
  // Accounts of other namespaces are not this role's business.
  expect(bindingProblem(home, [own, binding('x', 'karpor-admin', group('system:serviceaccounts:karpor-admins'), { kind: 'ServiceAccount', name: 'karpor-guest', namespace: 'default' })])).toBeUndefined();
});

test.each<[string, BindingView[], RegExp]>([
  ['no binding', bootstrap, /ClusterRoleBinding karpor-guests is missing/],
  ['the binding names another role', [binding('karpor-guests', 'karpor-admin', group('system:serviceaccounts:karpor-guests'))], /binds ClusterRole karpor-admin, not ClusterRole karpor-guest/],
  ['the binding takes in more subjects', [binding('karpor-guests', 'karpor-guest', group('system:serviceaccounts:karpor-guests'), group('system:authenticated'))], /binds Group system:serviceaccounts:karpor-guests, Group system:authenticated, not only/],
  ['the binding has nobody', [binding('karpor-guests', 'karpor-guest')], /binds nobody/],
  ['an extra binding of the group to karpor-admin', [own, binding('evil', 'karpor-admin', group('system:serviceaccounts:karpor-guests'))], /ClusterRoleBinding evil also gives Group system:serviceaccounts:karpor-guests ClusterRole karpor-admin/],
  ['an extra binding of one account', [own, binding('evil', 'karpor-admin', { kind: 'ServiceAccount', name: 'karpor-guest-u1', namespace: 'karpor-guests' })], /evil also gives ServiceAccount karpor-guests\/karpor-guest-u1/],
  ['an extra binding of an account as a user', [own, binding('evil', 'cluster-admin', { kind: 'User', apiGroup: RBAC, name: 'system:serviceaccount:karpor-guests:karpor-guest' })], /evil also gives User/],
  ['karpor-admin for every authenticated identity', [own, binding('evil', 'karpor-admin', group('system:authenticated'))], /evil also gives Group system:authenticated/],
  ['cluster-admin for every ServiceAccount', [own, binding('evil', 'cluster-admin', group('system:serviceaccounts'))], /evil also gives Group system:serviceaccounts ClusterRole cluster-admin/],
])('%s is a problem', (_name, bindings, problem) => {
  expect(bindingProblem(home, bindings)).toMatch(problem);
});

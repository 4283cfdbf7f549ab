const segment = encodeURIComponent;

/** Paths of the objects the bot reads and writes. */
export const paths = {
  secrets: (namespace: string, name?: string) => `/api/v1/namespaces/${segment(namespace)}/secrets${name === undefined ? '' : `/${segment(name)}`}`,
  configMap: (namespace: string, name: string) => `/api/v1/namespaces/${segment(namespace)}/configmaps/${segment(name)}`,
  serviceAccounts: (namespace: string, name?: string) =>
    `/api/v1/namespaces/${segment(namespace)}/serviceaccounts${name === undefined ? '' : `/${segment(name)}`}`,
  token: (namespace: string, serviceAccount: string) => `/api/v1/namespaces/${segment(namespace)}/serviceaccounts/${segment(serviceAccount)}/token`,
  clusterRoleBindings: (name?: string) => `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings${name === undefined ? '' : `/${segment(name)}`}`,
  clusterRoles: (name: string) => `/apis/rbac.authorization.k8s.io/v1/clusterroles/${segment(name)}`,
};

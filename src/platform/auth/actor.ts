/** Roles, from the issue tracker's list; what each may do is declared by the modules' permissions. */
export const ROLES = [
  'resident',
  'grid_worker',
  'grid_leader',
  'dispatcher',
  'dept_handler',
  'supervisor',
  'community_admin',
  'street_admin',
  'mediator',
  'partner',
  'auditor',
  'admin',
] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_NAMES: Record<Role, string> = {
  resident: '居民',
  grid_worker: '网格员',
  grid_leader: '网格长',
  dispatcher: '受理派遣员',
  dept_handler: '部门处置人员',
  supervisor: '督办人员',
  community_admin: '社区管理员',
  street_admin: '街道管理员',
  mediator: '调解员',
  partner: '社区合伙人',
  auditor: '审计员',
  admin: '系统管理员',
};

/** Who is calling: a signed-in user, an API key's service user, or the system itself (jobs). */
export interface Actor {
  userId: string | null;
  username: string;
  displayName: string;
  roles: Role[];
  /** org node the user is bound to (its path drives the data scope) */
  nodeId: string | null;
  nodePath: string | null;
  departmentId: string | null;
  residentId: string | null;
  /** proxy service (帮代办): the resident this staff member is acting for */
  actingForResidentId: string | null;
  apiKeyId: string | null;
  /** API key scopes; null for sessions */
  scopes: string[] | null;
  requestId: string | null;
}

export const systemActor = (requestId: string | null = null): Actor => ({
  userId: null,
  username: 'system',
  displayName: '系统',
  roles: ['admin'],
  nodeId: null,
  nodePath: null,
  departmentId: null,
  residentId: null,
  actingForResidentId: null,
  apiKeyId: null,
  scopes: null,
  requestId,
});

/**
 * A background job working for the user who started it (an import batch): audited under that
 * user's id and name, with admin rights limited to `nodePath` — the scope the user had when starting.
 */
export const jobActor = (userId: string | null, displayName: string, nodePath: string | null): Actor => ({
  ...systemActor(),
  userId,
  username: 'import',
  displayName,
  nodePath,
});

export const hasRole = (a: Actor, ...roles: Role[]) => a.roles.some((r) => roles.includes(r));

import { z } from 'zod';
import { send } from '../../commands/aggregate';
import { userAccounts } from '../../commands/user-account';
import { UserDoc, USERS } from '../../projections/users/projection';
import { accountOf } from '../auth/accounts';
import { LoginEmail, LoginPassword, registerStaffAccount, STAFF_ROLES } from '../auth/staff-accounts';
import { route, RouteTable } from '../http/route';
import { HttpProblem } from '../http/problem';
import { ApiServices } from '../services';
import { accountIdFor } from './auth';
import { ALL_ROLES } from './roles';

const Id = z.string().min(1).max(200).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only');
const UserParams = z.object({ userId: Id });

// ---- answers ------------------------------------------------------------------------------

const RoleSchema = z.enum(ALL_ROLES);

/** A login account (never its password hash). */
export const UserSchema = z.strictObject({
  userId: z.string(),
  email: z.string().describe('The login e-mail (lower case)'),
  role: RoleSchema,
  customerId: z.string().nullable().describe('The customer the login acts for (role customer); null for other roles'),
  expertId: z.string().nullable().describe('The expert profile the login acts as (role expert); null for other roles'),
  disabled: z.boolean().describe('A disabled account can neither log in nor refresh'),
  registeredAt: z.iso.datetime({ offset: true }),
});
export type User = z.infer<typeof UserSchema>;

export const UserListSchema = z.strictObject({ users: z.array(UserSchema), total: z.number().int().describe('Accounts matching the filter, all pages together') });
export const CreatedStaffUserSchema = z.strictObject({ userId: z.string(), email: z.string(), role: z.enum(STAFF_ROLES) });
export const UserDisabledFlagSchema = z.strictObject({ userId: z.string(), disabled: z.boolean() });
export const UserRoleSchema = z.strictObject({
  userId: z.string(),
  role: RoleSchema,
  customerId: z.string().nullable().describe('Set exactly for role customer'),
  expertId: z.string().nullable().describe('Set exactly for role expert'),
});

function view(doc: UserDoc): User {
  const { _id, passwordHash: _h, ...rest } = doc;
  return { userId: _id, ...rest };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}


export const userRoutes: RouteTable<ApiServices> = [
  route({
    method: 'get',
    path: '/users',
    summary: 'List login accounts (admin), by role, disabled flag or e-mail fragment',
    tag: 'Users',
    roles: ['admin'],
    query: z.object({
      role: z.enum(ALL_ROLES).optional(),
      disabled: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
      q: z.string().trim().min(1).max(200).optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      skip: z.coerce.number().int().min(0).max(100_000).default(0),
    }),
    success: 200,
    operationId: 'listUsers',
    response: UserListSchema,
    async handler({ query }, services: ApiServices) {
      const collection = await services.readModels.collection<UserDoc>(USERS);
      const filter = {
        ...(query.role ? { role: query.role } : {}),
        ...(query.disabled !== undefined ? { disabled: query.disabled } : {}),
        ...(query.q ? { email: { $regex: escapeRegex(query.q.toLowerCase()) } } : {}),
      };
      const docs = await collection.find(filter, { sort: { email: 1 }, limit: query.limit, skip: query.skip });
      const body: z.infer<typeof UserListSchema> = { users: docs.map(view), total: await collection.count(filter) };
      return { status: 200, body };
    },
  }),
  route({
    method: 'post',
    path: '/users',
    readsNext: ['users'],
    summary: 'Create a staff account (helpdesk, manager or admin) with a password (admin)',
    tag: 'Users',
    roles: ['admin'],
    body: z.object({ email: LoginEmail, role: z.enum(STAFF_ROLES), password: LoginPassword }),
    idempotent: true,
    success: 201,
    operationId: 'createStaffUser',
    response: CreatedStaffUserSchema,
    async handler(request, services: ApiServices) {
      const { body } = request;
      const metadata = request.command();
      const userId = accountIdFor('user', body.email, metadata.commandId);
      const result = await registerStaffAccount(services, { userId, ...body }, metadata, (password) => services.passwords.hash(password));
      const created: z.infer<typeof CreatedStaffUserSchema> = { userId, email: body.email, role: body.role };
      return { status: 201, body: created, headers: { Location: `/users/${userId}` }, position: result.position };
    },
  }),
  route({
    method: 'put',
    path: '/users/me/password',
    readsNext: ['users'],
    summary: 'Change your own password (current password required); signs out other sessions',
    tag: 'Users',
    roles: ALL_ROLES,
    body: z.object({ currentPassword: z.string().min(1).max(200), newPassword: LoginPassword }),
    success: 204,
    operationId: 'changeOwnPassword',
    async handler(request, services: ApiServices) {
      const { user, body } = request;
      const doc = await accountOf(services, user.userId);
      if (!doc || doc.disabled) throw new HttpProblem(401, 'Unauthorized', 'This account cannot change its password.');
      if (!(await services.passwords.verify(body.currentPassword, doc.passwordHash))) throw new HttpProblem(403, 'Invalid credentials', 'The current password is wrong.');
      if (body.currentPassword === body.newPassword) throw new HttpProblem(422, 'Same password', 'Choose a password different from the current one.');
      const result = await send(services.commands, userAccounts, {
        type: 'changePassword',
        data: { userId: user.userId, passwordHash: await services.passwords.hash(body.newPassword) },
        metadata: request.command(),
      });
      await services.tokens.revokeAll(user.userId);
      return { status: 204, position: result.position };
    },
  }),
  route({
    method: 'post',
    path: '/users/:userId/disable',
    readsNext: ['users'],
    summary: 'Disable an account: it can no longer log in or refresh (admin)',
    tag: 'Users',
    roles: ['admin'],
    params: UserParams,
    body: z.object({ reason: z.string().trim().min(1).max(500) }),
    idempotent: true,
    success: 200,
    operationId: 'disableUser',
    response: UserDisabledFlagSchema,
    async handler(request, services: ApiServices) {
      const { userId } = request.params;
      const result = await send(services.commands, userAccounts, { type: 'disableUser', data: { userId, reason: request.body.reason }, metadata: request.command() });
      await services.tokens.revokeAll(userId);
      const body: z.infer<typeof UserDisabledFlagSchema> = { userId, disabled: true };
      return { status: 200, body, position: result.position };
    },
  }),
  route({
    method: 'post',
    path: '/users/:userId/enable',
    readsNext: ['users'],
    summary: 'Enable a disabled account (admin)',
    tag: 'Users',
    roles: ['admin'],
    params: UserParams,
    idempotent: true,
    success: 200,
    operationId: 'enableUser',
    response: UserDisabledFlagSchema,
    async handler(request, services: ApiServices) {
      const { userId } = request.params;
      const result = await send(services.commands, userAccounts, { type: 'enableUser', data: { userId }, metadata: request.command() });
      const body: z.infer<typeof UserDisabledFlagSchema> = { userId, disabled: false };
      return { status: 200, body, position: result.position };
    },
  }),
  route({
    method: 'put',
    path: '/users/:userId/role',
    readsNext: ['users'],
    summary: "Change an account's role (customer needs customerId, expert needs expertId) (admin)",
    tag: 'Users',
    roles: ['admin'],
    params: UserParams,
    body: z
      .object({ role: z.enum(ALL_ROLES), customerId: Id.optional(), expertId: Id.optional() })
      .refine((b) => (b.role === 'customer') === (b.customerId !== undefined), { message: 'customerId is given exactly for role customer', path: ['customerId'] })
      .refine((b) => (b.role === 'expert') === (b.expertId !== undefined), { message: 'expertId is given exactly for role expert', path: ['expertId'] }),
    idempotent: true,
    success: 200,
    operationId: 'changeUserRole',
    response: UserRoleSchema,
    async handler(request, services: ApiServices) {
      const { userId } = request.params;
      const { role, customerId, expertId } = request.body;
      if (userId === request.user.userId) throw new HttpProblem(422, 'Cannot change own role', 'An admin cannot change their own role.');
      const result = await send(services.commands, userAccounts, {
        type: 'changeRole',
        data: { userId, role, ...(customerId ? { customerId } : {}), ...(expertId ? { expertId } : {}) },
        metadata: request.command(),
      });
      // Tokens carry the role: make the account log in again.
      await services.tokens.revokeAll(userId);
      const body: z.infer<typeof UserRoleSchema> = { userId, role, customerId: customerId ?? null, expertId: expertId ?? null };
      return { status: 200, body, position: result.position };
    },
  }),
];
